-- Retention: where old rows go instead of growing the live tables for ever.

-- Executions finished long ago, with the same columns as task_executions (no foreign keys:
-- an archived execution outlives the task, agent and template rows it pointed at).
-- A migration that adds a column to task_executions must add it here too; the archival
-- job refuses to run while the two differ, rather than drop data.
CREATE TABLE task_executions_archive (LIKE task_executions INCLUDING DEFAULTS);
ALTER TABLE task_executions_archive ADD PRIMARY KEY (id);
ALTER TABLE task_executions_archive ADD COLUMN archived_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX task_executions_archive_task_idx     ON task_executions_archive (task_id);
CREATE INDEX task_executions_archive_finished_idx ON task_executions_archive (finished_at);

-- agent_events older than the retention, counted per agent, UTC day, event type and level
-- before they are deleted. agent_id is null for events of no agent; the unique index
-- treats that as one key.
CREATE TABLE agent_event_daily_counts (
  agent_id     bigint,
  day          date        NOT NULL,
  event_type   text        NOT NULL,
  level        text        NOT NULL,
  event_count  bigint      NOT NULL CHECK (event_count > 0),
  first_at     timestamptz NOT NULL,
  last_at      timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX agent_event_daily_counts_key
  ON agent_event_daily_counts ((COALESCE(agent_id, 0)), day, event_type, level);
CREATE INDEX agent_event_daily_counts_day_idx ON agent_event_daily_counts (day);

-- Selects completed tasks by how long ago they last changed (Asana's modified_at).
CREATE INDEX tasks_archivable_idx ON tasks (COALESCE(modified_at, completed_at))
  WHERE completed AND NOT archived;
