#!/bin/bash
# The demo's coding agent: a stand-in for Claude Code or another coding CLI. Aegis runs it in
# the task's git worktree inside the bwrap sandbox, with the prompt on standard input; it
# writes one file and answers in the CLI's JSON result format. Aegis then commits, pushes and
# opens the (fake) pull request.
cat > /dev/null
cat > CONTRIBUTING.md <<'DOC'
# Contributing

1. Fork the repository and create a branch.
2. Run the tests before you open a pull request.
3. Describe why the change is needed, not only what it does.
DOC
printf '{"type":"result","subtype":"success","is_error":false,"result":"%s","session_id":"demo-session","num_turns":1,"total_cost_usd":0,"usage":{"input_tokens":0,"output_tokens":0}}\n' \
  "Added CONTRIBUTING.md with three rules for contributors in the worktree $PWD, inside the sandbox."
