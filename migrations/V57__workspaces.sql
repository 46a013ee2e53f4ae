-- Per-task git worktrees (package workspace owns this table): one row per task that ever had
-- coding work, and the lock that keeps two executions out of one worktree.
--
-- The lock is a lease token, not a flag: a worktree is held by (execution_id, lock_token)
-- only while that execution is running under that same lease token and its lease is current.
-- A daemon killed mid-run therefore releases its worktrees when its leases expire, exactly
-- when the lease rescue may hand the execution to another instance; nothing to clean up.
CREATE TABLE workspaces (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id         bigint      NOT NULL UNIQUE REFERENCES tasks (id) ON DELETE CASCADE,
  project_gid     text        NOT NULL,
  task_gid        text        NOT NULL,
  path            text        NOT NULL,
  branch          text        NOT NULL,
  base_branch     text        NOT NULL,
  -- The commit the last answer reported (the base's commit at first): a commit made after it
  -- and not yet reported (its run died before answering) is reported by the next run.
  reported_sha    text,
  pr_url          text,
  execution_id    bigint,
  lock_token      text,
  last_used_at    timestamptz NOT NULL DEFAULT now(),
  removed_at      timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN workspaces.lock_token IS
  'lease token of the execution holding the worktree; valid only while that execution runs under it';
-- Clean-up looks for present worktrees by age.
CREATE INDEX workspaces_present_idx ON workspaces (last_used_at) WHERE removed_at IS NULL;
