CREATE TABLE outcomes (
  id INTEGER PRIMARY KEY,
  company_id BIGINT NOT NULL REFERENCES companies (id),
  defaulted SMALLINT NOT NULL CHECK (defaulted IN (0, 1)),
  observed_at CHAR(10) NOT NULL,
  source VARCHAR(32) NOT NULL,
  import_id BIGINT REFERENCES imports (id),
  note TEXT,
  recorded_by VARCHAR(200) NOT NULL,
  recorded_at VARCHAR(32) NOT NULL
)
