#include "flows/templates.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json_parse.hpp"

namespace uwh::flows {

using nlohmann::json;

namespace internal {

struct Step {
  bool is_index = false;
  std::string name;        // !is_index
  std::int64_t index = 0;  // is_index; negative counts from the end.
};

enum class Root { kWebhook, kEvent, kWorkspaceId, kActionResult, kActionStatus, kCache, kFlow };

struct PathExpr {
  Root root = Root::kWebhook;
  std::size_t action_index = 0;               // kActionResult, kActionStatus
  std::string entity_type;                    // kCache
  std::optional<std::string> cache_literal;   // kCache: a literal id, or …
  std::unique_ptr<PathExpr> cache_key;        // … a path giving the id.
  std::vector<Step> steps;
};

struct Expr {
  std::string text;  // The template as written, braces included.
  PathExpr path;
  std::optional<json> fallback;  // `| default: …`
};

// A piece of a string: literal text, or a template.
struct Part {
  std::string literal;
  std::unique_ptr<Expr> expr;
};

struct TemplateNode {
  enum class Kind { kConstant, kString, kObject, kArray };
  Kind kind = Kind::kConstant;
  json constant;                       // kConstant
  std::string field;                   // kString: names the string in render errors.
  std::vector<Part> parts;             // kString
  std::vector<std::string> keys;       // kObject: keys[i] names children[i].
  std::vector<TemplateNode> children;  // kObject, kArray
};

}  // namespace internal

namespace {

using internal::Expr;
using internal::Part;
using internal::PathExpr;
using internal::Root;
using internal::Step;
using internal::TemplateNode;

constexpr int kMaxCacheKeyDepth = 8;

bool IsNameChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '$' || u >= 0x80;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsPlainKey(const std::string& key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
  });
}

std::string MemberField(const std::string& prefix, const std::string& key) {
  if (IsPlainKey(key)) return prefix.empty() ? key : prefix + "." + key;
  return prefix + "[" + json(key).dump(-1, ' ', false, json::error_handler_t::replace) + "]";
}

std::string ToText(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Parses the templates of one string. Positions in errors are byte offsets into the string.
class StringParser {
 public:
  explicit StringParser(std::string_view text) : text_(text) {}

  // The parts of the string, or false with error()/error_position() set.
  bool Parse(std::vector<Part>& parts, int& max_action_index) {
    max_action_index_ = &max_action_index;
    std::string literal;
    while (pos_ < text_.size()) {
      const std::size_t open = text_.find("{{", pos_);
      if (open == std::string_view::npos) {
        literal.append(text_.substr(pos_));
        break;
      }
      literal.append(text_.substr(pos_, open - pos_));
      if (!literal.empty()) {
        parts.push_back(Part{std::move(literal), nullptr});
        literal.clear();
      }
      pos_ = open + 2;
      auto expr = std::make_unique<Expr>();
      if (!ParseExpr(*expr)) return false;
      expr->text = std::string(text_.substr(open, pos_ - open));
      parts.push_back(Part{{}, std::move(expr)});
    }
    if (!literal.empty()) parts.push_back(Part{std::move(literal), nullptr});
    return true;
  }

  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::size_t error_position() const { return error_position_; }

 private:
  bool Error(std::string message) {
    error_ = std::move(message);
    error_position_ = pos_;
    return false;
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  void SkipSpaces() {
    while (!AtEnd() && IsSpace(text_[pos_])) ++pos_;
  }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }

  std::string ReadName() {
    const std::size_t start = pos_;
    while (!AtEnd() && IsNameChar(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  bool ParseExpr(Expr& expr) {
    SkipSpaces();
    if (!ParsePath(expr.path, 0)) return false;
    SkipSpaces();
    if (Consume('|')) {
      SkipSpaces();
      const std::size_t filter_start = pos_;
      if (ReadName() != "default") {
        pos_ = filter_start;
        return Error("expected 'default' after '|'");
      }
      SkipSpaces();
      if (!Consume(':')) return Error("expected ':' after 'default'");
      SkipSpaces();
      json fallback;
      if (!ParseLiteral(fallback)) return false;
      expr.fallback = std::move(fallback);
      SkipSpaces();
    }
    if (AtEnd()) return Error("unterminated template: expected '}}'");
    if (text_.substr(pos_, 2) != "}}") {
      return Error(std::string("unexpected '") + Peek() + "': expected '}}' or '| default: …'");
    }
    pos_ += 2;
    return true;
  }

  // A root, then `.name`, `[N]` and `["key"]` steps.
  bool ParsePath(PathExpr& path, int depth) {
    const std::size_t root_start = pos_;
    const std::string root = ReadName();
    if (root.empty()) {
      return AtEnd() ? Error("unterminated template: expected a path")
                     : Error("expected a path (webhook, event, workspace_id, actions, cache or "
                             "flow)");
    }
    if (root == "webhook") {
      path.root = Root::kWebhook;
    } else if (root == "event" || root == "flow") {
      path.root = root == "event" ? Root::kEvent : Root::kFlow;
      if (!Consume('.')) return Error("expected '.' after '" + root + "'");
      const std::size_t name_start = pos_;
      std::string name = ReadName();
      const bool known = root == "event" ? (name == "id" || name == "type" || name == "source" ||
                                            name == "received_at")
                                         : (name == "id" || name == "name");
      if (!known) {
        pos_ = name_start;
        return Error(root == "event" ? "expected id, type, source or received_at after 'event.'"
                                     : "expected id or name after 'flow.'");
      }
      path.steps.push_back(Step{false, std::move(name), 0});
    } else if (root == "workspace_id") {
      path.root = Root::kWorkspaceId;
      return true;
    } else if (root == "actions") {
      if (!Consume('[')) return Error("expected '[' after 'actions'");
      SkipSpaces();
      std::int64_t index = 0;
      if (!ParseIndex(index)) return false;
      if (index < 0) return Error("an action index counts from 0");
      if (index > 100000) return Error("action index too large");
      SkipSpaces();
      if (!Consume(']')) return Error("expected ']'");
      if (!Consume('.')) return Error("expected '.result' or '.status_code' after 'actions[N]'");
      const std::size_t name_start = pos_;
      const std::string member = ReadName();
      path.action_index = static_cast<std::size_t>(index);
      *max_action_index_ = std::max(*max_action_index_, static_cast<int>(index));
      if (member == "status_code") {
        path.root = Root::kActionStatus;
        return true;
      }
      if (member != "result") {
        pos_ = name_start;
        return Error("expected 'result' or 'status_code' after 'actions[N].'");
      }
      path.root = Root::kActionResult;
    } else if (root == "cache") {
      path.root = Root::kCache;
      if (!Consume('.')) return Error("expected '.<entity type>' after 'cache'");
      path.entity_type = ReadName();
      if (path.entity_type.empty()) return Error("expected an entity type after 'cache.'");
      if (!Consume('[')) return Error("expected '[<id path or 'literal id'>]' after the entity type");
      SkipSpaces();
      if (Peek() == '"' || Peek() == '\'') {
        std::string id;
        if (!ParseQuoted(id)) return false;
        path.cache_literal = std::move(id);
      } else {
        if (depth >= kMaxCacheKeyDepth) return Error("cache keys nest too deeply");
        path.cache_key = std::make_unique<PathExpr>();
        if (!ParsePath(*path.cache_key, depth + 1)) return false;
      }
      SkipSpaces();
      if (!Consume(']')) return Error("expected ']' after the cache key");
    } else {
      pos_ = root_start;
      return Error("unknown root '" + root +
                   "' (expected webhook, event, workspace_id, actions, cache or flow)");
    }
    return ParseSteps(path.steps);
  }

  bool ParseSteps(std::vector<Step>& steps) {
    while (true) {
      if (Consume('.')) {
        std::string name = ReadName();
        if (name.empty()) return Error("expected a name after '.'");
        steps.push_back(Step{false, std::move(name), 0});
      } else if (Consume('[')) {
        SkipSpaces();
        Step step;
        if (Peek() == '"' || Peek() == '\'') {
          if (!ParseQuoted(step.name)) return false;
        } else {
          step.is_index = true;
          if (!ParseIndex(step.index)) return false;
        }
        SkipSpaces();
        if (!Consume(']')) return Error("expected ']'");
        steps.push_back(std::move(step));
      } else {
        return true;
      }
    }
  }

  bool ParseIndex(std::int64_t& out) {
    const bool negative = Consume('-');
    std::int64_t value = 0;
    std::size_t digits = 0;
    while (!AtEnd() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (++digits > 15) return Error("index too large");
      value = value * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    if (digits == 0) return Error("expected an index, or a quoted key");
    out = negative ? -value : value;
    return true;
  }

  // 'single' or "double" quoted; a backslash takes the next character as it is.
  bool ParseQuoted(std::string& out) {
    const char quote = text_[pos_++];
    while (!AtEnd()) {
      char c = text_[pos_++];
      if (c == quote) return true;
      if (c == '\\') {
        if (AtEnd()) break;
        c = text_[pos_++];
      }
      out.push_back(c);
    }
    return Error("unterminated quoted string");
  }

  // A JSON literal (or a 'single-quoted' string) for `default:`.
  bool ParseLiteral(json& out) {
    const std::size_t start = pos_;
    const char c = Peek();
    if (c == '\'') {
      std::string text;
      if (!ParseQuoted(text)) return false;
      out = std::move(text);
      return true;
    }
    if (c == '"') {
      ++pos_;
      bool closed = false;
      while (!AtEnd()) {
        const char d = text_[pos_++];
        if (d == '\\') {
          if (!AtEnd()) ++pos_;
        } else if (d == '"') {
          closed = true;
          break;
        }
      }
      if (!closed) return Error("unterminated string");
    } else if (c == '{' || c == '[') {
      // Balanced brackets, skipping over strings.
      int depth = 0;
      while (!AtEnd()) {
        const char d = text_[pos_++];
        if (d == '"') {
          while (!AtEnd() && text_[pos_] != '"') pos_ += text_[pos_] == '\\' ? 2 : 1;
          if (AtEnd()) break;
          ++pos_;
        } else if (d == '{' || d == '[') {
          ++depth;
        } else if (d == '}' || d == ']') {
          if (--depth == 0) break;
        }
      }
      if (depth != 0 || pos_ > text_.size()) {
        pos_ = std::min(pos_, text_.size());
        return Error("unterminated default value");
      }
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      while (!AtEnd() && (std::string_view("0123456789+-.eE").find(text_[pos_]) !=
                          std::string_view::npos)) {
        ++pos_;
      }
    } else if (c >= 'a' && c <= 'z') {
      const std::string word = ReadName();
      if (word != "true" && word != "false" && word != "null") {
        pos_ = start;
        return Error("expected a JSON literal after 'default:'");
      }
    } else {
      return Error("expected a JSON literal after 'default:'");
    }
    out = ParseJson(text_.substr(start, pos_ - start));
    if (out.is_discarded()) {
      pos_ = start;
      return Error("invalid JSON literal after 'default:'");
    }
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::string error_;
  std::size_t error_position_ = 0;
  int* max_action_index_ = nullptr;
};

Result<TemplateNode> CompileNode(const json& value, const std::string& field, int depth,
                                 bool& has_templates, int& max_action_index) {
  TemplateNode node;
  if (depth > CompiledTemplate::kMaxDepth) {
    return Fail(ErrorCode::kInvalidArgument, "invalid_template",
                field + ": nested deeper than " + std::to_string(CompiledTemplate::kMaxDepth) +
                    " levels",
                field);
  }
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text.find("{{") == std::string::npos) {
      node.constant = value;
      return node;
    }
    StringParser parser(text);
    if (!parser.Parse(node.parts, max_action_index)) {
      return Fail(ErrorCode::kInvalidArgument, "invalid_template",
                  field + ": invalid template at position " +
                      std::to_string(parser.error_position()) + ": " + parser.error(),
                  field);
    }
    node.kind = TemplateNode::Kind::kString;
    node.field = field;
    has_templates = true;
    return node;
  }
  if (value.is_object() || value.is_array()) {
    bool any = false;
    std::size_t index = 0;
    for (auto it = value.begin(); it != value.end(); ++it, ++index) {
      const std::string child_field = value.is_object()
                                          ? MemberField(field, it.key())
                                          : field + "[" + std::to_string(index) + "]";
      auto child = CompileNode(*it, child_field, depth + 1, any, max_action_index);
      if (!child) return Fail(std::move(child.error()));
      if (value.is_object()) node.keys.push_back(it.key());
      node.children.push_back(std::move(*child));
    }
    if (any) {
      node.kind = value.is_object() ? TemplateNode::Kind::kObject : TemplateNode::Kind::kArray;
      has_templates = true;
      return node;
    }
    node.keys.clear();
    node.children.clear();
  }
  node.constant = value;
  return node;
}

// A path as text, up to (not including) step `upto`, for messages: "webhook.project.id".
std::string Describe(const PathExpr& path, std::size_t upto) {
  std::string text;
  switch (path.root) {
    case Root::kWebhook: text = "webhook"; break;
    case Root::kEvent: text = "event"; break;
    case Root::kFlow: text = "flow"; break;
    case Root::kWorkspaceId: text = "workspace_id"; break;
    case Root::kActionResult:
      text = "actions[" + std::to_string(path.action_index) + "].result";
      break;
    case Root::kActionStatus:
      text = "actions[" + std::to_string(path.action_index) + "].status_code";
      break;
    case Root::kCache:
      text = "cache." + path.entity_type + "[" +
             (path.cache_literal ? json(*path.cache_literal).dump() : Describe(*path.cache_key,
                                                                              path.cache_key->steps.size())) +
             "]";
      break;
  }
  for (std::size_t i = 0; i < upto && i < path.steps.size(); ++i) {
    const Step& step = path.steps[i];
    if (step.is_index) {
      text += "[" + std::to_string(step.index) + "]";
    } else if (IsPlainKey(step.name)) {
      text += "." + step.name;
    } else {
      text += "[" + json(step.name).dump(-1, ' ', false, json::error_handler_t::replace) + "]";
    }
  }
  return text;
}

// The value `path` selects: a pointer into the context or into `scratch`, or nullptr with `why`
// set when absent.
const json* Resolve(const PathExpr& path, const TemplateContext& context, json& scratch,
                    std::string& why) {
  const json* current = nullptr;
  switch (path.root) {
    case Root::kWebhook:
      current = context.webhook;
      if (current == nullptr) {
        why = "there is no webhook payload";
        return nullptr;
      }
      break;
    case Root::kEvent: current = &context.event; break;
    case Root::kFlow: current = &context.flow; break;
    case Root::kWorkspaceId:
      scratch = context.workspace_id;
      return &scratch;
    case Root::kActionResult:
    case Root::kActionStatus: {
      const std::size_t count =
          context.actions != nullptr && context.actions->is_array() ? context.actions->size() : 0;
      if (path.action_index >= count) {
        why = "actions[" + std::to_string(path.action_index) + "] has not run (" +
              std::to_string(count) + " earlier action" + (count == 1 ? "" : "s") + ")";
        return nullptr;
      }
      const json& action = (*context.actions)[path.action_index];
      const char* member = path.root == Root::kActionResult ? "result" : "status_code";
      const auto found = action.is_object() ? action.find(member) : action.end();
      if (!action.is_object() || found == action.end()) {
        why = Describe(path, 0) + " is absent";
        return nullptr;
      }
      current = &*found;
      break;
    }
    case Root::kCache: {
      std::string id;
      if (path.cache_literal) {
        id = *path.cache_literal;
      } else {
        json key_scratch;
        const json* key = Resolve(*path.cache_key, context, key_scratch, why);
        if (key == nullptr) return nullptr;
        if (key->is_string()) {
          id = key->get<std::string>();
        } else if (key->is_number()) {
          id = key->dump();
        } else {
          why = "the cache key " + Describe(*path.cache_key, path.cache_key->steps.size()) +
                " is not a string";
          return nullptr;
        }
      }
      std::optional<json> entity;
      if (context.cache_lookup) entity = context.cache_lookup(path.entity_type, id);
      if (!entity) {
        why = "no cached " + path.entity_type + " with id '" + id + "'";
        return nullptr;
      }
      scratch = std::move(*entity);
      current = &scratch;
      break;
    }
  }
  for (std::size_t i = 0; i < path.steps.size(); ++i) {
    const Step& step = path.steps[i];
    if (step.is_index) {
      if (!current->is_array()) {
        why = Describe(path, i) + " is not an array";
        return nullptr;
      }
      const auto size = static_cast<std::int64_t>(current->size());
      const std::int64_t index = step.index < 0 ? size + step.index : step.index;
      if (index < 0 || index >= size) {
        why = Describe(path, i) + " has no element [" + std::to_string(step.index) + "]";
        return nullptr;
      }
      current = &(*current)[static_cast<std::size_t>(index)];
    } else {
      const auto found = current->is_object() ? current->find(step.name) : current->end();
      if (!current->is_object() || found == current->end()) {
        why = Describe(path, i) + " has no member '" + step.name + "'";
        return nullptr;
      }
      current = &*found;
    }
  }
  return current;
}

Result<json> RenderNode(const TemplateNode& node, const TemplateContext& context) {
  switch (node.kind) {
    case TemplateNode::Kind::kConstant: return node.constant;
    case TemplateNode::Kind::kObject: {
      json out = json::object();
      for (std::size_t i = 0; i < node.children.size(); ++i) {
        auto child = RenderNode(node.children[i], context);
        if (!child) return child;
        out[node.keys[i]] = std::move(*child);
      }
      return out;
    }
    case TemplateNode::Kind::kArray: {
      json out = json::array();
      for (const auto& element : node.children) {
        auto child = RenderNode(element, context);
        if (!child) return child;
        out.push_back(std::move(*child));
      }
      return out;
    }
    case TemplateNode::Kind::kString: break;
  }
  const bool whole = node.parts.size() == 1 && node.parts[0].expr != nullptr;
  std::string text;
  for (const auto& part : node.parts) {
    if (part.expr == nullptr) {
      text += part.literal;
      continue;
    }
    json scratch;
    std::string why;
    const json* value = Resolve(part.expr->path, context, scratch, why);
    if ((value == nullptr || value->is_null()) && part.expr->fallback) {
      value = &*part.expr->fallback;
    }
    if (value == nullptr) {
      return Fail(ErrorCode::kInvalidArgument, "template_error",
                  part.expr->text + ": missing value: " + why, node.field);
    }
    if (whole) return *value;
    text += ToText(*value);
  }
  return json(std::move(text));
}

}  // namespace

CompiledTemplate::CompiledTemplate() : root_(std::make_shared<const TemplateNode>()) {}

CompiledTemplate::CompiledTemplate(std::shared_ptr<const TemplateNode> root, bool has_templates,
                                   int max_action_index)
    : root_(std::move(root)), has_templates_(has_templates), max_action_index_(max_action_index) {}

Result<CompiledTemplate> CompiledTemplate::Compile(const json& value,
                                                   const std::string& field_prefix) {
  bool has_templates = false;
  int max_action_index = -1;
  auto node = CompileNode(value, field_prefix, 0, has_templates, max_action_index);
  if (!node) return Fail(std::move(node.error()));
  return CompiledTemplate(std::make_shared<const TemplateNode>(std::move(*node)), has_templates,
                          max_action_index);
}

Result<json> CompiledTemplate::Render(const TemplateContext& context) const {
  return RenderNode(*root_, context);
}

bool CompiledTemplate::HasTemplates() const { return has_templates_; }

int CompiledTemplate::MaxActionIndex() const { return max_action_index_; }

}  // namespace uwh::flows
