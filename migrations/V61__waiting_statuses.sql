-- Two statuses in which an execution waits without running: 'held' (a spending cap is reached;
-- it starts by itself when the period rolls over or the cap is raised) and 'awaiting_approval'
-- (a person must approve it first). Both are open: a task still has at most one open execution.
ALTER TABLE task_executions DROP CONSTRAINT task_executions_status_check;
ALTER TABLE task_executions ADD CONSTRAINT task_executions_status_check
  CHECK (status IN ('pending', 'held', 'awaiting_approval', 'running', 'completed', 'failed', 'cancelled'));

DROP INDEX task_executions_one_open;
CREATE UNIQUE INDEX task_executions_one_open ON task_executions (task_id)
  WHERE status IN ('pending', 'held', 'awaiting_approval', 'running');
