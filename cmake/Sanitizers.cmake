# UWH_SANITIZE=ON builds everything with AddressSanitizer and UndefinedBehaviorSanitizer.
if(UWH_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# UWH_FUZZ=ON (clang only) instruments everything for libFuzzer, with the same sanitizers; the
# fuzz targets then link -fsanitize=fuzzer (tests/fuzz/CMakeLists.txt).
if(UWH_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "UWH_FUZZ needs clang (scripts/fuzz uses clang++-14)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
