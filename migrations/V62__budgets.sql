-- Spending caps and their ledger (package governance owns these three tables).
--
-- budget_caps: one cap per (scope, period). The YAML file's caps are copied in at start; an
-- operator's `aegis budget set` changes the row in place. file_usd/file_tokens remember what the
-- file said when last copied, so that a restart keeps an operator's change unless the file's own
-- value for that cap has changed since (the latest change wins, from either side).
CREATE TABLE budget_caps (
  scope        text          NOT NULL,
  period       text          NOT NULL CHECK (period IN ('day', 'month')),
  usd          numeric(14,6) CHECK (usd IS NULL OR usd >= 0),
  tokens       bigint        CHECK (tokens IS NULL OR tokens >= 0),
  file_usd     numeric(14,6),
  file_tokens  bigint,
  in_file      boolean       NOT NULL DEFAULT false,
  changed_by   text          NOT NULL,
  changed_at   timestamptz   NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, period)
);

-- One row per charge: an attempt's reported usage, written in the statement that records the
-- attempt's outcome (or its retry). No foreign key: executions are archived, charges stay.
CREATE TABLE budget_transactions (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  execution_id  bigint        NOT NULL,
  attempt       int           NOT NULL,
  scopes        text[]        NOT NULL,
  usd           numeric(14,6) NOT NULL,
  tokens        bigint        NOT NULL,
  outcome       text          NOT NULL,
  charged_at    timestamptz   NOT NULL DEFAULT now()
);
-- Spent in a scope since a period's start: by scope (array containment), then by time.
CREATE INDEX budget_transactions_scopes_idx ON budget_transactions USING gin (scopes);
CREATE INDEX budget_transactions_charged_at_idx ON budget_transactions (charged_at);
CREATE INDEX budget_transactions_execution_idx ON budget_transactions (execution_id);

-- A run admitted against the caps, counted at its estimate while it is in flight (its execution
-- running with no outcome yet); the charge deletes it. usd/tokens NULL: no estimate yet.
CREATE TABLE budget_reservations (
  execution_id  bigint        PRIMARY KEY,
  scopes        text[]        NOT NULL,
  usd           numeric(14,6),
  tokens        bigint,
  reserved_at   timestamptz   NOT NULL DEFAULT now()
);

-- The release of held executions reads them in the order they start again.
CREATE INDEX task_executions_held_idx ON task_executions (priority DESC, created_at, id) WHERE status = 'held';
