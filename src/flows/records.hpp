#pragma once
// Flows and executions as the UI API shows them (SPEC §4.4), and back.
#include <nlohmann/json.hpp>

#include "flows/flow_definition.hpp"
#include "store/store.hpp"

namespace uwh::flows {

// {"id","workspace_id","name","description","enabled","paused_reason","trigger_source",
//  "trigger_event_type","conditions","actions","created_at","updated_at","last_execution"}
// (last_execution: {"id","status","started_at"} of `last`, or null).
[[nodiscard]] nlohmann::json FlowToJson(const store::Flow& flow,
                                        const store::FlowExecution* last = nullptr);

// {"id","flow_id","flow_name","webhook_id","status","trigger","replay_of","entity_id",
//  "actions_executed","error_message","started_at","completed_at","actions":[per-action records:
//  {"index","type","label","operation_id"?,"method","status","request","status_code",
//  "latency_ms","attempts","result","error"?,"started_at","completed_at"}]}
[[nodiscard]] nlohmann::json ExecutionToJson(const store::FlowExecution& execution);

// The stored flow's definition (the base of an update).
[[nodiscard]] FlowDefinition DefinitionOf(const store::Flow& flow);

// The fields of `definition` written into `flow` (conditions and actions as JSON text).
void ApplyDefinition(const FlowDefinition& definition, store::Flow& flow);

// What an execution keeps of the flow it follows: {"id","name","conditions","actions",…}.
[[nodiscard]] std::string FlowSnapshot(const store::Flow& flow);

}  // namespace uwh::flows
