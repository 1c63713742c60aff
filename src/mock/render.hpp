#pragma once
// The JSON Clockify answers with (response schemas of openapi.json) and the bodies its webhooks
// carry (as in the webhook samples). Pure functions of the workspace.
#include <chrono>
#include <string>

#include "mock/model.hpp"

namespace uwh::mock {

// "2020-07-17T11:35:01Z" (seconds, UTC), as Clockify writes timestamps.
std::string FormatIso(TimePoint t);
// ISO-8601 duration: "PT0S", "PT45M", "PT1H30M", "PT26H5M10S".
std::string IsoDuration(std::chrono::seconds d);

// REST API shapes.
Json UserJson(const Workspace& ws, const User& user);
Json WorkspaceJson(const Workspace& ws);
Json ClientJson(const Workspace& ws, const Client& client);  // ClientWithCurrencyDtoV1
Json ProjectJson(const Workspace& ws, const Project& project);  // ProjectDtoImplV1
Json TaskJson(const Workspace& ws, const Task& task);  // TaskDtoV1
Json TagJson(const Workspace& ws, const Tag& tag);  // TagDtoV1
Json GroupJson(const Workspace& ws, const UserGroup& group);  // UserGroupDtoV1
Json CustomFieldJson(const Workspace& ws, const CustomField& field);  // CustomFieldDtoV1
// TimeEntryWithRatesDtoV1 (`with_rates`) or TimeEntryDtoImplV1.
Json TimeEntryJson(const Workspace& ws, const TimeEntry& entry, bool with_rates);
// WebhookDtoV1, authToken included (Clockify shows it to the webhook's owner).
Json WebhookJson(const Workspace& ws, const Webhook& webhook);

// Webhook bodies, shaped like Clockify's (see webhook-samples/).
Json ProjectEventBody(const Workspace& ws, const Project& project);
Json ClientEventBody(const Workspace& ws, const Client& client);
Json TagEventBody(const Workspace& ws, const Tag& tag);
Json TaskEventBody(const Workspace& ws, const Task& task);  // no workspaceId, like Clockify's
Json TimeEntryEventBody(const Workspace& ws, const TimeEntry& entry);
Json UserEventBody(const Workspace& ws, const User& user);  // no workspaceId
Json GroupEventBody(const Workspace& ws, const UserGroup& group);

}  // namespace uwh::mock
