#!/usr/bin/python3
"""Reads every action.d/*.conf of this project with fail2ban's own reader (ActionReader +
CommandAction of the installed fail2ban 1.0.2), renders start/ban/unban/flush/stop/check for
an IPv4 and an IPv6 address, and checks each rendered script with `sh -n` (syntax only,
nothing is executed). Prints the rendered commands with -v.

  check-actions-with-fail2ban.py [-v] [action ...]
"""
import os, subprocess, sys
root = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
verbose = '-v' in sys.argv
# --netns: also EXECUTE the commands of the actions that need no daemon (nftables*, route)
# inside a throw-away network namespace (root only): start, ban, bulk ban, unban, flush,
# check, stop must all succeed against the real nft / ip.
netns = '--netns' in sys.argv
wanted = [a for a in sys.argv[1:] if not a.startswith('-')]
EXECUTABLE = ('nftables', 'nftables-multiport', 'nftables-allports', 'route')

from fail2ban.client.actionreader import ActionReader
from fail2ban.server.action import CommandAction
from fail2ban.server.ipdns import IPAddr

captured = []
CommandAction.executeCmd = staticmethod(lambda cmd, timeout=60, **kw: captured.append(cmd) or True)

def info(ip):
    a = IPAddr(ip)
    return {'ip': a, 'fid': a, 'family': 'inet6' if a.isIPv6 else 'inet4', 'failures': 3,
            'time': 1124013600.0, 'bantime': 600, 'bancount': 1, 'matches': 'line "one"; `x`',
            'restored': 0, 'ip-rev': '', 'ip-host': None, 'raw-ticket': ''}

bad = 0
for f in sorted(os.listdir(os.path.join(root, 'action.d'))):
    if not f.endswith('.conf'):
        continue
    name = f[:-5]
    if wanted and name not in wanted:
        continue
    args = {'port': 'ssh,2222', 'protocol': 'tcp,udp', 'url': 'http://127.0.0.1:9/'} 
    reader = ActionReader(name, 'sshd', dict(args), share_config={}, basedir=root)
    if not reader.read():
        print(f'FAIL {name}: not readable'); bad += 1; continue
    reader.getOptions({})
    stream = reader.convert()
    act = CommandAction(None, name)
    for cmd in stream:
        if cmd[0] == 'set' and cmd[2] == 'action':
            setattr(act, cmd[4], cmd[5])
        elif cmd[0] == 'multi-set' and cmd[2] == 'action':
            for k, v in cmd[4]:
                setattr(act, k, v)
    captured.clear()
    problems = []
    # fail2ban's reader keeps only the keys it knows: read the bulk options from the file.
    from fail2ban.client.configreader import ConfigReader
    raw = ConfigReader(share_config={}, basedir=root)
    raw.read('action.d/' + name)
    bulk = {k: raw.get('Definition', k, raw=True) for k in ('actionban_bulk', 'actionunban_bulk')
            if raw.has_option('Definition', k)}
    def render_bulk(key, ips, fam):
        # The way the Jail2Ban runner renders it: static tags, then <ips> joined by ", ".
        cmd = CommandAction.replaceTag(bulk[key], act._properties, conditional='family=' + fam)
        captured.append(cmd.replace('<ips>', ', '.join(ips)))
    try:
        for ip, more in (('192.0.2.1', ['192.0.2.2', '198.51.100.0/24']), ('2001:db8::1', ['2001:db8::2', '2001:db8:1::/48'])):
            fam = 'inet6' if ':' in ip else 'inet4'
            act.ban(info(ip))
            act._processCmd('<actionunban>', info(ip))  # render even where unban() would skip it
            if bulk:
                render_bulk('actionban_bulk', [ip] + more, fam)
                render_bulk('actionunban_bulk', more, fam)
        act.flush()
        act.consistencyCheck()
        act.stop()
    except Exception as e:  # noqa
        problems.append(f'{type(e).__name__}: {e}')
    executed = 0
    ns = None
    if netns and name in EXECUTABLE and not problems:
        ns = f'j2b-actions-{os.getpid()}'
        subprocess.run(['ip', 'netns', 'add', ns], check=True)
        subprocess.run(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up'], check=True)
    for cmd in captured:
        if ns:
            argv = cmd if isinstance(cmd, list) else [cmd]
            r = subprocess.run(['ip', 'netns', 'exec', ns, 'sh', '-c', *argv], capture_output=True, text=True)
            executed += 1
            if r.returncode:
                problems.append(f'exit {r.returncode}: {r.stderr.strip()} in:\n{argv[0]}')
        # An escaped command is a list: [script, value0, value1, ...] (values go to $0, $1...).
        script = cmd if isinstance(cmd, str) else cmd[0]
        r = subprocess.run(['sh', '-n', '-c', script], capture_output=True, text=True)
        if r.returncode:
            problems.append(f'sh -n: {r.stderr.strip()} in:\n{script}')
        if '<' in script and any(t in script for t in ('<ip>', '<name>', '<port>', '<ips>', '<addr_set>', '<table>')):
            problems.append(f'unresolved tag in:\n{script}')
        if verbose:
            print(f'--- {name}:\n{script}')
    if ns:
        subprocess.run(['ip', 'netns', 'delete', ns])
    if problems:
        bad += 1
        print(f'FAIL {name}: ' + '\n    '.join(problems))
    else:
        print(f'PASS {name}: {len(captured)} commands rendered, sh -n clean'
              + (f', {executed} executed in a network namespace' if executed else ''))
print(f'actions: {"all passed" if not bad else f"{bad} failed"}')
sys.exit(1 if bad else 0)
