CREATE TABLE model_reviews (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  model_id BIGINT NOT NULL,
  verdict VARCHAR(16) NOT NULL CHECK (verdict IN ('approved', 'rejected')),
  reviewer VARCHAR(200) NOT NULL,
  note TEXT NOT NULL,
  reviewed_at VARCHAR(32) NOT NULL,
  card_key VARCHAR(1024),
  card_sha256 CHAR(64),
  FOREIGN KEY (model_id) REFERENCES models (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
