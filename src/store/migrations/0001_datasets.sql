CREATE TABLE datasets (
  id INTEGER PRIMARY KEY,
  name VARCHAR(200) NOT NULL UNIQUE,
  features TEXT NOT NULL,
  label_column VARCHAR(200),
  id_column VARCHAR(200),
  created_at VARCHAR(32) NOT NULL,
  created_by VARCHAR(200) NOT NULL
)
