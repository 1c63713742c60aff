-- ix_universal_webhook_log_status_id (status, id), added by 0002, duplicates the seed's
-- ix_universal_webhook_log_status: in SQLite every index ends with the rowid, and id is the rowid,
-- so (status) already is (status, id). The only status-only query (the queued count) reads the
-- seed's index as a covering index just the same. Each webhook changes its status three times
-- (insert, claim, finish), so the copy cost three index writes per webhook for nothing.
DROP INDEX IF EXISTS ix_universal_webhook_log_status_id;
