#!/usr/bin/env bash
# Runs every benchmark beside its anchor, in the same run, and writes
# bench/results.md. Called by `make bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${BENCH_EVENTS:-100000}"
out=bench/results.md
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2086
cargo bench $CARGO_FLAGS --target "$TARGET" --bench dispatch -- "$N" > "$tmp/rdird.txt"
python3 bench/dispatch_cpython.py "$N" > "$tmp/cpython.txt"
# shellcheck disable=SC2086
cargo bench $CARGO_FLAGS --target "$TARGET" --bench console > "$tmp/console.txt"
# shellcheck disable=SC2086
cargo bench $CARGO_FLAGS --target "$TARGET" --bench backup > "$tmp/backup.txt"
# shellcheck disable=SC2086
cargo bench $CARGO_FLAGS --target "$TARGET" --bench restore_prep >> "$tmp/backup.txt"
# shellcheck disable=SC2086
cargo bench $CARGO_FLAGS --target "$TARGET" --bench bvfs > "$tmp/bvfs.txt"

# Whole processes: start, load the example script, one event, exit.
wall() {
  local best=999999
  for _ in 1 2 3 4 5; do
    local t0 t1
    t0=$(date +%s%N)
    "$@" > /dev/null 2>&1
    t1=$(date +%s%N)
    local ms=$(( (t1 - t0) / 1000000 ))
    [ "$ms" -lt "$best" ] && best=$ms
  done
  echo "$best"
}
echo "process_start_to_exit_ms $(wall "$STATIC_BIN" script simulate examples/scripts/DirStartUp.py --events JobStart)" >> "$tmp/rdird.txt"
echo "process_start_to_exit_ms $(wall python3 bench/dispatch_cpython.py 0)" >> "$tmp/cpython.txt"
size=$(stat -c %s "$STATIC_BIN")
machine="$(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"

# One row per figure: group, figure, rdird, anchor.
rows="$tmp/rows.tsv"
while read -r name value; do
  anchor=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/cpython.txt")
  printf 'python\t%s\t%s\t%s\n' "$name" "$value" "${anchor:--}"
done < "$tmp/rdird.txt" > "$rows"
printf 'python\tbinary_size_mib\t%s\t-\n' "$(python3 -c "print('%.1f' % ($size / 1048576))")" >> "$rows"
while read -r name ours theirs; do
  [ "$theirs" = "0.0" ] && theirs="-"
  printf 'console\t%s\t%s\t%s\n' "$name" "$ours" "$theirs"
done < "$tmp/console.txt" >> "$rows"
while read -r name ours theirs; do
  printf 'backup\t%s\t%s\t%s\n' "$name" "$ours" "$theirs"
done < "$tmp/backup.txt" >> "$rows"
while read -r name ours theirs; do
  printf 'bvfs\t%s\t%s\t%s\n' "$name" "$ours" "$theirs"
done < "$tmp/bvfs.txt" >> "$rows"

# The chart needs ImageMagick; on Debian as root it is installed here.
if [ ! -x /usr/bin/convert ] && [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y imagemagick > /dev/null 2>&1 || true
fi
python3 bench/report.py "$rows" "$machine" bench/notes.md bench README.md
cat "$out"
