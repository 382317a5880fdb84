#!/usr/bin/env python3
# Writes pickle fixtures (hex, one file per case) exactly as fail2ban's client and server produce
# them: pickle.dumps(obj, pickle.HIGHEST_PROTOCOL) (csocket.py / asyncserver.py). Run from this
# directory with the python3 that fail2ban uses. The C# side (PickleFixtureTests) holds the same
# values; keep both tables in sync.
import pickle, sys
sys.path.insert(0, '/usr/lib/python3/dist-packages')
from fail2ban.exceptions import UnknownJailException, DuplicateJailException

cases = {
    "req_ping": ['ping'],
    "req_status_jail": ['status', 'sshd'],
    "req_set_banip": ['set', 'sshd', 'banip', '192.0.2.1', '2001:db8::1'],
    "req_unicode": ['echo', 'gr\u00fc\u00dfe', '\u65e5\u672c', '\U0001F600'],
    "req_stream": ['server-stream', [['set', 'loglevel', 'INFO'], ['add', 'sshd', 'auto'], ['start', 'sshd']]],
    "req_long_string": ['set', 'sshd', 'addfailregex', '^' + 'x' * 300 + '$'],
    "req_many": ['echo'] + ['w%d' % i for i in range(20)],
    "rep_pong": (0, 'pong'),
    "rep_none": (0, None),
    "rep_true": (0, True),
    "rep_false": (0, False),
    "rep_ints": (0, [0, 1, 255, 256, 65535, 65536, -1, -129, 2147483647, 2147483648, -2147483649, 9223372036854775807]),
    "rep_floats": (0, [0.5, 2629800.0, -1e-05, 1e+16]),
    "rep_status": (0, [('Number of jail', 2), ('Jail list', 'a, b')]),
    "rep_jail_status": (0, [('Filter', [('Currently failed', 0), ('Total failed', 3), ('File list', ['/var/log/auth.log'])]),
                            ('Actions', [('Currently banned', 1), ('Total banned', 1), ('Banned IP list', ['192.0.2.10'])])]),
    "rep_dict": (0, {'stacksize': 0}),
    "rep_dict_multi": (0, {'a': 1, 'b': [2], 'c': None}),
    "rep_tuple4": (0, ('w', 'x', 'y', 'z')),
    "rep_empty": (0, ([], (), {}, '')),
    "rep_unknown_jail": (1, UnknownJailException('nosuch')),
    "rep_duplicate_jail": (1, DuplicateJailException('sshd')),
    "rep_exception": (1, Exception('Invalid command')),
    "rep_index_error": (1, IndexError('list index out of range')),
    "rep_key_error": (1, KeyError('Invalid Action name: x')),
    "rep_bare_error": "ERROR: bad pickle",
}
for name, obj in cases.items():
    with open(name + ".hex", "w") as f:
        f.write(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL).hex() + "\n")
print("wrote", len(cases), "fixtures; protocol", pickle.HIGHEST_PROTOCOL)
