-- The schema brought back to the seed design where nothing argued against it
-- (docs/decisions/0004-schema.md lists what still differs, and why).

-- Whether the task is assigned to Aegis's bot user, kept by sync next to assignee_gid.
-- Only "assigned": completed and deleted have their own columns, so "open work for the bot"
-- stays a question the reader asks (assigned_to_aegis AND NOT completed AND NOT deleted).
-- The bot's gid is not in the database, so existing rows start false and the next full sync
-- (every daemon start, then nightly) sets them.
ALTER TABLE tasks ADD COLUMN assigned_to_aegis boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN tasks.assigned_to_aegis IS
  'true when assignee_gid is the bot user Aegis runs as (open or not: see completed, deleted); set by sync';

-- The parent as a row, next to parent_gid as Asana names it: null while the parent is not
-- mirrored, filled by sync when it arrives.
ALTER TABLE tasks ADD COLUMN parent_task_id bigint REFERENCES tasks (id) ON DELETE SET NULL;
COMMENT ON COLUMN tasks.parent_task_id IS
  'the parent task''s row when the parent is mirrored (parent_gid names it either way); set by sync';
-- Deleting a task (a project's cascade) finds its children through this, not by a scan.
CREATE INDEX tasks_parent_task_idx ON tasks (parent_task_id) WHERE parent_task_id IS NOT NULL;

UPDATE tasks child
   SET parent_task_id = parent.id
  FROM tasks parent
 WHERE parent.asana_gid = child.parent_gid;

-- The inbox keeps what Asana posted under the seed design's name.
ALTER TABLE webhooks RENAME COLUMN body TO payload;

-- Never written or read by anything: a place for data nobody defined.
ALTER TABLE projects DROP COLUMN metadata;
ALTER TABLE system_state DROP COLUMN data;
