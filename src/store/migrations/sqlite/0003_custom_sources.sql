-- Custom webhook sources (SPEC §4.3) and the indexes behind the UI's webhook list and dashboard
-- (SPEC §4.4).

-- One row per (workspace, source) allowed to post to /webhooks/custom/{source}. The secret
-- ("whsec_…") is kept encrypted; an open source has none and accepts unsigned calls.
CREATE TABLE universal_webhook_custom_source (
  id INTEGER PRIMARY KEY,
  workspace_id VARCHAR(255) NOT NULL,
  source VARCHAR(64) NOT NULL,
  secret_ciphertext TEXT,
  is_open BOOLEAN NOT NULL DEFAULT FALSE,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ix_universal_webhook_custom_source_workspace_id_source
  ON universal_webhook_custom_source (workspace_id, source);

-- The webhook list (SPEC §4.4) is newest first by id, in keyset pages (id < cursor), within one
-- workspace. Unfiltered pages need no new index: in SQLite every index ends with the rowid, so the
-- seed's ix_universal_webhook_log_workspace_id already is (workspace_id, id). A filter on one column
-- walks its (workspace_id, column, id) index in id order and stops after one page; the seed's
-- single-column indexes would walk every workspace's rows.
CREATE INDEX ix_universal_webhook_log_workspace_id_event_type_id
  ON universal_webhook_log (workspace_id, event_type, id);
CREATE INDEX ix_universal_webhook_log_workspace_id_status_id
  ON universal_webhook_log (workspace_id, status, id);
CREATE INDEX ix_universal_webhook_log_workspace_id_source_id
  ON universal_webhook_log (workspace_id, source, id);
-- Partial: Clockify rows (no custom source) cost it no index work.
CREATE INDEX ix_universal_webhook_log_workspace_id_custom_source_id
  ON universal_webhook_log (workspace_id, custom_source, id) WHERE custom_source IS NOT NULL;
-- Time windows: the dashboard's counts since a time, MAX(received_at), and the list's from/to
-- filters. It covers every column they filter or group by except custom_source, so they read
-- only index pages, never the table rows (which carry the payloads), for rows they do not return.
CREATE INDEX ix_universal_webhook_log_workspace_id_received_at
  ON universal_webhook_log (workspace_id, received_at, status, event_type, source);
