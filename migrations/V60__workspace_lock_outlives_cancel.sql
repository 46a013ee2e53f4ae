-- A worktree's lock outlives its execution's cancellation by the holder's stop time.
--
-- Cancelling an execution (an unassignment) clears its lease at once, but its agent is still being
-- stopped in the worktree (SIGTERM, kill_grace, SIGKILL, the wait for it to go). Until the worker
-- lets go itself, or this long after the cancellation (a daemon that died meanwhile), the lock
-- holds, so a quick reassignment cannot start a second agent in the same worktree.
ALTER TABLE workspaces ADD COLUMN stop_grace interval NOT NULL DEFAULT interval '30 seconds';
COMMENT ON COLUMN workspaces.stop_grace IS
  'how long the lock outlives its execution''s cancellation: the holder''s time to stop its agent';
