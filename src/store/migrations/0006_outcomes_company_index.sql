CREATE INDEX outcomes_company_idx ON outcomes (company_id)
