CREATE TABLE statements (
  id INTEGER PRIMARY KEY,
  company_id BIGINT NOT NULL REFERENCES companies (id),
  dataset_id BIGINT NOT NULL REFERENCES datasets (id),
  import_id BIGINT REFERENCES imports (id),
  period CHAR(10) NOT NULL,
  features TEXT NOT NULL CHECK (json_valid(features)),
  created_at VARCHAR(32) NOT NULL,
  UNIQUE (company_id, dataset_id, period)
)
