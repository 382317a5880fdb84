#!/bin/bash
# Re-records runtime-set.txt from a real fail2ban 1.0.2. Usage: record-runtime-set.sh DIR
# DIR holds conf/ shaped like E2EDaemon's (jail e2e, filter e2e, action e2e-file, polling, maxretry 2,
# findtime 10m, bantime 1h, logpath DIR/auth.log) with a fail2ban-server 1.0.2 running on it
# (fail2ban-server -c DIR/conf -f -x start). The commands are the "### " lines of the current file.
set -u
D=$1
here=$(cd "$(dirname "$0")" && pwd)
grep '^### ' "$here/runtime-set.txt" | cut -c5- > "$D/cases.txt"
out_file="$here/runtime-set.txt.new"
: > "$out_file"
while IFS= read -r line; do
  IFS=$'\t' read -r -a args <<< "${line//\{DIR\}/$D}"
  out=$(fail2ban-client -c "$D/conf" "${args[@]}" 2>/dev/null); rc=$?
  { echo "### $line"; echo "rc=$rc"; printf '%s\n' "$out" | sed "s#$D#{DIR}#g"; } >> "$out_file"
done < "$D/cases.txt"
mv "$out_file" "$here/runtime-set.txt"
