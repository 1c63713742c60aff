-- The seed's six tables (ARCHITECTURE_UNIVERSAL_WEBHOOK.md, "Database Schema"), with its column
-- names and indexes. Timestamps are TEXT in uwh::FormatTimestamp's fixed-width UTC form, so text
-- order is time order. Tokens are TEXT: ciphertext outgrows the seed's String(512).
-- Applied migrations are never edited: later changes go into new files.

CREATE TABLE universal_webhook_installation (
  id INTEGER PRIMARY KEY,
  workspace_id VARCHAR(255) NOT NULL,
  addon_token TEXT,
  settings_json TEXT NOT NULL DEFAULT '{}',
  installed_at TEXT NOT NULL,
  is_active BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE UNIQUE INDEX ix_universal_webhook_installation_workspace_id
  ON universal_webhook_installation (workspace_id);
CREATE INDEX ix_universal_webhook_installation_is_active
  ON universal_webhook_installation (is_active);

CREATE TABLE universal_webhook_bootstrap_state (
  id INTEGER PRIMARY KEY,
  workspace_id VARCHAR(255) NOT NULL,
  status VARCHAR(50) NOT NULL DEFAULT 'pending',
  progress INTEGER NOT NULL DEFAULT 0,
  total_endpoints INTEGER NOT NULL DEFAULT 0,
  completed_endpoints INTEGER NOT NULL DEFAULT 0,
  error_message TEXT,
  started_at TEXT,
  completed_at TEXT
);
CREATE UNIQUE INDEX ix_universal_webhook_bootstrap_state_workspace_id
  ON universal_webhook_bootstrap_state (workspace_id);
CREATE INDEX ix_universal_webhook_bootstrap_state_status
  ON universal_webhook_bootstrap_state (status);

CREATE TABLE universal_webhook_entity_cache (
  id INTEGER PRIMARY KEY,
  workspace_id VARCHAR(255) NOT NULL,
  entity_type VARCHAR(100) NOT NULL,
  entity_id VARCHAR(255) NOT NULL,
  data_json TEXT NOT NULL,
  fetched_at TEXT NOT NULL
);
CREATE INDEX ix_universal_webhook_entity_cache_workspace_id
  ON universal_webhook_entity_cache (workspace_id);
CREATE INDEX ix_universal_webhook_entity_cache_entity_type
  ON universal_webhook_entity_cache (entity_type);
CREATE INDEX ix_universal_webhook_entity_cache_entity_id
  ON universal_webhook_entity_cache (entity_id);
CREATE INDEX ix_universal_webhook_entity_cache_workspace_id_entity_type
  ON universal_webhook_entity_cache (workspace_id, entity_type);

CREATE TABLE universal_webhook_log (
  id INTEGER PRIMARY KEY,
  workspace_id VARCHAR(255) NOT NULL,
  event_type VARCHAR(255) NOT NULL,
  source VARCHAR(50) NOT NULL,
  custom_source VARCHAR(255),
  payload_json TEXT NOT NULL,
  headers_json TEXT,
  status VARCHAR(50) NOT NULL DEFAULT 'received',
  error_message TEXT,
  received_at TEXT NOT NULL
);
CREATE INDEX ix_universal_webhook_log_workspace_id ON universal_webhook_log (workspace_id);
CREATE INDEX ix_universal_webhook_log_event_type ON universal_webhook_log (event_type);
CREATE INDEX ix_universal_webhook_log_source ON universal_webhook_log (source);
CREATE INDEX ix_universal_webhook_log_received_at ON universal_webhook_log (received_at);
CREATE INDEX ix_universal_webhook_log_status ON universal_webhook_log (status);

CREATE TABLE universal_webhook_flow (
  id INTEGER PRIMARY KEY,
  workspace_id VARCHAR(255) NOT NULL,
  name VARCHAR(255) NOT NULL,
  description TEXT,
  trigger_event_type VARCHAR(255) NOT NULL,
  trigger_source VARCHAR(50) NOT NULL DEFAULT 'CLOCKIFY',
  conditions_json TEXT NOT NULL DEFAULT '{}',
  actions_json TEXT NOT NULL DEFAULT '[]',
  enabled BOOLEAN NOT NULL DEFAULT TRUE,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX ix_universal_webhook_flow_workspace_id ON universal_webhook_flow (workspace_id);
CREATE INDEX ix_universal_webhook_flow_trigger_event_type
  ON universal_webhook_flow (trigger_event_type);
CREATE INDEX ix_universal_webhook_flow_enabled ON universal_webhook_flow (enabled);
CREATE INDEX ix_universal_webhook_flow_workspace_id_trigger_event_type_enabled
  ON universal_webhook_flow (workspace_id, trigger_event_type, enabled);

-- Executions go with their flow and their webhook (flow deletion, log retention).
CREATE TABLE universal_webhook_flow_execution (
  id INTEGER PRIMARY KEY,
  workspace_id VARCHAR(255) NOT NULL,
  flow_id INTEGER NOT NULL REFERENCES universal_webhook_flow (id) ON DELETE CASCADE,
  webhook_log_id INTEGER REFERENCES universal_webhook_log (id) ON DELETE CASCADE,
  status VARCHAR(50) NOT NULL,
  actions_executed INTEGER NOT NULL DEFAULT 0,
  error_message TEXT,
  result_json TEXT,
  started_at TEXT NOT NULL,
  completed_at TEXT
);
CREATE INDEX ix_universal_webhook_flow_execution_workspace_id
  ON universal_webhook_flow_execution (workspace_id);
CREATE INDEX ix_universal_webhook_flow_execution_flow_id
  ON universal_webhook_flow_execution (flow_id);
CREATE INDEX ix_universal_webhook_flow_execution_webhook_log_id
  ON universal_webhook_flow_execution (webhook_log_id);
CREATE INDEX ix_universal_webhook_flow_execution_status
  ON universal_webhook_flow_execution (status);
CREATE INDEX ix_universal_webhook_flow_execution_started_at
  ON universal_webhook_flow_execution (started_at);
