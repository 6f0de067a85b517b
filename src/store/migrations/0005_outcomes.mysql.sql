CREATE TABLE outcomes (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  company_id BIGINT NOT NULL,
  defaulted SMALLINT NOT NULL CHECK (defaulted IN (0, 1)),
  observed_at CHAR(10) NOT NULL,
  source VARCHAR(32) NOT NULL,
  import_id BIGINT,
  note TEXT,
  recorded_by VARCHAR(200) NOT NULL,
  recorded_at VARCHAR(32) NOT NULL,
  FOREIGN KEY (company_id) REFERENCES companies (id),
  FOREIGN KEY (import_id) REFERENCES imports (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
