#pragma once
// Action templates (SPEC §6.3): `{{ path }}` inside any string of an action's JSON, compiled once
// and rendered for each run.
//
// Roots and paths:
//   webhook<path>                   the payload (`{{webhook}}` alone is the whole payload)
//   event.(id|type|source|received_at)
//   workspace_id
//   actions[N].result<path>         the response of an earlier action of this run
//   actions[N].status_code
//   cache.<entity_type>[<key>]<path> a cached entity; <key> is a template path
//                                   (`cache.project[webhook.projectId].name`) or a quoted literal id
//                                   (`cache.project['5f11…'].name`, `cache.project["5f11…"]`)
//   flow.(id|name)
// where <path> is a sequence of `.name`, `[N]` (array index; negative counts from the end) and
// `["quoted key"]` / `['quoted key']` (backslash escapes the next character). Names are made of
// letters, digits, `_`, `-`, `$` and non-ASCII characters. Whitespace is allowed around the parts
// inside the braces.
//
// Rendering:
// - A string that is exactly one template (no other text, not even spaces) takes the JSON value
//   itself (number, boolean, object, array, null). In a longer string the value is written as text:
//   strings as they are, anything else as compact JSON.
// - `{{ path | default: <literal> }}` — the literal is JSON (string, number, true, false, null,
//   object, array; a 'single-quoted' string is accepted too). The default replaces a value that is
//   absent or null. Without a default, null is a value like any other (rendered null / "null"),
//   and an absent value fails the render with an error naming the template.
// - Only values are rendered: object keys are copied as they are; nested objects and arrays are
//   rendered recursively. There is no escape for a literal "{{" in a string.
//
// Thread safety: a CompiledTemplate is immutable; Render may run on many threads at once (it calls
// the context's cache_lookup on the calling thread). Copies are cheap and share the compiled form.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace uwh::flows {

// What templates read from. Pointers may be null (then every path under that root is absent);
// pointed-to values must outlive the Render call.
struct TemplateContext {
  const nlohmann::json* webhook = nullptr;  // The payload.
  nlohmann::json event;       // {"id","type","source","received_at"}
  std::string workspace_id;
  const nlohmann::json* actions = nullptr;  // Earlier actions: [{"result":…,"status_code":…},…]
  nlohmann::json flow;        // {"id","name"}
  // The cached entity of a type ("project", "task", …) with an id, or nullopt. May be empty.
  std::function<std::optional<nlohmann::json>(const std::string& entity_type,
                                              const std::string& id)>
      cache_lookup;
};

namespace internal {
struct TemplateNode;  // The compiled form; defined in templates.cpp.
}  // namespace internal

class CompiledTemplate {
 public:
  // A template of null: renders null.
  CompiledTemplate();

  // Compiles every string inside `value` (recursively through objects and arrays; keys are not
  // templates). `field_prefix` names `value` in error messages and is remembered for Render
  // errors ("actions[0].parameters"); nested fields extend it (".projectId", "[2]"). On failure:
  // kind kInvalidArgument, code "invalid_template", field the string at fault
  // ("actions[0].parameters.projectId"), message "<field>: invalid template at position N: <what
  // was expected>" (N counts bytes from the start of the string). Objects and arrays nested deeper
  // than kMaxDepth are refused.
  [[nodiscard]] static Result<CompiledTemplate> Compile(const nlohmann::json& value,
                                                        const std::string& field_prefix);

  // The rendered value. Fails (kind kInvalidArgument, code "template_error", field the string
  // holding the template) when a value without default is absent, or a cache key is not a string
  // or number; the message names the template as written and why:
  // "{{webhook.taskId}}: missing value: webhook has no member 'taskId'".
  [[nodiscard]] Result<nlohmann::json> Render(const TemplateContext& context) const;

  // True when `value` held at least one template (otherwise Render returns it unchanged).
  [[nodiscard]] bool HasTemplates() const;

  // The largest N of the `actions[N]` the templates refer to, or -1: lets a flow validator reject
  // references to actions that will not have run yet.
  [[nodiscard]] int MaxActionIndex() const;

  static constexpr int kMaxDepth = 128;

 private:
  CompiledTemplate(std::shared_ptr<const internal::TemplateNode> root, bool has_templates,
                   int max_action_index);

  std::shared_ptr<const internal::TemplateNode> root_;
  bool has_templates_ = false;
  int max_action_index_ = -1;
};

}  // namespace uwh::flows
