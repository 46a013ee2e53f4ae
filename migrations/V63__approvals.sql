-- A person's approval that an execution may start (before_run) or finish (before_finish): one
-- row per execution and stage, written when the bot asks and once more when it is decided.
-- Only a comment mirrored after the request (comments.id > after_comment_id) can decide it,
-- and one comment decides at most one approval: the same "approve" never approves twice.
-- Rows go with their execution when it is archived (the audit trail keeps the history).
CREATE TABLE approvals (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  execution_id          bigint      NOT NULL REFERENCES task_executions (id) ON DELETE CASCADE,
  stage                 text        NOT NULL CHECK (stage IN ('before_run', 'before_finish')),
  status                text        NOT NULL DEFAULT 'waiting'
                        CHECK (status IN ('waiting', 'approved', 'rejected', 'expired')),
  after_comment_id      bigint      NOT NULL DEFAULT 0,
  request_story_gid     text,
  requested_at          timestamptz NOT NULL DEFAULT now(),
  decided_at            timestamptz,
  decided_by_gid        text,
  decision_comment_gid  text,
  reason                text,
  UNIQUE (execution_id, stage),
  CHECK (status = 'waiting' OR decided_at IS NOT NULL)
);

CREATE UNIQUE INDEX approvals_decision_comment ON approvals (decision_comment_gid)
  WHERE decision_comment_gid IS NOT NULL;
-- The sweep's scan: approvals still waiting, oldest first (expiry).
CREATE INDEX approvals_waiting ON approvals (requested_at) WHERE status = 'waiting';
