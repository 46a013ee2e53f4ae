-- Project memory: what a person asked the bot to remember (a "remember:" comment) and the
-- answers the bot gave, per project, searchable by PostgreSQL full-text search. One table for
-- both, so that one ranked query serves a prompt's {{memory}}.
CREATE TABLE memories (
  id               bigserial   PRIMARY KEY,
  project_id       bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  kind             text        NOT NULL CHECK (kind IN ('remembered', 'answer')),
  task_id          bigint      REFERENCES tasks (id) ON DELETE SET NULL,
  -- remembered: the comment it came from (a comment is remembered once)
  comment_gid      text        UNIQUE,
  -- answer: the execution that gave it; no foreign key, as executions move to the archive
  execution_id     bigint      UNIQUE,
  author_gid       text,
  author_name      text,
  -- answer: the task's name and notes when it was answered
  title            text        NOT NULL DEFAULT '',
  notes            text        NOT NULL DEFAULT '',
  -- the remembered text, or the answer
  body             text        NOT NULL,
  -- the task's name weighs most, then the memory or answer, then the notes
  document         tsvector    GENERATED ALWAYS AS (
                     setweight(to_tsvector('english', title), 'A')
                     || setweight(to_tsvector('english', body), 'B')
                     || setweight(to_tsvector('english', notes), 'C')) STORED,
  -- remembered: the bot's confirming comment, once posted
  reply_story_gid  text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'remembered') = (comment_gid IS NOT NULL)),
  CHECK ((kind = 'answer') = (execution_id IS NOT NULL))
);

COMMENT ON COLUMN memories.document IS
  'full-text search document (english): title weight A, body B, notes C; memories_document_idx serves recall';

-- Recall: the terms of a task matched against a project's memories.
CREATE INDEX memories_document_idx ON memories USING gin (document);
-- A project's memories newest first (recall's fill-up, aegis memory list).
CREATE INDEX memories_project_idx ON memories (project_id, kind, created_at DESC);
-- Retention.
CREATE INDEX memories_created_idx ON memories (created_at);
-- Confirmations still owed (a crash between storing and replying).
CREATE INDEX memories_unconfirmed_idx ON memories (created_at)
  WHERE kind = 'remembered' AND reply_story_gid IS NULL;
