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

# git and bubblewrap: coding agents work in git worktrees inside a bwrap sandbox. Installed as
# root where apt-get exists (like PostgreSQL in bin/provision-db); otherwise the command is named.
require_git_and_bwrap() {
  local missing=()
  command -v git >/dev/null || missing+=(git)
  command -v bwrap >/dev/null || missing+=(bubblewrap)
  [ "${#missing[@]}" = 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${missing[*]} (coding agents' worktrees and sandbox)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${missing[@]}" >&2 || { apt-get update -qq >&2 || true; apt-get install -y -qq "${missing[@]}" >&2; } \
      || { echo "could not install ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2; exit 2; }
  else
    echo "${missing[*]} required: sudo apt-get install ${missing[*]}" >&2; exit 2
  fi
}

# Chromium and its driver: the status page's browser test drives the system's headless Chromium
# (no browser download). Installed as root where apt-get exists; otherwise the test itself fails
# saying how to install them, so the rest of the suite can still be run.
require_chromium() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  [ "${#missing[@]}" = 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${missing[*]} (the status page's browser test)" >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq >&2 && apt-get install -y -qq "${missing[@]}" >&2; } \
      || { echo "could not install ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2; exit 2; }
  else
    echo "warning: ${missing[*]} missing, so StatusPageBrowserTest will fail: sudo apt-get install ${missing[*]}" >&2
  fi
}
