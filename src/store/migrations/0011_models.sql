CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  version VARCHAR(100) NOT NULL UNIQUE,
  family VARCHAR(32) NOT NULL,
  status VARCHAR(20) NOT NULL,
  artifact_uri VARCHAR(1000) NOT NULL,
  artifact_sha256 CHAR(64) NOT NULL,
  features TEXT NOT NULL CHECK (json_valid(features)),
  metrics TEXT NOT NULL CHECK (json_valid(metrics)),
  snapshot_id VARCHAR(100),
  created_at VARCHAR(32) NOT NULL,
  created_by VARCHAR(200) NOT NULL,
  promoted_at VARCHAR(32),
  promoted_by VARCHAR(200)
)
