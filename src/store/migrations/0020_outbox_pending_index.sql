CREATE INDEX outbox_pending_idx ON outbox (shipped_at, next_attempt_at, id)
