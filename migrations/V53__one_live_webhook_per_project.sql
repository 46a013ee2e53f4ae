-- The inbox's index by subscription alone is covered by (subscription_id, received_at) from
-- V20, which also serves the foreign key: one index fewer to maintain on every delivery.
DROP INDEX webhooks_subscription_idx;

-- At most one pending or active webhook per project, held by the database: two instances
-- starting together can no longer both register one (and have every event delivered twice).
-- Older duplicates made before this are marked failed, the newest kept; the webhook health
-- job deletes a failed subscription's webhook in Asana.
UPDATE webhook_subscriptions s
   SET status = 'failed', last_error = 'a newer webhook covers this project'
 WHERE s.status IN ('pending', 'active') AND s.project_id IS NOT NULL
   AND EXISTS (SELECT 1 FROM webhook_subscriptions n
                WHERE n.project_id = s.project_id AND n.status IN ('pending', 'active')
                  AND (n.created_at, n.id::text) > (s.created_at, s.id::text));
CREATE UNIQUE INDEX webhook_subscriptions_one_live ON webhook_subscriptions (project_id)
  WHERE status IN ('pending', 'active');
