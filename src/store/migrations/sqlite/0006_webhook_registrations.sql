-- What became of each event type the add-on asked Clockify's Webhooks API for (SPEC §8):
-- registered (with Clockify's webhook id), refused (Clockify's reason, e.g. a limit reached),
-- failed (no clear answer), or carried by the manifest. The dashboard reads it to say per event
-- type whether and how it reaches the add-on, and why not. The tokens themselves are in
-- universal_webhook_webhook_token (route 'api').
CREATE TABLE universal_webhook_webhook_registration (
  id INTEGER PRIMARY KEY,
  workspace_id VARCHAR(255) NOT NULL,
  event_type VARCHAR(255) NOT NULL,
  status VARCHAR(20) NOT NULL,
  clockify_webhook_id VARCHAR(255),
  reason TEXT,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ix_universal_webhook_webhook_registration_workspace_id_event_type
  ON universal_webhook_webhook_registration (workspace_id, event_type);
