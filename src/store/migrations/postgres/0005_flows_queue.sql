-- PostgreSQL mirror of sqlite/0005_flows_queue.sql: flows (SPEC §6) and the durable webhook queue
-- (SPEC §6.4), with identity ids and TIMESTAMPTZ times.

-- A flow the loop guard paused has enabled = FALSE and says why here; saving it enabled again
-- clears the reason.
ALTER TABLE universal_webhook_flow ADD COLUMN paused_reason TEXT;

-- Executions: how the run was started ('automatic' from the queue, 'replay', 'test'), the
-- execution a replay repeats, the triggering entity (the payload's id, for the loop guard), the
-- flow definition the run follows (a resumed run keeps the actions it started with), and, for
-- replays and tests (which no queue row drives), a lease that a crashed run lets expire.
-- Per-action progress is kept in result_json as it goes: {"actions":[{…},…]}.
ALTER TABLE universal_webhook_flow_execution
  ADD COLUMN trigger_kind VARCHAR(20) NOT NULL DEFAULT 'automatic';
ALTER TABLE universal_webhook_flow_execution ADD COLUMN replay_of BIGINT;
ALTER TABLE universal_webhook_flow_execution ADD COLUMN entity_id VARCHAR(255);
ALTER TABLE universal_webhook_flow_execution ADD COLUMN flow_json TEXT;
ALTER TABLE universal_webhook_flow_execution ADD COLUMN lease_expires_at TIMESTAMPTZ;

-- The proof that a (webhook, flow) pair ran: at most one automatic execution each, whichever
-- instance runs it.
CREATE UNIQUE INDEX ix_universal_webhook_flow_execution_webhook_flow_automatic
  ON universal_webhook_flow_execution (webhook_log_id, flow_id) WHERE trigger_kind = 'automatic';
-- The loop guard counts a flow's recent runs for one entity.
CREATE INDEX ix_universal_webhook_flow_execution_flow_id_entity_id_started_at
  ON universal_webhook_flow_execution (flow_id, entity_id, started_at);
-- The dashboard's last-24h executions by status. PostgreSQL keeps the first 63 bytes of this
-- name: ..._workspace_id_started_at_st.
CREATE INDEX ix_universal_webhook_flow_execution_workspace_id_started_at_status
  ON universal_webhook_flow_execution (workspace_id, started_at, status);
-- Replays and tests whose lease ran out (their process died while they ran).
CREATE INDEX ix_universal_webhook_flow_execution_lease_expires_at
  ON universal_webhook_flow_execution (lease_expires_at) WHERE lease_expires_at IS NOT NULL;

-- The queue: one lease per workspace. Whoever holds a workspace's lease consumes its webhooks,
-- oldest first; the lease is taken when free or expired, renewed while its holder works, and
-- expires when the holder dies. On PostgreSQL several instances claim through it at once: a
-- claimer locks the lease rows it considers with FOR UPDATE SKIP LOCKED (postgres_queue.cpp).
CREATE TABLE universal_webhook_queue_lease (
  workspace_id VARCHAR(255) PRIMARY KEY,
  owner VARCHAR(255) NOT NULL,
  lease_expires_at TIMESTAMPTZ NOT NULL,
  acquired_at TIMESTAMPTZ NOT NULL
);
-- A workspace's next webhook is found with 0003's (workspace_id, status, id) index.
