#!/usr/bin/python3
"""Expected values for DateDetectorTests, computed by the installed fail2ban (1.0.2).

Usage: TZ=Europe/Zurich /usr/bin/python3 date_oracle.py < cases.tsv
Input lines: <datepattern entries joined by ' || ' or '-' for default> TAB <now> TAB <logtimezone or '-'> TAB <line>
Output per input: start, end, time (repr) and the winning template's name.
Default template #14 is switched to upstream HEAD's form (the spec's reference, §1.11).
A line '=' prints the current template order with hit counts.
Each input line gets a fresh detector, unless the pattern column is '+' (then the previous
detector goes on, to show learning on a sequence of lines).
"""
import sys
from fail2ban.server.mytime import MyTime
from fail2ban.server import datedetector as dd

dd.DateDetectorCache.DEFAULT_TEMPLATES[13] = \
    r"%ExY%Exm%Exd(?:-|T|  ?)%ExH:?%ExM:?%ExS(?:[.,]%f)?(?:\s*%z)?"

det = None
for raw in sys.stdin:
    raw = raw.rstrip('\n')
    if not raw or raw.startswith('#'):
        continue
    if raw == '=':
        # template order and hit counts of the current detector
        print('|'.join('%s:%d' % (t.name, t.hits) for t in det.templates))
        continue
    pat, now, tz, line = raw.split('\t', 3)
    MyTime.setTime(float(now))
    if pat != '+':
        det = dd.DateDetector()
        if pat != '-':
            for p in pat.split(' || '):
                det.appendTemplate(p)
        det.default_tz = None if tz == '-' else tz
    try:
        m, t = det.matchTime(line)
        if m is None:
            print("NOMATCH")
            continue
        s, e = m.start(1), m.end(1)
        d = det.getTime(line[s:e], (m, t)) if e > s else None
        print("%d\t%d\t%r\t%s" % (s, e, None if d is None else d[0], t.name))
    except Exception as ex:
        print("EXC\t%s\t%s" % (type(ex).__name__, ex))
