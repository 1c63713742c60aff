-- The GET bootstrap (SPEC §9): entity-cache upserts, per-endpoint checkpoints that let an
-- interrupted run resume, and a lease on the run so that several instances sharing one database
-- run a workspace's bootstrap one at a time.

-- Upserts by (workspace, type, id). It also serves the seed's (workspace_id, entity_type) lookups,
-- whose index is kept as the seed has it.
CREATE UNIQUE INDEX ix_universal_webhook_entity_cache_workspace_id_entity_type_entity_id
  ON universal_webhook_entity_cache (workspace_id, entity_type, entity_id);
-- Retention: the oldest entries of a workspace first, in small batches.
CREATE INDEX ix_universal_webhook_entity_cache_workspace_id_fetched_at
  ON universal_webhook_entity_cache (workspace_id, fetched_at);

-- The instance running the workspace's bootstrap and until when its claim holds. A run is
-- claimed with a conditional UPDATE (free, finished, or its lease expired) and the lease is
-- renewed while it runs; a run whose lease expired with status in_progress was interrupted and
-- is resumed from its checkpoints.
ALTER TABLE universal_webhook_bootstrap_state ADD COLUMN claimed_by VARCHAR(255);
ALTER TABLE universal_webhook_bootstrap_state ADD COLUMN lease_expires_at TEXT;

-- One row per planned operation (parent_id empty) and, for an operation listed once per parent
-- (each project's tasks, each user's time entries), one row per parent. next_page is the first
-- page not yet committed: a page's entities and its checkpoint are written in one transaction.
CREATE TABLE universal_webhook_bootstrap_checkpoint (
  id INTEGER PRIMARY KEY,
  workspace_id VARCHAR(255) NOT NULL,
  endpoint VARCHAR(512) NOT NULL,
  operation_id VARCHAR(255) NOT NULL,
  parent_id VARCHAR(255),
  entity_type VARCHAR(100) NOT NULL,
  status VARCHAR(50) NOT NULL DEFAULT 'pending',
  next_page INTEGER NOT NULL DEFAULT 1,
  pages INTEGER NOT NULL DEFAULT 0,
  items INTEGER NOT NULL DEFAULT 0,
  status_code INTEGER,
  error_message TEXT,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ix_universal_webhook_bootstrap_checkpoint_workspace_id_endpoint
  ON universal_webhook_bootstrap_checkpoint (workspace_id, endpoint);
