-- When a delivery was first and last handed to the platform (Unix seconds). An attempt whose answer
-- never came may still have been stored by the platform: the lookup after it searches only the
-- messages posted between the first attempt and a while after the last one (Slack `oldest`/`latest`),
-- instead of reading deep history.
ALTER TABLE outbox ADD COLUMN first_attempt_at DOUBLE PRECISION;
ALTER TABLE outbox ADD COLUMN last_attempt_at DOUBLE PRECISION;
