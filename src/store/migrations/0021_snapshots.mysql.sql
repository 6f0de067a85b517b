CREATE TABLE snapshots (
  id CHAR(64) PRIMARY KEY,
  seq BIGINT NOT NULL UNIQUE,
  dataset_id BIGINT NOT NULL,
  row_count BIGINT NOT NULL,
  default_count BIGINT NOT NULL,
  previous_id CHAR(64),
  data_key VARCHAR(1024) NOT NULL,
  manifest_key VARCHAR(1024) NOT NULL,
  manifest_sha256 CHAR(64) NOT NULL,
  note TEXT,
  created_by VARCHAR(200) NOT NULL,
  created_at VARCHAR(32) NOT NULL,
  FOREIGN KEY (dataset_id) REFERENCES datasets (id),
  FOREIGN KEY (previous_id) REFERENCES snapshots (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
