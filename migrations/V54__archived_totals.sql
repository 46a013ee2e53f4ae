-- Totals of the executions moved to task_executions_archive, kept as they move: the
-- system_state refresh adds them to the live table's totals instead of scanning an archive
-- that only ever grows. The archiver's move statement adds each batch in its own transaction.
ALTER TABLE system_state
  ADD COLUMN archived_executions bigint         NOT NULL DEFAULT 0,
  ADD COLUMN archived_cost_usd   numeric(14, 6) NOT NULL DEFAULT 0;

-- Once, from what is archived already. SHARE mode holds off a running archiver's inserts until
-- this commits, so no batch lands between the count and the columns that will carry it on.
LOCK TABLE task_executions_archive IN SHARE MODE;
UPDATE system_state
   SET archived_executions = (SELECT count(*) FROM task_executions_archive),
       archived_cost_usd = (SELECT coalesce(sum(cost_usd), 0) FROM task_executions_archive)
 WHERE id = 1;
