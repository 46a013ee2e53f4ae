# JVM options shared by bin/aegis and bin/demo (AEGIS_JAVA_OPTS replaces the defaults).
# A small-heap, quick-starting daemon: serial GC, C1 only, and a class-data-sharing archive
# of the application's classes. The archive (target/aegis.jsa) is written when a JVM exits
# cleanly without a current one (only `run` and `demo`, which load nearly every class, write
# it), and used by every start after that: roughly a third less start-up time. It is rebuilt
# after each build of the jar.
#   aegis_java_opts JAR COMMAND   → sets the array java_opts
aegis_java_opts() {
  local jar="$1" command="${2:-}" archive="${1%.jar}.jsa"
  if [ -n "${AEGIS_JAVA_OPTS:-}" ]; then
    java_opts=($AEGIS_JAVA_OPTS)
    return
  fi
  java_opts=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:MaxRAMPercentage=25
             -XX:+ExitOnOutOfMemoryError -Xlog:cds=off -Xlog:cds+dynamic=off)
  if [ -f "$archive" ] && [ "$archive" -nt "$jar" ]; then
    java_opts+=(-XX:SharedArchiveFile="$archive")
  elif { [ "$command" = run ] || [ "$command" = demo ]; } && [ -w "$(dirname "$jar")" ]; then
    rm -f "$archive"
    java_opts+=(-XX:ArchiveClassesAtExit="$archive")
  fi
}
