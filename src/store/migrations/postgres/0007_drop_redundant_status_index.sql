-- PostgreSQL mirror of sqlite/0007_drop_redundant_status_index.sql. The only query that filters
-- on status alone is the queued count, which the seed's ix_universal_webhook_log_status serves as
-- well as (status, id); the queue's claims use (workspace_id, status, id) from 0003.
DROP INDEX IF EXISTS ix_universal_webhook_log_status_id;
