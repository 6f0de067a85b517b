CREATE INDEX training_jobs_status_idx ON training_jobs (status, id)
