#pragma once
// The simulated Clockify's REST operations as pure functions: a parsed request and the (locked)
// workspace in, a response and the webhook events it causes out. No socket, no locking here:
// MockService does authentication, faults, the rate limit and the lock around them.
#include <functional>
#include <string>
#include <vector>

#include "http/message.hpp"
#include "mock/model.hpp"

namespace uwh::mock {

// Which entities an event concerns, for webhooks registered with a trigger source.
struct EventRefs {
  std::string project_id;
  std::string user_id;
  std::string task_id;
  std::vector<std::string> tag_ids;
};

struct Event {
  std::string type;  // NEW_PROJECT, …
  Json body;
  EventRefs refs;
};

struct ApiContext {
  const http::Request& request;
  Workspace& workspace;
  const User& caller;  // the token's user, or the owner when the token names none of ours
  TimePoint now;
  // Signs the token of a webhook created by `owner` (createWebhook, generateNewToken).
  std::function<std::string(const User& owner)> mint_webhook_token;
  std::vector<Event> events;  // filled by the operation
};

using ApiHandler = std::function<http::Response(ApiContext&)>;

struct ApiRoute {
  std::string method;
  std::string path;      // below /api or /reports: "/v1/workspaces/{workspaceId}/projects"
  bool reports = false;  // served under /reports (reportsUrl)
  std::string operation_id;
  ApiHandler handler;
};

// Every modelled operation.
const std::vector<ApiRoute>& ApiRoutes();

// Clockify's error body: {"message": …, "code": status}.
http::Response ClockifyError(int status, const std::string& message);
http::Response JsonResponse(int status, const Json& body);

// The body and refs of `event` for an entity of the workspace (`entity_id` empty: the first
// suitable one). kNotFound when there is no such entity; events of types the mock does not
// model get a minimal body {id, workspaceId}.
[[nodiscard]] Result<Event> BuildEvent(const Workspace& ws, const std::string& event,
                                       const std::string& entity_id);

// The webhooks of the workspace that receive `event` (enabled, same type, trigger source
// matching the event's refs).
std::vector<const Webhook*> Recipients(const Workspace& ws, const Event& event);

}  // namespace uwh::mock
