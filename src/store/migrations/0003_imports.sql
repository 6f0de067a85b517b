CREATE TABLE imports (
  id INTEGER PRIMARY KEY,
  dataset_id BIGINT NOT NULL REFERENCES datasets (id),
  file_name VARCHAR(1000) NOT NULL,
  file_sha256 CHAR(64) NOT NULL,
  statement_count INTEGER NOT NULL,
  outcome_count INTEGER NOT NULL,
  created_at VARCHAR(32) NOT NULL,
  created_by VARCHAR(200) NOT NULL
)
