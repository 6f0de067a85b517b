CREATE TABLE statements (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  company_id BIGINT NOT NULL,
  dataset_id BIGINT NOT NULL,
  import_id BIGINT,
  period CHAR(10) NOT NULL,
  features JSON NOT NULL,
  created_at VARCHAR(32) NOT NULL,
  UNIQUE (company_id, dataset_id, period),
  FOREIGN KEY (company_id) REFERENCES companies (id),
  FOREIGN KEY (dataset_id) REFERENCES datasets (id),
  FOREIGN KEY (import_id) REFERENCES imports (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
