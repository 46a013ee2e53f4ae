-- Every state change of an execution writes a new row version, and a version that changes an
-- indexed column is added to every index of the table. Two indexes paid for on every change
-- and never used to read:
--   * by status alone: the partial indexes for pending and running work serve the queue and the
--     gauges; counts per status read the whole table anyway.
--   * by agent_id on every row: the column is null until a worker is recorded there; only
--     non-null values need finding (when an agents row is deleted).
DROP INDEX task_executions_status_idx;
DROP INDEX task_executions_agent_idx;
CREATE INDEX task_executions_agent_idx ON task_executions (agent_id) WHERE agent_id IS NOT NULL;

-- Room on each page for the next version of a row, so that changes touching no indexed column
-- (an outcome recorded, accounting added) stay on the page and skip the indexes (HOT updates).
ALTER TABLE task_executions SET (fillfactor = 80);
