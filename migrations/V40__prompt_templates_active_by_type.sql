-- Rendering looks up the active template of an agent type once per execution.
CREATE INDEX prompt_templates_active_type_idx ON prompt_templates (agent_type) WHERE active;
