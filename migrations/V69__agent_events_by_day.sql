-- agent_events, the highest-volume table, becomes partitioned by UTC day: retention then counts a
-- whole past day into agent_event_daily_counts and drops its partition, instead of deleting rows
-- one batch at a time (which wrote every row to WAL again and kept autovacuum busy).
--
-- Upgrade, in this one transaction: the existing table, unless empty, is kept as the partition of
-- everything up to the end of today (agent_events_legacy), dropped by retention once all of it is
-- past the period. Writes to agent_events wait while its primary key is rebuilt to include
-- created_at and its rows are checked against the partition's range: 3.5 s for a million rows
-- (see docs/operations.md). Reads by execution or by agent are served as before.
--
-- Events no longer reference task_executions: an execution moved to the archive keeps its events
-- until their day is summarised and dropped (a foreign key would make every archived execution
-- look into every day's partition). agent_id still references agents.

ALTER TABLE agent_events RENAME TO agent_events_legacy;
ALTER TABLE agent_events_legacy DROP CONSTRAINT agent_events_execution_id_fkey;
ALTER TABLE agent_events_legacy ALTER COLUMN id DROP IDENTITY;
ALTER TABLE agent_events_legacy DROP CONSTRAINT agent_events_pkey;
ALTER TABLE agent_events_legacy ADD CONSTRAINT agent_events_legacy_pkey PRIMARY KEY (id, created_at);
ALTER INDEX agent_events_execution_idx RENAME TO agent_events_legacy_execution_idx;
ALTER INDEX agent_events_agent_idx RENAME TO agent_events_legacy_agent_idx;
ALTER INDEX agent_events_created_idx RENAME TO agent_events_legacy_created_idx;

CREATE TABLE agent_events (
  id              bigint GENERATED ALWAYS AS IDENTITY,
  agent_id        bigint      REFERENCES agents (id) ON DELETE SET NULL,
  execution_id    bigint,
  event_type      text        NOT NULL,
  level           text        NOT NULL DEFAULT 'info'
                  CONSTRAINT agent_events_level_check CHECK (level IN ('debug', 'info', 'warn', 'error')),
  message         text,
  data            jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX agent_events_execution_idx ON agent_events (execution_id, created_at);
CREATE INDEX agent_events_agent_idx     ON agent_events (agent_id, created_at);
CREATE INDEX agent_events_created_idx   ON agent_events (created_at);

-- One day's partition, agent_events_pYYYYMMDD, unless it exists or the default partition already holds
-- rows of that day (they stay there, and retention deletes them row by row). Answers whether the day
-- now has a partition of its own. Retention calls it for the days ahead on every run.
CREATE FUNCTION aegis_agent_events_day(d date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  name text := 'agent_events_p' || to_char(d, 'YYYYMMDD');
  from_ts timestamptz := (d::timestamp AT TIME ZONE 'UTC');
  to_ts timestamptz := ((d + 1)::timestamp AT TIME ZONE 'UTC');
BEGIN
  IF to_regclass(name) IS NOT NULL THEN
    RETURN true;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
              WHERE i.inhparent = 'agent_events'::regclass AND c.relname <> name
                AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
                AND substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([^'']+)''\)')::timestamptz > from_ts
                AND coalesce(substring(pg_get_expr(c.relpartbound, c.oid) FROM 'FROM \(''([^'']+)''\)')::timestamptz,
                             '-infinity') < to_ts) THEN
    RETURN false; -- another partition (the legacy one) covers part of the day
  END IF;
  IF to_regclass('agent_events_default') IS NOT NULL THEN
    IF EXISTS (SELECT 1 FROM agent_events_default WHERE created_at >= from_ts AND created_at < to_ts) THEN
      RETURN false;
    END IF;
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF agent_events FOR VALUES FROM (%L) TO (%L)', name, from_ts, to_ts);
  RETURN true;
END $$;

DO $$
DECLARE
  today date := (now() AT TIME ZONE 'UTC')::date;
  legacy_to timestamptz := '-infinity';
  next_id bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM agent_events_legacy) THEN
    DROP TABLE agent_events_legacy; -- a new installation: days only
  ELSE
    -- Up to the end of today, or past the newest row should a clock have written one in the future.
    SELECT greatest(((today + 1)::timestamp AT TIME ZONE 'UTC'),
                    (date_trunc('day', max(created_at) AT TIME ZONE 'UTC') + interval '1 day') AT TIME ZONE 'UTC'),
           max(id) + 1
      INTO legacy_to, next_id
      FROM agent_events_legacy;
    EXECUTE format('ALTER TABLE agent_events ATTACH PARTITION agent_events_legacy FOR VALUES FROM (MINVALUE) TO (%L)',
                   legacy_to);
    PERFORM setval(pg_get_serial_sequence('agent_events', 'id'), next_id, false);
  END IF;
  FOR i IN 0..14 LOOP
    IF ((today + i)::timestamp AT TIME ZONE 'UTC') >= legacy_to THEN
      PERFORM aegis_agent_events_day(today + i);
    END IF;
  END LOOP;
END $$;

-- Whatever no day's partition takes (a clock far off, days the retention job did not create ahead).
CREATE TABLE agent_events_default PARTITION OF agent_events DEFAULT;
