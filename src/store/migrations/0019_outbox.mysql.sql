CREATE TABLE outbox (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  event_type VARCHAR(50) NOT NULL,
  entity_id VARCHAR(100) NOT NULL,
  lake_key VARCHAR(1024) NOT NULL,
  payload LONGTEXT NOT NULL,
  created_at VARCHAR(32) NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at VARCHAR(32) NOT NULL,
  last_error TEXT,
  shipped_at VARCHAR(32)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
