CREATE TABLE models (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  version VARCHAR(100) NOT NULL UNIQUE,
  family VARCHAR(32) NOT NULL,
  status VARCHAR(20) NOT NULL,
  artifact_uri VARCHAR(1000) NOT NULL,
  artifact_sha256 CHAR(64) NOT NULL,
  features JSON NOT NULL,
  metrics JSON NOT NULL,
  snapshot_id VARCHAR(100),
  created_at VARCHAR(32) NOT NULL,
  created_by VARCHAR(200) NOT NULL,
  promoted_at VARCHAR(32),
  promoted_by VARCHAR(200)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
