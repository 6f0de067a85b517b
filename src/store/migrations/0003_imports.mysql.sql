CREATE TABLE imports (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  dataset_id BIGINT NOT NULL,
  file_name VARCHAR(1000) NOT NULL,
  file_sha256 CHAR(64) NOT NULL,
  statement_count INTEGER NOT NULL,
  outcome_count INTEGER NOT NULL,
  created_at VARCHAR(32) NOT NULL,
  created_by VARCHAR(200) NOT NULL,
  FOREIGN KEY (dataset_id) REFERENCES datasets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
