# The throw-away tree both recordings use (sourced by Golden/record.sh and Golden110/record.sh):
# jail "test" (filter golden, action note), polling, maxretry 3, two ignoreip entries. Sets $W.
W=/tmp/j2b-golden
rm -rf "$W"; mkdir -p "$W/conf/filter.d" "$W/conf/action.d"
: > "$W/test.log"
cat > "$W/conf/fail2ban.conf" <<CONF
[Definition]
loglevel = INFO
logtarget = $W/server.log
syslogsocket = auto
socket = $W/f2b.sock
pidfile = $W/f2b.pid
dbfile = :memory:
dbpurgeage = 1d
dbmaxmatches = 10
CONF
cat > "$W/conf/filter.d/golden.conf" <<CONF
[Definition]
failregex = ^auth failure from <HOST>$
ignoreregex =
CONF
cat > "$W/conf/action.d/note.conf" <<CONF
[Definition]
actionban = true
actionunban = true
CONF
cat > "$W/conf/jail.conf" <<CONF
[DEFAULT]
backend = polling
[test]
enabled = true
filter = golden
logpath = $W/test.log
action = note
maxretry = 3
findtime = 600
bantime = 600
ignoreip = 192.0.2.200 198.51.100.0/24
CONF
