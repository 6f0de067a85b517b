CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  event_type VARCHAR(50) NOT NULL,
  entity_id VARCHAR(100) NOT NULL,
  lake_key VARCHAR(1024) NOT NULL,
  payload TEXT NOT NULL,
  created_at VARCHAR(32) NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at VARCHAR(32) NOT NULL,
  last_error TEXT,
  shipped_at VARCHAR(32)
)
