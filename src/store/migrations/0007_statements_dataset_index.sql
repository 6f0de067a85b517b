CREATE INDEX statements_dataset_idx ON statements (dataset_id, period)
