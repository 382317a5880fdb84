#!/usr/bin/env bash
# Checks the project's own filters (filter.d/) with the real fail2ban (Debian 1.0.2), two ways:
#
#  1. fail2ban-regex, per filter and per "# filterOptions:" section of its annotated sample
#     log (tests/samples/logs/<filter>): every line annotated "match": true must be among
#     fail2ban-regex's matched lines, every "match": false line must not (filters with F-NOFAIL
#     lines, i.e. sshd, are only checked for the true lines: fail2ban-regex lists their
#     non-failure helper lines as matched too, and they are run with --no-check-all, which is
#     how the server applies them).
#  2. fail2ban's own sample-log test (f2b_samples.py = fail2ban.tests.samplestestcase run over
#     our filter.d), over our samples and over the compat samples of the same names in
#     ../shared/compat/fail2ban/files/logs. This one also checks host, user, time, attempts
#     and that every failregex has a sample.
#
# Usage: tests/samples/check-with-fail2ban.sh [filter ...]     (exit 1 on any failure)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=${J2B_SHARED:-$root/../shared}
[ -d "$shared" ] || shared=/work/shared
compat_logs=$shared/compat/fail2ban/files/logs
py=/usr/bin/python3   # the interpreter the fail2ban package is installed for
export TZ='CET-01CEST-02,M3.5.0,M10.5.0'
rc=0

echo "== 1. fail2ban-regex over tests/samples/logs"
"$py" - "$root" "$@" <<'PY' || rc=1
import json, os, re, subprocess, sys, tempfile
root, wanted = sys.argv[1], sys.argv[2:]
logs = os.path.join(root, 'tests', 'samples', 'logs')
ann = re.compile(r'^#+ ?(failJSON|filterOptions|fileOptions|addFILE):(.+)$')
bad = 0
for name in sorted(os.listdir(logs)):
    if wanted and name not in wanted:
        continue
    conf = os.path.join(root, 'filter.d', name + '.conf')
    if not os.path.exists(conf):
        print(f'SKIP {name}: no filter.d/{name}.conf'); continue
    nofail = 'F-NOFAIL' in open(conf).read()
    # sections: (options list, [(expected or None, line)])
    sections, opts, cur, expect = [], [{}], [], None
    for line in open(os.path.join(logs, name), encoding='utf-8').read().split('\n'):
        line = line.rstrip('\r')
        m = ann.match(line)
        if m and m.group(1) == 'filterOptions':
            sections.append((opts, cur)); cur = []
            o = json.loads(m.group(2)); opts = o if isinstance(o, list) else [o]
            continue
        if m and m.group(1) == 'failJSON':
            expect = bool(json.loads(m.group(2)).get('match')); continue
        if m or not line.strip() or (line.startswith('#') and expect is None):
            continue
        cur.append((expect, line)); expect = None
    sections.append((opts, cur))
    checked = failures = 0
    for opts, lines in sections:
        if not lines:
            continue
        for o in opts:
            o = {k: v for k, v in o.items() if not k.startswith('test.')}
            if o.get('logtype') == 'journal':
                continue  # journal lines have no date; fail2ban-regex cannot read them from a file
            spec = name + ('[' + ', '.join(f'{k}="{v}"' for k, v in o.items()) + ']' if o else '')
            with tempfile.NamedTemporaryFile('w', suffix='.log', delete=False) as f:
                f.write('\n'.join(l for _, l in lines) + '\n')
            # Filters with F-NOFAIL are read as the server reads them (first matching
            # failregex wins): with --all, a rejected key's nofail reading hides its failure.
            extra = ['--no-check-all'] if nofail else []
            out = subprocess.run(['fail2ban-regex', '-r', '-c', root, '--print-all-matched', '--print-no-missed',
                                  *extra, f.name, spec], capture_output=True, text=True).stdout
            os.unlink(f.name)
            matched = set()
            if '|- Matched line(s):' in out:
                block = out.split('|- Matched line(s):', 1)[1].split('\n`-', 1)[0]
                matched = {l[3:] for l in block.split('\n') if l.startswith('|  ')}
            for exp, line in lines:
                if exp is None and not nofail:
                    exp = False
                if exp is None:
                    continue
                checked += 1
                got = line in matched
                if exp and not got:
                    failures += 1; print(f'  {spec}: expected a match: {line}')
                elif not exp and got and not nofail:
                    failures += 1; print(f'  {spec}: unexpected match: {line}')
    bad += failures > 0
    print(f'{"PASS" if not failures else "FAIL"} {name}: {checked} annotated lines checked, {failures} wrong')
sys.exit(1 if bad else 0)
PY

echo "== 2a. fail2ban's sample test over tests/samples/logs"
"$py" "$here/f2b_samples.py" "$root" "$root/tests/samples/logs" "$@" 2>&1 | grep -v 'test suite' || rc=1

echo "== 2b. fail2ban's sample test over the compat samples of the same names"
# One known difference that is not ours: compat/dovecot has a line
#   "auth(user,ADDR,sasl:login)<id>: Info: sql: Password mismatch"
# that names the client only in the prefix. fail2ban 1.0.2 cannot merge an address caught by
# the prefregex into the failure (1.1 can), so the stock 1.1 filter fails on that line under
# 1.0.2 exactly as ours does. Our filter is written for the 1.1 behaviour; the line (and its
# annotation) is left out of the copy checked here, and reported.
view=$(mktemp -d)
trap 'rm -rf "$view"' EXIT
for f in "$compat_logs"/*; do ln -s "$f" "$view/"; done
rm "$view/dovecot"
"$py" - "$compat_logs/dovecot" "$view/dovecot" <<'PY'
import sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
i = next(n for n, l in enumerate(lines) if 'sasl:login)' in l and not l.startswith('#'))
print(f'   (compat dovecot line {i + 1} left out: fail2ban 1.0.2 limitation, see comment)')
del lines[i - 1:i + 1]
open(sys.argv[2], 'w', encoding='utf-8').write('\n'.join(lines))
PY
"$py" "$here/f2b_samples.py" "$root" "$view" "$@" 2>&1 | grep -v 'test suite' || rc=1
exit $rc
