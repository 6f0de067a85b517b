CREATE TABLE decisions (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  assessment_id BIGINT NOT NULL UNIQUE,
  decision VARCHAR(10) NOT NULL,
  recommendation VARCHAR(10) NOT NULL,
  is_override SMALLINT NOT NULL,
  rationale TEXT,
  reason_code VARCHAR(50),
  decided_by VARCHAR(200) NOT NULL,
  decided_at VARCHAR(32) NOT NULL,
  FOREIGN KEY (assessment_id) REFERENCES assessments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
