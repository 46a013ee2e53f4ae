-- Aegis core data model: the Asana mirror, the execution queue, agents and their
-- events, prompt templates, the single system_state row and the webhook inbox.
-- Flyway runs each migration in its own transaction.

CREATE FUNCTION aegis_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

-- Projects tracked in Asana (from a portfolio or an explicit list).
CREATE TABLE projects (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  asana_gid         text        NOT NULL UNIQUE,
  workspace_gid     text,
  portfolio_gid     text,
  name              text        NOT NULL DEFAULT '',
  notes             text,
  permalink_url     text,
  code_path         text,
  archived          boolean     NOT NULL DEFAULT false,
  events_sync_token text,
  last_synced_at    timestamptz,
  last_events_at    timestamptz,
  metadata          jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Tasks of tracked projects, mirrored field by field.
CREATE TABLE tasks (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  asana_gid         text        NOT NULL UNIQUE,
  project_id        bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name              text        NOT NULL DEFAULT '',
  notes             text,
  html_notes        text,
  completed         boolean     NOT NULL DEFAULT false,
  completed_at      timestamptz,
  due_on            date,
  due_at            timestamptz,
  assignee_gid      text,
  assignee_name     text,
  parent_gid        text,
  section_gid       text,
  section_name      text,
  tags              jsonb       NOT NULL DEFAULT '[]'::jsonb,
  custom_fields     jsonb       NOT NULL DEFAULT '[]'::jsonb,
  memberships       jsonb       NOT NULL DEFAULT '[]'::jsonb,
  permalink_url     text,
  asana_created_at  timestamptz,
  modified_at       timestamptz,
  deleted           boolean     NOT NULL DEFAULT false,
  deleted_at        timestamptz,
  archived          boolean     NOT NULL DEFAULT false,
  last_synced_at    timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Comment stories on tasks (the thread an agent sees).
CREATE TABLE comments (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  asana_gid         text        NOT NULL UNIQUE,
  task_id           bigint      NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  author_gid        text,
  author_name       text,
  text              text        NOT NULL DEFAULT '',
  html_text         text,
  resource_subtype  text        NOT NULL DEFAULT 'comment_added',
  is_from_bot       boolean     NOT NULL DEFAULT false,
  asana_created_at  timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Versioned prompt templates; one active version per (name, agent_type).
CREATE TABLE prompt_templates (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name                  text        NOT NULL,
  agent_type            text        NOT NULL,
  version               integer     NOT NULL CHECK (version > 0),
  system_prompt         text        NOT NULL DEFAULT '',
  user_prompt_template  text        NOT NULL,
  variables             jsonb       NOT NULL DEFAULT '[]'::jsonb,
  active                boolean     NOT NULL DEFAULT false,
  description           text,
  tags                  jsonb       NOT NULL DEFAULT '[]'::jsonb,
  usage_count           bigint      NOT NULL DEFAULT 0,
  success_count         bigint      NOT NULL DEFAULT 0,
  failure_count         bigint      NOT NULL DEFAULT 0,
  total_tokens          bigint      NOT NULL DEFAULT 0,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, agent_type, version)
);

-- Agent workers: one row per worker slot of a daemon instance.
CREATE TABLE agents (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name                  text        NOT NULL UNIQUE,
  agent_type            text        NOT NULL,
  instance_id           text,
  status                text        NOT NULL DEFAULT 'idle'
                        CHECK (status IN ('idle', 'busy', 'stopped', 'error')),
  current_task_id       bigint      REFERENCES tasks (id) ON DELETE SET NULL,
  started_at            timestamptz NOT NULL DEFAULT now(),
  last_active_at        timestamptz,
  tasks_completed       bigint      NOT NULL DEFAULT 0,
  tasks_failed          bigint      NOT NULL DEFAULT 0,
  total_duration_ms     bigint      NOT NULL DEFAULT 0,
  total_input_tokens    bigint      NOT NULL DEFAULT 0,
  total_output_tokens   bigint      NOT NULL DEFAULT 0,
  total_cost_usd        numeric(14, 6) NOT NULL DEFAULT 0,
  config                jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);

-- The execution queue and its history: persisted before any agent starts.
CREATE TABLE task_executions (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id               bigint      NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  agent_id              bigint      REFERENCES agents (id) ON DELETE SET NULL,
  prompt_template_id    bigint      REFERENCES prompt_templates (id) ON DELETE SET NULL,
  prompt_version        integer,
  agent_type            text,
  kind                  text        NOT NULL DEFAULT 'initial'
                        CHECK (kind IN ('initial', 'follow_up')),
  status                text        NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
  outcome               text        CHECK (outcome IN ('done', 'question', 'failed', 'cancelled', 'timed_out')),
  priority              integer     NOT NULL DEFAULT 0,
  attempt               integer     NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  max_attempts          integer     NOT NULL DEFAULT 3 CHECK (max_attempts > 0),
  not_before            timestamptz NOT NULL DEFAULT now(),
  lease_owner           text,
  lease_until           timestamptz,
  requested_by_gid      text,
  trigger_comment_gid   text,
  context               jsonb       NOT NULL DEFAULT '{}'::jsonb,
  result                text,
  error                 text,
  output_excerpt        text,
  exit_code             integer,
  input_tokens          bigint      NOT NULL DEFAULT 0,
  output_tokens         bigint      NOT NULL DEFAULT 0,
  cost_usd              numeric(14, 6) NOT NULL DEFAULT 0,
  duration_ms           bigint,
  answer_story_gid      text,
  started_at            timestamptz,
  finished_at           timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CHECK (status <> 'running' OR lease_until IS NOT NULL),
  CHECK (status NOT IN ('completed', 'failed', 'cancelled') OR finished_at IS NOT NULL)
);

-- What happened during an execution.
CREATE TABLE agent_events (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agent_id        bigint      REFERENCES agents (id) ON DELETE SET NULL,
  execution_id    bigint      REFERENCES task_executions (id) ON DELETE CASCADE,
  event_type      text        NOT NULL,
  level           text        NOT NULL DEFAULT 'info'
                  CHECK (level IN ('debug', 'info', 'warn', 'error')),
  message         text,
  data            jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- Exactly one row: the orchestrator's own state.
CREATE TABLE system_state (
  id                    smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  orchestrator_status   text        NOT NULL DEFAULT 'stopped'
                        CHECK (orchestrator_status IN ('starting', 'running', 'draining', 'stopped', 'error')),
  instance_id           text,
  pid                   bigint,
  started_at            timestamptz,
  last_full_sync_at     timestamptz,
  last_events_poll_at   timestamptz,
  last_webhook_at       timestamptz,
  total_executions      bigint      NOT NULL DEFAULT 0,
  total_cost_usd        numeric(14, 6) NOT NULL DEFAULT 0,
  active_agents         integer     NOT NULL DEFAULT 0,
  data                  jsonb       NOT NULL DEFAULT '{}'::jsonb,
  updated_at            timestamptz NOT NULL DEFAULT now()
);
INSERT INTO system_state (id) VALUES (1);

-- Exactly one: the primary key and CHECK allow no second row; this refuses removal.
CREATE FUNCTION aegis_system_state_keep() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'system_state holds exactly one row; it cannot be removed';
END;
$$;
CREATE TRIGGER system_state_keep BEFORE DELETE OR TRUNCATE ON system_state
  FOR EACH STATEMENT EXECUTE FUNCTION aegis_system_state_keep();

-- Webhook subscriptions: one per tracked project; the local id is part of the target URL.
CREATE TABLE webhook_subscriptions (
  id                  uuid        PRIMARY KEY,
  asana_webhook_gid   text        UNIQUE,
  resource_gid        text        NOT NULL,
  project_id          bigint      REFERENCES projects (id) ON DELETE CASCADE,
  target              text        NOT NULL,
  secret_encrypted    bytea,
  status              text        NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'active', 'failed', 'deleted')),
  last_heartbeat_at   timestamptz,
  last_delivery_at    timestamptz,
  last_error          text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

-- The delivery inbox: every acknowledged delivery, stored raw before the 200.
-- pending → processing (claimed, locked_until) → processed; failed once attempts run out.
CREATE TABLE webhooks (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscription_id   uuid        REFERENCES webhook_subscriptions (id) ON DELETE SET NULL,
  body              jsonb       NOT NULL,
  event_count       integer     NOT NULL DEFAULT 0,
  status            text        NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'processing', 'processed', 'failed')),
  attempts          integer     NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz NOT NULL DEFAULT now(),
  locked_until      timestamptz,
  last_error        text,
  received_at       timestamptz NOT NULL DEFAULT now(),
  processed_at      timestamptz
);

-- API keys for the status endpoint; only a hash is stored.
CREATE TABLE api_keys (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text        NOT NULL UNIQUE,
  key_hash      text        NOT NULL UNIQUE,
  key_prefix    text        NOT NULL,
  permissions   jsonb       NOT NULL DEFAULT '["status:read"]'::jsonb,
  active        boolean     NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  last_used_at  timestamptz
);

-- updated_at kept current on every table that has it.
CREATE TRIGGER projects_touch BEFORE UPDATE ON projects
  FOR EACH ROW EXECUTE FUNCTION aegis_touch_updated_at();
CREATE TRIGGER tasks_touch BEFORE UPDATE ON tasks
  FOR EACH ROW EXECUTE FUNCTION aegis_touch_updated_at();
CREATE TRIGGER comments_touch BEFORE UPDATE ON comments
  FOR EACH ROW EXECUTE FUNCTION aegis_touch_updated_at();
CREATE TRIGGER prompt_templates_touch BEFORE UPDATE ON prompt_templates
  FOR EACH ROW EXECUTE FUNCTION aegis_touch_updated_at();
CREATE TRIGGER agents_touch BEFORE UPDATE ON agents
  FOR EACH ROW EXECUTE FUNCTION aegis_touch_updated_at();
CREATE TRIGGER task_executions_touch BEFORE UPDATE ON task_executions
  FOR EACH ROW EXECUTE FUNCTION aegis_touch_updated_at();
CREATE TRIGGER system_state_touch BEFORE UPDATE ON system_state
  FOR EACH ROW EXECUTE FUNCTION aegis_touch_updated_at();
CREATE TRIGGER webhook_subscriptions_touch BEFORE UPDATE ON webhook_subscriptions
  FOR EACH ROW EXECUTE FUNCTION aegis_touch_updated_at();

-- Indexes: every query that runs per task or per event has one behind it.
CREATE INDEX projects_active_idx            ON projects (archived) WHERE NOT archived;
CREATE INDEX tasks_project_idx              ON tasks (project_id);
CREATE INDEX tasks_assignee_open_idx        ON tasks (assignee_gid) WHERE NOT completed AND NOT deleted;
CREATE INDEX tasks_parent_idx               ON tasks (parent_gid) WHERE parent_gid IS NOT NULL;
CREATE INDEX tasks_modified_idx             ON tasks (modified_at);
CREATE INDEX tasks_completed_at_idx         ON tasks (completed_at) WHERE completed AND NOT archived;
CREATE INDEX comments_task_idx              ON comments (task_id, asana_created_at);
CREATE UNIQUE INDEX prompt_templates_one_active ON prompt_templates (name, agent_type) WHERE active;
CREATE INDEX agents_status_idx              ON agents (status);
CREATE INDEX agents_instance_idx            ON agents (instance_id);
CREATE UNIQUE INDEX task_executions_one_open ON task_executions (task_id) WHERE status IN ('pending', 'running');
CREATE INDEX task_executions_task_idx       ON task_executions (task_id, created_at);
CREATE INDEX task_executions_claim_idx      ON task_executions (priority DESC, not_before, id) WHERE status = 'pending';
CREATE INDEX task_executions_lease_idx      ON task_executions (lease_until) WHERE status = 'running';
CREATE INDEX task_executions_status_idx     ON task_executions (status);
CREATE INDEX task_executions_finished_idx   ON task_executions (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX task_executions_created_idx    ON task_executions (created_at);
CREATE INDEX task_executions_agent_idx      ON task_executions (agent_id);
CREATE INDEX agent_events_execution_idx     ON agent_events (execution_id, created_at);
CREATE INDEX agent_events_agent_idx         ON agent_events (agent_id, created_at);
CREATE INDEX agent_events_created_idx       ON agent_events (created_at);
CREATE INDEX webhook_subscriptions_project_idx ON webhook_subscriptions (project_id);
CREATE INDEX webhook_subscriptions_resource_idx ON webhook_subscriptions (resource_gid);
CREATE INDEX webhooks_pending_idx           ON webhooks (next_attempt_at, id) WHERE status IN ('pending', 'processing');
CREATE INDEX webhooks_processed_idx         ON webhooks (processed_at) WHERE status = 'processed';
CREATE INDEX webhooks_subscription_idx      ON webhooks (subscription_id);
CREATE INDEX api_keys_active_idx            ON api_keys (active) WHERE active;
