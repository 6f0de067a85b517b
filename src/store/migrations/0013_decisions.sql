CREATE TABLE decisions (
  id INTEGER PRIMARY KEY,
  assessment_id BIGINT NOT NULL UNIQUE REFERENCES assessments (id),
  decision VARCHAR(10) NOT NULL,
  recommendation VARCHAR(10) NOT NULL,
  is_override SMALLINT NOT NULL,
  rationale TEXT,
  reason_code VARCHAR(50),
  decided_by VARCHAR(200) NOT NULL,
  decided_at VARCHAR(32) NOT NULL
)
