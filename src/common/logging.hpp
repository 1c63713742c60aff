#pragma once
// JSON-lines logging. Each line: {"ts","level","msg", context fields...}. Never pass a token or a
// secret as a message or a field.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace uwh::log {

enum class Level { kDebug, kInfo, kWarn, kError };

using Field = std::pair<std::string_view, std::string_view>;

// Sets the level ("debug", "info", "warning"/"warn", "error"); false for an unknown name.
bool SetLevel(std::string_view level);
bool Enabled(Level level);
void Write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void Debug(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kDebug, m, f); }
inline void Info(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kInfo, m, f); }
inline void Warn(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kWarn, m, f); }
inline void Error(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kError, m, f); }

}  // namespace uwh::log
