-- The webhook-health job asks for each subscription's newest delivery; this answers it
-- from the index instead of scanning the inbox.
CREATE INDEX webhooks_subscription_received_idx ON webhooks (subscription_id, received_at);
