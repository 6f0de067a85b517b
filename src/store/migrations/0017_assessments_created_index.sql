CREATE INDEX assessments_created_idx ON assessments (created_at)
