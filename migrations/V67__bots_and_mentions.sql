-- Several bots: each execution records the bot (by its configured name) that runs it and whose
-- token makes its Asana writes; rows from before are the main bot's, 'aegis'.
ALTER TABLE task_executions ADD COLUMN bot text NOT NULL DEFAULT 'aegis';
ALTER TABLE task_executions_archive ADD COLUMN bot text NOT NULL DEFAULT 'aegis';

-- A person's comment that @-mentions a bot starts a 'mention' run of that bot on the task.
ALTER TABLE task_executions DROP CONSTRAINT task_executions_kind_check;
ALTER TABLE task_executions ADD CONSTRAINT task_executions_kind_check
  CHECK (kind IN ('initial', 'follow_up', 'mention'));

-- Exactly once per comment and bot, whatever delivers the comment how many times.
CREATE UNIQUE INDEX task_executions_one_per_mention ON task_executions (trigger_comment_gid, bot)
  WHERE kind = 'mention';

-- A mention answers in the thread only, beside the task's own work: it does not take the task's
-- one open execution (nor is it refused because the assignee's run is open).
DROP INDEX task_executions_one_open;
CREATE UNIQUE INDEX task_executions_one_open ON task_executions (task_id)
  WHERE status IN ('pending', 'held', 'awaiting_approval', 'running') AND kind <> 'mention';

-- The reconciler's backstop for a lost mention signal: people's recent comments holding a mention.
CREATE INDEX comments_mentions_idx ON comments (created_at)
  WHERE NOT is_from_bot AND html_text LIKE '%data-asana-gid%';
