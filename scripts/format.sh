#!/usr/bin/env bash
# Formats the sources with clang-format (Debian: clang-format): C++ with the root .clang-format,
# the plugin's C (plugin/*.c, plugin/*.h) with plugin/.clang-format, GStreamer's style.
#   scripts/format.sh          rewrite the files
#   scripts/format.sh --check  list the files that differ and exit 1 if any does
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command -v clang-format >/dev/null || { echo "format: clang-format is missing (apt install clang-format)" >&2; exit 1; }
check=0
[ "${1:-}" = "--check" ] && check=1

# clang-format picks the nearest .clang-format; the plugin's C++ files name the root one.
# A plugin header with a C++ namespace (batcher.h, model_instance.h) is C++, the others are C.
mapfile -t plugin_cxx < <(git ls-files 'plugin/*.cpp'; git ls-files 'plugin/*.h' | xargs grep -l '^namespace ')
mapfile -t plugin_c < <(git ls-files 'plugin/*.c'; git ls-files 'plugin/*.h' | xargs grep -L '^namespace ')

differs=0
run() {  # run STYLE FILES...
  local style="$1"; shift
  (($#)) || return 0
  if ((check)); then
    for f in "$@"; do
      if ! clang-format --style="$style" "$f" | cmp -s - "$f"; then echo "$f"; differs=1; fi
    done
  else
    clang-format --style="$style" -i "$@"
  fi
}
mapfile -t cxx_outside < <(git ls-files '*.cpp' '*.h' | grep -v '^plugin/')
run file "${cxx_outside[@]}"
run "file:$root/.clang-format" "${plugin_cxx[@]}"
run "file:$root/plugin/.clang-format" "${plugin_c[@]}"
exit $differs
