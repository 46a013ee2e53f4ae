#!/bin/bash
# The demo's pr_command: stands in for `gh pr create --head {branch} --base {base} --title {title}`.
# Aegis takes the first URL it prints.
echo "Opening a pull request for $1 into $2: $3"
echo "https://git.example/aegis-demo/docs/pull/1"
