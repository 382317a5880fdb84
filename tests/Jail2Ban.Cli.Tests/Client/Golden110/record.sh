#!/bin/bash
# Records golden outputs of the commands fail2ban 1.0.2 does not have ("status --all [flavor]",
# "stats", "statistic(s)") from the released fail2ban 1.1.0 (Debian trixie's package), client and
# server, on the same throw-away tree and state as ../Golden/record.sh (jail "test", two bans).
# 1.1.0 is not installed: it is unpacked (not installed) into $F2B110 (default /opt/fail2ban-1.1.0)
# by scripts/fetch-fail2ban-1.1.0, which .ci/run also calls.
# Output: <case>.out, cases.tsv (case name, exit code, argv words separated by TAB).
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
F2B110=${F2B110:-/opt/fail2ban-1.1.0}
[ -d "$F2B110/usr/lib/python3/dist-packages/fail2ban" ] || "$HERE/../../../../scripts/fetch-fail2ban-1.1.0" "$F2B110" || exit 1
export PYTHONPATH="$F2B110/usr/lib/python3/dist-packages"
. "$HERE/../Golden/golden-tree.sh"
C="python3 $F2B110/usr/bin/fail2ban-client -c $W/conf -s $W/f2b.sock"
python3 "$F2B110/usr/bin/fail2ban-server" -f -x -c "$W/conf" -s "$W/f2b.sock" -p "$W/f2b.pid" --logtarget "$W/server.log" > "$W/server.stdout" 2>&1 &
SPID=$!
for i in $(seq 1 100); do $C ping >/dev/null 2>&1 && break; sleep 0.1; done
$C set test banip 192.0.2.10 192.0.2.20 > /dev/null
cd "$HERE"
rm -f *.out *.err cases.tsv
rec() { # rec <name> <args...>
  local name=$1; shift
  $C "$@" > "$name.out" 2> "$W/err"; local rc=$?
  [ -s "$W/err" ] && { echo "$name: unexpected stderr:"; cat "$W/err"; }
  printf '%s\t%s' "$name" "$rc" >> cases.tsv
  for a in "$@"; do printf '\t%s' "$a" >> cases.tsv; done
  printf '\n' >> cases.tsv
}
# (not recorded: "status <jail> stats", where 1.1.0's client fails in its beautifier and prints a raw list)
rec status_all status --all
rec status_all_short status --all short
rec status_all_basic status --all basic
rec stats stats
rec statistics statistics
rec statistic statistic
$C stop > /dev/null
wait $SPID
echo "recorded $(wc -l < cases.tsv) cases"
