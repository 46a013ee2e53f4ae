# The daemon's application class-data archive (AppCDS): the classes a start loads, parsed and
# verified once and mapped from the file on every later start. Java 17 writes such an archive
# when a JVM started with -XX:ArchiveClassesAtExit exits cleanly, so it is made by a training
# start: the service's own command line, with -XX:ArchiveClassesAtExit in place of its
# -XX:SharedArchiveFile, run until /health answers and stopped with SIGTERM like systemd does.
# The JVM checks the archive against itself and the jar (path, size, time) and ignores it,
# starting slower but correctly, after an upgrade of either; then it is made again.
# Sourced by deploy/install.sh, the image build (deploy/Dockerfile) and bench/startup.

# cds_archive_of JAVA ARG…: the file named by -XX:SharedArchiveFile= in the command, or nothing.
cds_archive_of() {
  local a
  for a in "$@"; do
    case "$a" in -XX:SharedArchiveFile=*) echo "${a#-XX:SharedArchiveFile=}" ;; esac
  done
}

# cds_archive_create ARCHIVE JAVA ARG…: the training start. The daemon's settings come from the
# environment; AEGIS_HTTP_PORT is where /health is asked (8080 when unset). Stops the daemon once
# /health answers 200 (at most CDS_TRAINING_SECONDS, 180), then moves the new archive into place.
# Exit 0 with ARCHIVE written, 1 otherwise (the previous archive, if any, is removed: it is stale).
cds_archive_create() {
  local archive="$1"; shift
  local cmd=() a pid code waited=0 limit="${CDS_TRAINING_SECONDS:-180}"
  for a in "$@"; do
    case "$a" in
      -XX:SharedArchiveFile=*) cmd+=("-XX:ArchiveClassesAtExit=$archive.new" -Xlog:cds=off -Xlog:cds+dynamic=off) ;;
      *) cmd+=("$a") ;;
    esac
  done
  rm -f "$archive" "$archive.new"
  "${cmd[@]}" &
  pid=$!
  while :; do
    code="$(cds_health_code "${AEGIS_HTTP_PORT:-8080}")"
    [ "$code" = 200 ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid"; echo "cds-archive: the training start exited ($?) before /health answered" >&2
      rm -f "$archive.new"; return 1
    fi
    if [ "$waited" -ge $((limit * 10)) ]; then
      echo "cds-archive: /health did not answer within ${limit}s; stopping the training start" >&2
      kill -TERM "$pid"; wait "$pid"; rm -f "$archive.new"; return 1
    fi
    sleep 0.1; waited=$((waited + 1))
  done
  # A few seconds more so the first sync and the scheduled jobs' classes are in the archive too.
  sleep "${CDS_TRAINING_SETTLE_SECONDS:-5}"
  kill -TERM "$pid"
  wait "$pid" || true
  if [ ! -s "$archive.new" ]; then
    echo "cds-archive: the training start wrote no archive" >&2
    return 1
  fi
  mv -f "$archive.new" "$archive"
}

# cds_health_code PORT: the HTTP status of GET /health on loopback, 000 when nothing answers.
# bash's /dev/tcp, so it also works in the image, which has no curl.
cds_health_code() {
  local code
  code="$( (exec 3<>"/dev/tcp/127.0.0.1/$1" \
    && printf 'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3 \
    && read -r -t 2 _ code _ <&3 && echo "$code") 2>/dev/null)"
  echo "${code:-000}"
}

# cds_free_port: a TCP port on loopback that nothing listens on now.
cds_free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"; return
    fi
  done
}
