#!/usr/bin/env bash
# The image build's training start (deploy/Dockerfile, stage "archive"): a throwaway PostgreSQL
# and the Asana simulator inside the build, and the daemon started once with the image's own
# command line so that deploy/cds-archive.sh writes the application class-data archive.
#   image-archive.sh ARCHIVE JAVA ARG…     (JAVA ARG…: the image's ENTRYPOINT and CMD)
# Runs as the image's unprivileged user; nothing of it but ARCHIVE reaches the final image.
set -euo pipefail
archive="$1"; shift
. "$(dirname "${BASH_SOURCE[0]}")/cds-archive.sh"
work="$(mktemp -d)"
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
pgport="$(cds_free_port)"
"$pgbin/initdb" -D "$work/pg" -U aegis --auth=trust >/dev/null
"$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-p $pgport -k $work -c listen_addresses=127.0.0.1" start >/dev/null
"$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U aegis aegis

jar="$(for a in "$@"; do [ "${prev:-}" = -jar ] && echo "$a"; prev="$a"; done)"
simport="$(cds_free_port)"
java -XX:TieredStopAtLevel=1 -jar "$jar" simulator --port "$simport" --seed demo --token training \
  >"$work/sim.out" 2>"$work/sim.err" &
sim=$!
for _ in $(seq 1 600); do [ -s "$work/sim.out" ] && break; sleep 0.1; done
world="$(head -1 "$work/sim.out")"
[ -n "$world" ] || { cat "$work/sim.err" >&2; echo "image-archive: the simulator did not start" >&2; exit 1; }

export AEGIS_DATABASE_URL="jdbc:postgresql://127.0.0.1:$pgport/aegis" AEGIS_DATABASE_USER=aegis
export ASANA_ACCESS_TOKEN=training AEGIS_ASANA_BASE_URL="http://127.0.0.1:$simport/api/1.0"
export AEGIS_ASANA_WORKSPACE="$(sed -n 's/.*"workspace":"\([0-9]*\)".*/\1/p' <<<"$world")"
export AEGIS_ASANA_PROJECTS="$(sed -n 's/.*"projects":\[\([^]]*\)\].*/\1/p' <<<"$world" | tr -d '"')"
export AEGIS_HTTP_PORT="$(cds_free_port)" AEGIS_ADMIN_PORT="$(cds_free_port)"
export AEGIS_WORKSPACES_DIR="$work/workspaces"
status=0
cds_archive_create "$archive" "$@" || status=$?
kill "$sim" 2>/dev/null || true
"$pgbin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null || true
rm -rf "$work"
exit "$status"
