-- Pause and the audit trail (governance owns system_state from here on, and these two tables).
--
-- A global pause is the orchestrator's state: 'paused', with the reason and who paused. It
-- outlives restarts: the periodic refresh and a node's shutdown leave it as it is.
ALTER TABLE system_state DROP CONSTRAINT system_state_orchestrator_status_check;
ALTER TABLE system_state ADD CONSTRAINT system_state_orchestrator_status_check
  CHECK (orchestrator_status IN ('starting', 'running', 'paused', 'draining', 'stopped', 'error'));
ALTER TABLE system_state
  ADD COLUMN paused_reason text,
  ADD COLUMN paused_by     text,
  ADD COLUMN paused_at     timestamptz;

-- A pause of one project: its tasks' executions are not claimed while a row is here.
CREATE TABLE project_pauses (
  project_gid   text        PRIMARY KEY,
  reason        text,
  paused_by     text        NOT NULL,
  paused_at     timestamptz NOT NULL DEFAULT now()
);

-- Every write Aegis made to Asana and every operator action, appended and never changed.
-- execution_id has no foreign key: the row outlives the execution's move to the archive.
CREATE TABLE audit_log (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  category      text        NOT NULL CHECK (category IN ('asana', 'operator')),
  actor         text        NOT NULL,
  action        text        NOT NULL,
  method        text,
  resource      text,
  subject       text,
  task_gid      text,
  execution_id  bigint,
  story_gid     text,
  result        text        NOT NULL,
  detail        jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at_idx        ON audit_log (at);
CREATE INDEX audit_log_task_idx      ON audit_log (task_gid, at) WHERE task_gid IS NOT NULL;
CREATE INDEX audit_log_execution_idx ON audit_log (execution_id) WHERE execution_id IS NOT NULL;

-- Appended, never updated: only retention removes rows, and only whole old ones.
CREATE FUNCTION aegis_audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: rows are never updated';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION aegis_audit_log_append_only();
