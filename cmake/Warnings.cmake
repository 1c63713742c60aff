# uwh_warnings(target): the warning set every target of ours builds with.
function(uwh_warnings target)
  # -Wshadow=local is g++'s alone (clang builds the fuzz targets).
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
                                           $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local>
                                           -Wnon-virtual-dtor -Wno-missing-field-initializers
                                           # g++ 12 misreads Asio's coroutine-frame allocator.
                                           -Wno-mismatched-new-delete
                                           # g++ 12 at -O3 (Release, scripts/run) warns on plain
                                           # string assignments and `"literal" + std::string`
                                           # (its bug 105651, a memcpy it invents itself).
                                           $<$<AND:$<CXX_COMPILER_ID:GNU>,$<CONFIG:Release>>:-Wno-restrict>)
endfunction()
