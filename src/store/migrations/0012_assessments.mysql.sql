CREATE TABLE assessments (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  model_id BIGINT NOT NULL,
  company_id BIGINT,
  company_ref VARCHAR(200),
  statement_id BIGINT,
  inputs JSON NOT NULL,
  pd DOUBLE PRECISION NOT NULL,
  grade VARCHAR(20) NOT NULL,
  recommendation VARCHAR(10) NOT NULL,
  drivers JSON NOT NULL,
  out_of_range JSON NOT NULL,
  created_at VARCHAR(32) NOT NULL,
  created_by VARCHAR(200) NOT NULL,
  FOREIGN KEY (model_id) REFERENCES models (id),
  FOREIGN KEY (company_id) REFERENCES companies (id),
  FOREIGN KEY (statement_id) REFERENCES statements (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
