#!/usr/bin/env bash
# make demo: backs up a generated tree through Debian's stock bacula-fd and
# bacula-sd with rdird as the Director and examples/scripts/DirStartUp.py
# naming the volumes, prints the job report, restores what it backed up to
# a new place, compares it file by file, and stops everything.
#
# Everything runs in the foreground on 127.0.0.1 with configuration
# generated under a temporary folder (kept with KEEP=1). As root on
# Debian it installs bacula-fd, bacula-sd and bacula-console when they are
# missing; otherwise it says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(realpath "${RDIRD_BIN:?RDIRD_BIN names the rdird binary}")"

need=()
for p in bacula-fd bacula-sd bacula-console; do
  dpkg -s "$p" > /dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "make demo needs Debian's ${need[*]}. As root, run:" >&2
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${need[*]}" >&2
    echo "then run make demo again." >&2
    exit 1
  fi
  echo "== Installing ${need[*]} from Debian's packages"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

work="$(mktemp -d /tmp/rdird-demo.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "== Kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# A port nothing listens on.
free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 40000 ))
    (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null || { echo "$p"; return; }
  done
}
# (30 s: a daemon starting on a loaded machine can take a while.)
wait_port() {
  for _ in $(seq 300); do
    (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return
    sleep 0.1
  done
  echo "nothing listens on port $1; see $work/$2.log" >&2
  exit 1
}

fd_port=$(free_port); sd_port=$(free_port); dir_port=$(free_port)
mkdir -p "$work"/{fd,sd,dir,volumes,scripts,data}
cp examples/scripts/DirStartUp.py examples/scripts/volnames.py "$work/scripts/"

echo "== Generating 3,000 files (6 MB) in $work/data"
for d in $(seq -w 0 29); do
  mkdir -p "$work/data/dir$d"
  head -c 200000 /dev/urandom | (cd "$work/data/dir$d" && split -b 2000 -a 3 - file)
done

cat > "$work/fd.conf" << EOF2
Director { Name = demo-dir; Password = "demo-fd-secret" }
FileDaemon { Name = demo-fd; FDport = $fd_port; FDAddress = 127.0.0.1; WorkingDirectory = $work/fd; Pid Directory = $work/fd }
Messages { Name = Standard; director = demo-dir = all, !skipped, !restored }
EOF2
cat > "$work/sd.conf" << EOF2
Storage { Name = demo-sd; SDPort = $sd_port; SDAddress = 127.0.0.1; WorkingDirectory = $work/sd; Pid Directory = $work/sd }
Director { Name = demo-dir; Password = "demo-sd-secret" }
Device { Name = FileDev; Media Type = File; Archive Device = $work/volumes; LabelMedia = yes; Random Access = yes; AutomaticMount = yes; RemovableMedia = no; AlwaysOpen = no }
Messages { Name = Standard; director = demo-dir = all }
EOF2
cat > "$work/bacula-dir.conf" << EOF2
Director {
  Name = demo-dir
  DIRport = $dir_port
  DirAddress = 127.0.0.1
  Password = "demo-console-secret"
  QueryFile = "/etc/bacula/scripts/query.sql"
  WorkingDirectory = "$work/dir"
  PidDirectory = "$work/dir"
  Scripts Directory = "$work/scripts"
  Messages = Daemon
}
Catalog { Name = MyCatalog; DB Name = demo }
Messages { Name = Daemon; Console = all; Catalog = all }
Client { Name = demo-fd; Address = 127.0.0.1; FD Port = $fd_port; Password = "demo-fd-secret"; Catalog = MyCatalog }
Storage { Name = File; Address = 127.0.0.1; SD Port = $sd_port; Password = "demo-sd-secret"; Device = FileDev; Media Type = File }
# Small volumes, so that one job needs several and the script names each.
Pool {
  Name = Demo
  Pool Type = Backup
  Label Format = "Demo-"
  Maximum Volume Bytes = 2M
}
FileSet { Name = DemoSet; Include { Options { Signature = MD5 }; File = $work/data } }
Job { Name = DemoBackup; Type = Backup; Level = Full; Client = demo-fd; FileSet = DemoSet; Storage = File; Pool = Demo; Messages = Daemon }
Job { Name = DemoRestore; Type = Restore; Client = demo-fd; FileSet = DemoSet; Storage = File; Pool = Demo; Messages = Daemon; Where = $work/restored }
EOF2
cat > "$work/bconsole.conf" << EOF2
Director { Name = demo-dir; DIRport = $dir_port; address = 127.0.0.1; Password = "demo-console-secret" }
EOF2

"$bin" -t -c "$work/bacula-dir.conf"
echo "== Starting bacula-fd, bacula-sd and rdird on 127.0.0.1"
/usr/sbin/bacula-fd -f -c "$work/fd.conf" > "$work/fd.log" 2>&1 & pids+=($!)
/usr/sbin/bacula-sd -f -c "$work/sd.conf" > "$work/sd.log" 2>&1 & pids+=($!)
"$bin" -f -c "$work/bacula-dir.conf" > "$work/dir.log" 2>&1 & pids+=($!)
wait_port "$fd_port" fd; wait_port "$sd_port" sd; wait_port "$dir_port" dir

echo "== Running the backup from bconsole"
printf 'run job=DemoBackup yes\nwait\nmessages\nlist volumes\nquit\n' \
  | /usr/sbin/bconsole -c "$work/bconsole.conf"
echo "== Restoring it to $work/restored"
printf 'restore client=demo-fd current all done yes\nwait\nmessages\nquit\n' \
  | /usr/sbin/bconsole -c "$work/bconsole.conf"
echo "== Comparing the restored files with the originals"
if diff -r "$work/data" "$work/restored$work/data"; then
  echo "Comparison passed: $(find "$work/data" -type f | wc -l) files restored identical."
else
  echo "Comparison FAILED" >&2
  exit 1
fi
echo "== Done; stopping the daemons"
