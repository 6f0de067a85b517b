CREATE TABLE model_reviews (
  id INTEGER PRIMARY KEY,
  model_id BIGINT NOT NULL REFERENCES models (id),
  verdict VARCHAR(16) NOT NULL CHECK (verdict IN ('approved', 'rejected')),
  reviewer VARCHAR(200) NOT NULL,
  note TEXT NOT NULL,
  reviewed_at VARCHAR(32) NOT NULL,
  card_key VARCHAR(1024),
  card_sha256 CHAR(64)
)
