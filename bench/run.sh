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

{
  echo "# Benchmarks"
  echo
  echo "Measured by \`make bench\` on $(date -u +%Y-%m-%d); machine: $machine."
  echo "Anchor: CPython $(python3 -c 'import sys; print(sys.version.split()[0])') running the same handler (bench/dispatch_cpython.py)."
  echo
  echo "| figure | rdird | anchor | ratio |"
  echo "|---|---|---|---|"
  while read -r name value; do
    anchor=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/cpython.txt")
    ratio=$(python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2] or 0); print('%.2f' % (a / b) if b else '-')" "$value" "${anchor:-0}")
    echo "| $name | $value | ${anchor:--} | $ratio |"
  done < "$tmp/rdird.txt"
  echo "| binary_size_mib | $(python3 -c "print('%.1f' % ($size / 1048576))") | - | - |"
  echo
  echo "- newvolume: the example script's NewVolume handler, per event round trip over $N events (after"
  echo "  1,000 warm-up events): for rdird from the Director's thread to the script host and back, for"
  echo "  CPython a direct method call on an equivalent Job class."
  echo "- noop_event: the same round trip to a handler that does nothing (dispatch alone)."
  echo "- startup_to_script_loaded: in the process, for rdird creating the interpreter and loading the"
  echo "  script; for CPython loading the script into an interpreter already running."
  echo "- process_start_to_exit: the whole process, best of 5: 'rdird script simulate' with one event"
  echo "  against 'python3' loading the same script (with its site packages)."
  echo "- peak_rss: the process after the 100,000 events (rdird: one interpreter)."
  echo
  echo "## Console and catalog"
  echo
  echo "Anchor: Debian's bacula-dir 9.6.7 on a copy of the same catalog (10,000 jobs), same run."
  echo
  echo "| figure | rdird | anchor | ratio |"
  echo "|---|---|---|---|"
  while read -r name ours theirs; do
    ratio=$(python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print('%.2f' % (a / b) if b else '-')" "$ours" "$theirs")
    [ "$theirs" = "0.0" ] && theirs="-"
    echo "| $name | $ours | $theirs | $ratio |"
  done < "$tmp/console.txt"
  echo
  echo "- console_*_per_s: round trips per second on one logged-in session (command sent, answer read"
  echo "  to its end), 200 of status dir and 10 of list jobs."
  echo "- catalog_file_rows_per_s: File rows inserted through the batch path (10,000-row transactions,"
  echo "  Path and Filename ids cached), 500,000 rows; SQLite in WAL mode with synchronous=NORMAL."
  echo
  echo "## Backups and restores"
  echo
  echo "Anchor: Debian's bacula-dir 9.6.7 (SQLite catalog) driving the same bacula-fd and bacula-sd 9.6.7, same run."
  echo
  echo "| figure | rdird | anchor | ratio |"
  echo "|---|---|---|---|"
  while read -r name ours theirs; do
    ratio=$(python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print('%.2f' % (a / b) if b else '-')" "$ours" "$theirs")
    echo "| $name | $ours | $theirs | $ratio |"
  done < "$tmp/backup.txt"
  echo
  echo "- wall_s: from the console's run command to the job's end in the Director's catalog (polled every"
  echo "  5 ms), each job started on a Director idle for 3 s; the median of 3 runs (Full, Incremental)"
  echo "  or 5 (the 10-file job)."
  echo "- director_cpu_s: the Director process's user+system CPU over the job (10 ms ticks), median."
  echo "- director_peak_rss_mib: the Director's peak RSS during the job (reset before each), highest."
  echo "- The Full is 20,000 files of 20,000 incompressible bytes with MD5 signatures; attributes are"
  echo "  spooled by the storage daemon (Bacula's default) and read from its spool file by both Directors."
  echo "- restore_full: 'restore client=… fileset=… select current all done yes' of those 20,000 files (the Full"
  echo "  and the Incremental after it) to a new folder, through the same daemons."
  echo "- restore_prepare: 'restore client=… jobid=… all done yes' answered (files chosen, tree and"
  echo "  bootstrap built, job queued) for a backup of 1,000,000 files, on copies of the same catalog."
} > "$out"
cat "$out"
