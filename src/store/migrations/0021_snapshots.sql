CREATE TABLE snapshots (
  id CHAR(64) PRIMARY KEY,
  seq INTEGER NOT NULL UNIQUE,
  dataset_id BIGINT NOT NULL REFERENCES datasets (id),
  row_count BIGINT NOT NULL,
  default_count BIGINT NOT NULL,
  previous_id CHAR(64) REFERENCES snapshots (id),
  data_key VARCHAR(1024) NOT NULL,
  manifest_key VARCHAR(1024) NOT NULL,
  manifest_sha256 CHAR(64) NOT NULL,
  note TEXT,
  created_by VARCHAR(200) NOT NULL,
  created_at VARCHAR(32) NOT NULL
)
