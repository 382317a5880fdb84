#!/usr/bin/python3
"""Runs fail2ban's own sample-log test (fail2ban.tests.samplestestcase, the rules of
spec §4) over OUR filter.d with a chosen directory of annotated logs.

  f2b_samples.py FILTER_ROOT LOGS_DIR [FILTER ...]

FILTER_ROOT is the directory holding filter.d/ (the repository root). LOGS_DIR holds one
annotated log per filter (same name, no extension). Without FILTER names every filter of
FILTER_ROOT/filter.d that has a log in LOGS_DIR is tested. Prints one PASS/FAIL line per
filter (with fail2ban's error text for failures) and exits 1 if any failed.

This uses the installed fail2ban (Debian 1.0.2) as the oracle: it is the only program we
ask, never copy.
"""
import io
import os
import sys
import unittest

root, logs = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
wanted = sys.argv[3:]
os.environ['FAIL2BAN_CONFIG_DIR'] = root

from fail2ban.tests import utils  # noqa: E402  (must follow the environment set-up)
utils.initTests(None)
from fail2ban.tests import samplestestcase as s  # noqa: E402

s.TEST_FILES_DIR = os.path.dirname(logs)
logsname = os.path.basename(logs)
if logsname != 'logs':
    # samplestestcase reads TEST_FILES_DIR/logs/<name>: give it a view named "logs".
    import tempfile
    view = tempfile.mkdtemp(prefix='j2b-samples-')
    os.symlink(logs, os.path.join(view, 'logs'))
    s.TEST_FILES_DIR = view

names = sorted(
    f[:-5] for f in os.listdir(os.path.join(root, 'filter.d'))
    if f.endswith('.conf') and not f.endswith('common.conf'))
if wanted:
    names = [n for n in names if n in wanted]
names = [n for n in names if os.path.isfile(os.path.join(logs, n))]

failed = 0
for name in names:
    case_cls = type('Samples', (s.FilterSamplesRegex,), {})
    setattr(case_cls, 'testOne', s.testSampleRegexsFactory(name, root))
    out = io.StringIO()
    result = unittest.TextTestRunner(stream=out, verbosity=0).run(case_cls('testOne'))
    if result.wasSuccessful():
        print(f'PASS {name}')
    else:
        failed += 1
        problems = result.failures + result.errors
        text = problems[0][1].strip().splitlines()
        # The assertion message is the interesting tail of the traceback.
        tail = [l for l in text if not l.startswith('  File ') and not l.startswith('Traceback')]
        print(f'FAIL {name}: ' + '\n    '.join(tail[-12:]))
print(f'samples: {len(names) - failed} passed, {failed} failed ({logs})')
sys.exit(1 if failed else 0)
