# Shared checks for bin/ scripts: what is missing is reported with the command that installs it.
require_java_and_maven() {
  if ! command -v java >/dev/null; then
    echo "Java 17 or newer is required: sudo apt-get install openjdk-17-jdk-headless" >&2; exit 2
  fi
  local v
  v="$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')"
  if [ "${v%%.*}" -lt 17 ] 2>/dev/null; then
    echo "Java 17 or newer is required (found $v): sudo apt-get install openjdk-17-jdk-headless" >&2; exit 2
  fi
  if ! command -v mvn >/dev/null; then
    echo "Maven is required: sudo apt-get install maven" >&2; exit 2
  fi
}
