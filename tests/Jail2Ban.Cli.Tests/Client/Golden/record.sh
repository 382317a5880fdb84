#!/bin/bash
# Records golden outputs of the real fail2ban-client (1.0.2) against a real fail2ban-server
# started in the foreground on a throw-away tree under /tmp/j2b-golden.
# Output: <case>.out (stdout, byte-exact), <case>.err (stderr with time stamp/pid normalized),
# cases.tsv (case name, exit code, argv words separated by TAB).
# The in-process tests (GoldenClientTests) replay each case against our listener + a fake
# daemon configured with the same state (jail "test", see FakeServerControl.GoldenScenario).
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/golden-tree.sh"
C="fail2ban-client -c $W/conf -s $W/f2b.sock"
fail2ban-server -f -x -c "$W/conf" -s "$W/f2b.sock" -p "$W/f2b.pid" --logtarget "$W/server.log" > "$W/server.stdout" 2>&1 &
SPID=$!
for i in $(seq 1 100); do $C ping >/dev/null 2>&1 && break; sleep 0.1; done
# two bans so the status shows a list
$C set test banip 192.0.2.10 192.0.2.20 > /dev/null
cd "$HERE"
rm -f *.out *.err cases.tsv
rec() { # rec <name> <args...>
  local name=$1; shift
  $C "$@" > "$name.out" 2> "$W/err"; local rc=$?
  sed -E 's/^[0-9-]+ [0-9:,]+ /<TIME> /; s/\[[0-9]+\]:/[<PID>]:/' "$W/err" > "$name.err"
  [ -s "$name.err" ] || rm -f "$name.err"
  printf '%s\t%s' "$name" "$rc" >> cases.tsv
  for a in "$@"; do printf '\t%s' "$a" >> cases.tsv; done
  printf '\n' >> cases.tsv
}
rec ping ping
rec version version
rec status status
rec status_jail status test
rec status_jail_short status test short
rec status_jail_basic status test basic
rec status_nosuch status nosuch
rec banned banned
rec banned_ip banned 192.0.2.10 203.0.113.1
rec get_banned get test banned
rec get_banned_ips get test banned 192.0.2.10 203.0.113.1
rec get_banned_one get test banned 192.0.2.10
rec get_banip get test banip
rec get_banip_sep get test banip ,
rec get_ignoreip get test ignoreip
rec get_logpath get test logpath
rec get_failregex get test failregex
rec get_ignoreregex get test ignoreregex
rec get_findtime get test findtime
rec get_bantime get test bantime
rec get_maxretry get test maxretry
rec get_maxlines get test maxlines
rec get_maxmatches get test maxmatches
rec get_usedns get test usedns
rec get_logencoding get test logencoding
rec get_datepattern get test datepattern
rec get_actions get test actions
rec get_ignoreself get test ignoreself
rec get_ignorecommand get test ignorecommand
rec get_prefregex get test prefregex
rec get_journalmatch get test journalmatch
rec get_bantime_increment get test bantime.increment
rec get_loglevel get loglevel
rec get_dbfile get dbfile
rec get_dbpurgeage get dbpurgeage
rec get_dbmaxmatches get dbmaxmatches
rec get_nosuch_prop get test nosuchprop
rec get_nosuch_jail get nosuch bantime
rec set_findtime set test findtime 1h
rec set_bantime_mo set test bantime 1mo
rec set_bantime set test bantime 600
rec set_maxretry set test maxretry 5
rec set_banip_new set test banip 192.0.2.30
rec set_banip_again set test banip 192.0.2.30
rec set_unbanip set test unbanip 192.0.2.30
rec set_unbanip_absent set test unbanip --report-absent 192.0.2.99
rec set_addignoreip set test addignoreip 203.0.113.7
rec set_delignoreip set test delignoreip 203.0.113.7
rec set_idle_bad set test idle maybe
rec set_nosuch set test nosuchprop 1
rec set_prefregex_missing set test prefregex
rec set_dbpurgeage set dbpurgeage 2d
rec set_loglevel set loglevel info
rec unban_none unban 203.0.113.99
rec echo echo hello world
rec server_status server-status
rec invalid nosuchcommand
rec flushlogs flushlogs
rec unban_all unban --all
rec status_after_unban status test
rec stop stop
wait $SPID
rec status_down status
rec ping_down ping
echo "recorded $(wc -l < cases.tsv) cases"
