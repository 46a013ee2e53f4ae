-- A claim on an inbox delivery names its holder, so that a worker whose claim expired cannot mark
-- a delivery another worker now holds; a failed delivery records when it was given up
-- (processed_at), so that retention purges failed rows as it does processed ones.
ALTER TABLE webhooks ADD COLUMN claimed_by uuid;
UPDATE webhooks SET processed_at = coalesce(processed_at, next_attempt_at) WHERE status = 'failed';
CREATE INDEX webhooks_failed_idx ON webhooks (processed_at) WHERE status = 'failed';
