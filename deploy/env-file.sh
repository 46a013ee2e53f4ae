# Reads /etc/aegis/aegis.env the way systemd's EnvironmentFile= does, without a shell ever
# evaluating it: sourced by deploy/install.sh (which runs as root, so `. aegis.env` would run
# whatever `$(…)` or backticks the file holds as root). Bash only; source it, then call:
#
#   env_file_parse FILE          prints each valid NAME=value, NUL-terminated, in file order
#   env_file_run FILE USER CMD…  runs CMD as USER with the file's variables in its environment;
#                                secrets travel through a pipe, never on a command line (ps)
#
# The syntax is systemd's (src/basic/env-file.c): blank lines and lines starting with # or ;
# are comments; NAME=value, whitespace around both trimmed; a value may be 'single quoted'
# (literal) or "double quoted" (\" \\ \$ \` escaped, other backslashes kept); a backslash
# escapes the next character and a backslash at the end of a line continues it. Nothing is
# expanded: $VAR, $(cmd) and `cmd` are kept as text. Lines whose name is not a valid
# variable name (e.g. "export X=1") are reported on stderr and ignored, as systemd does.

env_file_parse() {
  local file="$1"
  [ -r "$file" ] || { echo "env-file: cannot read $file" >&2; return 1; }
  local LC_ALL=C s key="" value="" state=pre_key c i n
  s="$(cat -- "$file"; printf x)"; s="${s%x}"$'\n'
  n=${#s}
  for ((i = 0; i < n; i++)); do
    c="${s:i:1}"
    case "$state" in
      pre_key)
        case "$c" in
          '#'|';') state=comment ;;
          ' '|$'\t'|$'\r'|$'\n') ;;
          *) state=key; key="$c" ;;
        esac ;;
      key)
        case "$c" in
          '=') state=pre_value; value=""; ;;
          $'\n') echo "env-file: $file: line without '=' ignored: $key" >&2; state=pre_key; key="" ;;
          *) key+="$c" ;;
        esac ;;
      pre_value)
        case "$c" in
          ' '|$'\t'|$'\r') ;;
          $'\n') _env_file_emit; state=pre_key ;;
          "'") state=single ;;
          '"') state=double ;;
          '\') state=value_escape ;;
          *) state=value; value+="$c" ;;
        esac ;;
      value)
        case "$c" in
          $'\n') value="${value%"${value##*[! $'\t\r']}"}"; _env_file_emit; state=pre_key ;;
          '\') state=value_escape ;;
          *) value+="$c" ;;
        esac ;;
      value_escape)
        [ "$c" = $'\n' ] || value+="$c"
        state=value ;;
      single)
        case "$c" in
          "'") state=pre_value ;;
          *) value+="$c" ;;
        esac ;;
      double)
        case "$c" in
          '"') state=pre_value ;;
          '\') state=double_escape ;;
          *) value+="$c" ;;
        esac ;;
      double_escape)
        case "$c" in
          '"'|'\'|'`'|'$') value+="$c" ;;
          $'\n') ;;
          *) value+="\\$c" ;;
        esac
        state=double ;;
      comment)
        case "$c" in
          '\') state=comment_escape ;;
          $'\n') state=pre_key ;;
        esac ;;
      comment_escape) state=comment ;;
    esac
  done
  case "$state" in
    single|double|double_escape) echo "env-file: $file: unterminated quote in $key ignored" >&2 ;;
  esac
}

# One finished assignment: the name trimmed and checked, then NAME=value and a NUL.
_env_file_emit() {
  key="${key%"${key##*[! $'\t\r']}"}"
  if [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
    printf '%s=%s\0' "$key" "$value"
  else
    echo "env-file: invalid variable name ignored: $key" >&2
  fi
  key=""; value=""
}

env_file_run() {
  local file="$1" user="$2"; shift 2
  # The reading side runs as USER, so a variable such as LD_PRELOAD or PATH in the file
  # reaches only that user's command (as under systemd), never a root process.
  local loader='while IFS= read -r -d "" kv; do export "$kv"; done; exec "$@"'
  if [ "$(id -un)" = "$user" ]; then
    /bin/bash -c "$loader" env-file "$@" < <(env_file_parse "$file")
  else
    runuser -u "$user" -- /bin/bash -c "$loader" env-file "$@" < <(env_file_parse "$file")
  fi
}
