# Sourced by the bench scripts, first thing: `. "$(dirname "$0")/common.sh"`. Strict
# mode, the repository as the working folder, and `needs`.
set -euo pipefail
cd "$(dirname "$0")/.."

# needs TOOL...: stops (exit 2) at the first tool that is not installed, naming the
# Debian package that has it.
needs() {
  local tool package
  for tool in "$@"; do
    command -v "$tool" >/dev/null && continue
    case $tool in
      nginx) package=nginx-light ;;
      *) package=$tool ;;
    esac
    echo "$(basename "$0"): needs $tool (apt-get install $package)"
    exit 2
  done
}
