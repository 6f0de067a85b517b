CREATE TABLE assessments (
  id INTEGER PRIMARY KEY,
  model_id BIGINT NOT NULL REFERENCES models (id),
  company_id BIGINT REFERENCES companies (id),
  company_ref VARCHAR(200),
  statement_id BIGINT REFERENCES statements (id),
  inputs TEXT NOT NULL CHECK (json_valid(inputs)),
  pd DOUBLE PRECISION NOT NULL,
  grade VARCHAR(20) NOT NULL,
  recommendation VARCHAR(10) NOT NULL,
  drivers TEXT NOT NULL CHECK (json_valid(drivers)),
  out_of_range TEXT NOT NULL CHECK (json_valid(out_of_range)),
  created_at VARCHAR(32) NOT NULL,
  created_by VARCHAR(200) NOT NULL
)
