-- The archive's running totals move out of system_state (the status row, which only the
-- status package writes) into a one-row table of their own, kept by dispatch's archival in
-- the same statement that moves the rows, as V54 kept them. The system_state refresh reads
-- them instead of scanning an archive that only ever grows.
CREATE TABLE execution_archive_totals (
  id          smallint       PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  executions  bigint         NOT NULL DEFAULT 0 CHECK (executions >= 0),
  cost_usd    numeric(14, 6) NOT NULL DEFAULT 0
);

-- Without its row an archival batch would add to nothing and the totals would silently fall
-- short, so the row cannot be removed.
CREATE FUNCTION aegis_execution_archive_totals_keep() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'execution_archive_totals holds exactly one row; it cannot be removed';
END;
$$;
CREATE TRIGGER execution_archive_totals_keep BEFORE DELETE OR TRUNCATE ON execution_archive_totals
  FOR EACH STATEMENT EXECUTE FUNCTION aegis_execution_archive_totals_keep();

-- Once, from what system_state carries. The lock (which the column drop below takes anyway)
-- waits for an archival batch under way to commit, and makes one that starts meanwhile fail
-- as a whole once the columns are gone: no batch is counted twice or lost between the two.
LOCK TABLE system_state IN ACCESS EXCLUSIVE MODE;
INSERT INTO execution_archive_totals (id, executions, cost_usd)
VALUES (1, coalesce((SELECT archived_executions FROM system_state WHERE id = 1), 0),
           coalesce((SELECT archived_cost_usd FROM system_state WHERE id = 1), 0));

ALTER TABLE system_state
  DROP COLUMN archived_executions,
  DROP COLUMN archived_cost_usd;
