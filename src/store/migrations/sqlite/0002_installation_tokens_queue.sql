-- What the product needs beyond the seed: the installation's ids, URLs (token claims) and
-- ACTIVE/INACTIVE status; webhook signature tokens per installation and event; de-duplication and
-- durable-queue columns on the webhook log.

ALTER TABLE universal_webhook_installation ADD COLUMN addon_id VARCHAR(255);
ALTER TABLE universal_webhook_installation ADD COLUMN addon_user_id VARCHAR(255);
ALTER TABLE universal_webhook_installation ADD COLUMN as_user VARCHAR(255);
ALTER TABLE universal_webhook_installation ADD COLUMN api_url TEXT;
ALTER TABLE universal_webhook_installation ADD COLUMN backend_url TEXT;
ALTER TABLE universal_webhook_installation ADD COLUMN reports_url TEXT;
ALTER TABLE universal_webhook_installation
  ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'ACTIVE';
ALTER TABLE universal_webhook_installation ADD COLUMN updated_at TEXT;

-- One row per webhook token. token_hash (hex SHA-256) is how an incoming signature finds its row;
-- the token itself is only kept encrypted.
CREATE TABLE universal_webhook_webhook_token (
  id INTEGER PRIMARY KEY,
  workspace_id VARCHAR(255) NOT NULL,
  event_type VARCHAR(255) NOT NULL,
  path TEXT NOT NULL DEFAULT '',
  route VARCHAR(20) NOT NULL,
  token_hash VARCHAR(64) NOT NULL,
  token_ciphertext TEXT NOT NULL,
  clockify_webhook_id VARCHAR(255),
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ix_universal_webhook_webhook_token_token_hash
  ON universal_webhook_webhook_token (token_hash);
CREATE INDEX ix_universal_webhook_webhook_token_workspace_id_route
  ON universal_webhook_webhook_token (workspace_id, route);

ALTER TABLE universal_webhook_log ADD COLUMN content_type VARCHAR(255);
-- NULL when the row takes no part in de-duplication.
ALTER TABLE universal_webhook_log ADD COLUMN dedup_key TEXT;
-- The log is the flow-execution queue: a worker claims a row with a lease, counts its attempts and
-- records when it was done and how many flows matched.
ALTER TABLE universal_webhook_log ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE universal_webhook_log ADD COLUMN claimed_by VARCHAR(255);
ALTER TABLE universal_webhook_log ADD COLUMN lease_expires_at TEXT;
ALTER TABLE universal_webhook_log ADD COLUMN processed_at TEXT;
ALTER TABLE universal_webhook_log ADD COLUMN flows_matched INTEGER;

-- Partial: rows without a key cost no index work (dedup_key = $2 implies IS NOT NULL).
CREATE INDEX ix_universal_webhook_log_workspace_id_dedup_key
  ON universal_webhook_log (workspace_id, dedup_key) WHERE dedup_key IS NOT NULL;
CREATE INDEX ix_universal_webhook_log_status_id ON universal_webhook_log (status, id);
