#!/usr/bin/env bash
# Installs Aegis as a systemd service on this machine.
#
#   sudo deploy/install.sh [JAR]        (JAR defaults to target/aegis.jar; build it with mvn package)
#
# Creates the system user "aegis", installs the jar under /opt/aegis, the unit as
# /etc/systemd/system/aegis.service, an environment template as /etc/aegis/aegis.env (kept if it
# exists: the new template goes next to it as aegis.env.example), the agents' checkout root
# /srv/aegis, and runs the database migrations when AEGIS_DATABASE_URL is set in aegis.env, then
# a training start that writes the JVM's class-data archive (/var/lib/aegis/aegis.jsa).
# Running it again upgrades the jar and the unit, re-creates the archive and leaves settings alone.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="${1:-$root/target/aegis.jar}"

say() { echo "install: $*"; }
die() { echo "install: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (sudo $0)"
[ -f "$jar" ] || die "no jar at $jar; build it first: mvn -B -DskipTests package"
command -v java >/dev/null || die "Java 17+ is required: apt-get install openjdk-17-jre-headless"
[ -x /usr/bin/java ] || die "the unit runs /usr/bin/java, which is missing; install a JRE package or edit ExecStart"

if ! id -u aegis >/dev/null 2>&1; then
  say "creating system user aegis"
  useradd --system --user-group --home-dir /var/lib/aegis --no-create-home --shell /usr/sbin/nologin aegis
fi

install -d -m 0755 /opt/aegis
install -m 0644 "$jar" /opt/aegis/aegis.jar.new && mv /opt/aegis/aegis.jar.new /opt/aegis/aegis.jar
[ -f "$root/README.md" ] && install -m 0644 "$root/README.md" /opt/aegis/README.md
say "installed /opt/aegis/aegis.jar"

install -d -m 0750 -o root -g aegis /etc/aegis
if [ -f /etc/aegis/aegis.env ]; then
  install -m 0640 -o root -g aegis "$here/aegis.env.example" /etc/aegis/aegis.env.example
  say "kept /etc/aegis/aegis.env; the current template is /etc/aegis/aegis.env.example"
else
  install -m 0640 -o root -g aegis "$here/aegis.env.example" /etc/aegis/aegis.env
  say "wrote /etc/aegis/aegis.env from the template: fill in the database and Asana settings"
fi

install -d -m 0750 -o aegis -g aegis /var/lib/aegis /srv/aegis

install -m 0644 "$root/systemd/aegis.service" /etc/systemd/system/aegis.service
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  say "installed /etc/systemd/system/aegis.service (daemon reloaded)"
else
  say "installed /etc/systemd/system/aegis.service (systemd is not running here; no reload)"
fi

# Migrations, as the service user, with the settings the service will use. The file is parsed
# as systemd parses it (deploy/env-file.sh), never sourced: root must not run what it holds, and
# its secrets reach the child through a pipe, not a command line that `ps` shows.
. "$here/env-file.sh"
db_url="$(env_file_parse /etc/aegis/aegis.env | tr '\0' '\n' | sed -n 's/^AEGIS_DATABASE_URL=//p' | tail -1)"
if [ -n "$db_url" ]; then
  say "running database migrations"
  env_file_run /etc/aegis/aegis.env aegis /usr/bin/java -XX:+UseSerialGC -jar /opt/aegis/aegis.jar migrate \
    || die "migrations failed; check the database settings in /etc/aegis/aegis.env"
else
  say "AEGIS_DATABASE_URL is empty in /etc/aegis/aegis.env: migrations not run (the service runs them at start)"
fi

# The application class-data archive the unit starts with (-XX:SharedArchiveFile in its ExecStart):
# made by a training start (deploy/cds-archive.sh) of the unit's own command line, as the service
# user with the service's settings, on free loopback ports so that a running service keeps its own.
# Made again on every run: the JVM ignores an archive of another jar or JVM, and starts slower.
. "$here/cds-archive.sh"
install -m 0644 "$here/cds-archive.sh" /opt/aegis/cds-archive.sh
read -r -a unit_cmd <<<"$(sed -n 's/^ExecStart=//p' /etc/systemd/system/aegis.service | tail -1)"
archive="$(cds_archive_of "${unit_cmd[@]}")"
if [ -n "$archive" ] && [ -n "$db_url" ]; then
  say "training start for the class-data archive $archive"
  if env_file_run /etc/aegis/aegis.env aegis /usr/bin/env \
      AEGIS_HTTP_PORT="$(cds_free_port)" AEGIS_ADMIN_PORT="$(cds_free_port)" AEGIS_ADMIN_BIND=127.0.0.1 \
      /bin/bash -c 'cd /var/lib/aegis && . /opt/aegis/cds-archive.sh && cds_archive_create "$@"' cds-archive \
      "$archive" "${unit_cmd[@]}"; then
    say "wrote $archive"
  else
    say "no class-data archive: the service starts without it (slower) until this script runs again with complete settings"
  fi
elif [ -n "$archive" ]; then
  say "no class-data archive yet: run this script again once /etc/aegis/aegis.env is filled in"
fi

cat <<NEXT
install: done. Next:
  1. edit /etc/aegis/aegis.env (database, ASANA_ACCESS_TOKEN, workspace, projects)
  2. systemctl enable --now aegis && journalctl -u aegis -f
  3. an API key for the admin endpoints, made with the service's own user and settings:
     sudo systemd-run --quiet --pty --wait --collect -p User=aegis -p EnvironmentFile=/etc/aegis/aegis.env \\
       /usr/bin/java -jar /opt/aegis/aegis.jar apikey create ops
     then: curl -H "Authorization: Bearer <key>" http://127.0.0.1:8081/status
NEXT
