#!/usr/bin/python3
"""Produce the golden command texts for the Jail2Ban action tests from the real fail2ban 1.0.2.

Run with the system python (the one fail2ban is installed for):
    /usr/bin/python3 tests/Jail2Ban.Core.Tests/Actions/tools/make_goldens.py [shared-dir]

For every case it
  1. obtains the resolved action options exactly as fail2ban's client sends them
     (`fail2ban-client -c <tree> -d`), either from the compat oracle dumps or from a dump of
     a small jail.local written here (for actions the oracle dumps do not use);
  2. feeds them to fail2ban's own CommandAction (setattr, as the server's transmitter does),
     runs a fixed sequence of operations with fixed tickets, and records every command that
     CommandAction hands to executeCmd (monkeypatched, nothing is executed);
  3. writes Golden/<case>.json: the input (options or a pointer into the compat dump), the
     tickets, and the recorded calls (operation tag, family, ticket, script, positional args).
The goldens are fail2ban's output for our input; the C# tests rebuild every call and compare.
"""
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile

from fail2ban.server import action as f2b_action
from fail2ban.server.action import CommandAction
from fail2ban.server.actions import Actions
from fail2ban.server.mytime import MyTime
from fail2ban.server.ticket import BanTicket
from fail2ban.server.ipdns import DNSUtils

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(os.path.dirname(HERE), "Golden")
SHARED = sys.argv[1] if len(sys.argv) > 1 else "/work/shared"
COMPAT = os.path.join(SHARED, "compat")
TREES = {
    "debian": ("fail2ban-debian-1.0.2/config", "oracle/dump.debian-all-jails.by-fail2ban-1.0.2.txt"),
    "upstream": ("fail2ban/config", "oracle/dump.upstream-all-jails.by-fail2ban-1.0.2.txt"),
}
NOW = 1795326924.4372535
JAIL_BANTIME = 600

HOSTILE = "x;rm -rf /tmp/j2b`id`\"'|&<>$(touch /tmp/j2b-pwned) ${HOME} *?~^()[]{}#\\ end"
# Tickets: the C# test builds the same tickets from this description.
TICKETS = {
    "v4": {"id": "192.0.2.10", "time": 1795326920.0, "failures": 3, "bantime": None, "bancount": 1,
            "restored": False, "matches": ["Nov 22 06:00:01 host sshd[1]: Failed password for alice from 192.0.2.10",
                                           "Nov 22 06:00:02 host sshd[1]: Failed password for alice from 192.0.2.10"],
            "data": {"user": "alice"}},
    "v6": {"id": "2001:db8::5", "time": 1795326921.25, "failures": 5, "bantime": 3600, "bancount": 2,
            "restored": False, "matches": ["line one from 2001:db8::5"], "data": {}},
    "restored": {"id": "198.51.100.7", "time": 1795326000, "failures": 0, "bantime": 86400, "bancount": 3,
                  "restored": True, "matches": [], "data": {}},
    "hostile": {"id": "203.0.113.9", "time": 1795326922.5, "failures": 2, "bantime": -1, "bancount": 1,
                 "restored": False, "matches": ["first " + HOSTILE, "second line with 'quotes' and `ticks`", "\r plain"],
                 "data": {"user": HOSTILE, "port": "22", "id": "fid$(x)", "empty": ""}},
}

# Our own test action (project-written text): every dynamic tag, built-ins, unknown tags.
PROBE_OPTIONS = [
    ["actionstart", "echo start <name> fam=<family> time=<time> ip=[<ip>] <sp>x<br>second line <STDIN>"],
    ["actionstop", "echo stop <name> <family>"],
    ["actioncheck", ""],
    ["actionban", "echo ban ip=<ip> fid=<fid> fam=<family> rev=<ip-rev> fail=<failures> t=<time> bt=<bantime> "
                  "bc=<bancount> rs=<restored> ipf=<ipfailures> ipjf=<ipjailfailures> custom=<custom> "
                  "u=<F-USER> p=<F-PORT> id=<F-ID> e=<F-EMPTY> miss=<F-MISSING> unk=<unknown-tag> <lower-f>\n"
                  "printf '%s\\n' \"M=<matches>\" \"IM=<ipmatches>\" \"IJM=<ipjailmatches>\""],
    ["actionunban", "echo unban <ip> <custom> <nested>"],
    ["actionprolong", "echo prolong <ip> <bantime>"],
    ["actionreban", ""],
    ["name", "probe"],
    ["actname", "probe"],
    ["custom", "v4val"],
    ["custom?family=inet6", "v6val"],
    ["nested", "<level1>-<name>"],
    ["level1", "L1(<level2>)"],
    ["level2", "deep"],
    ["lower-f", "<F-user>"],
    ["timeout", "5m"],
]


class _FM:
    def size(self): return 1
    def getFailTotal(self): return 7


class _BM:
    def size(self): return 2
    def getBanTotal(self): return 9


class _Filter:
    failManager = _FM()


class _JailActions:
    def __init__(self, jail):
        self._jail = jail
        self.banManager = _BM()
        self.banEpoch = 0

    def getBanTime(self):
        return JAIL_BANTIME

    def _getActionInfo(self, ticket):
        if not ticket:
            ticket = BanTicket("", MyTime.time())
        return Actions.ActionInfo(ticket, self._jail)


class _Jail:
    def __init__(self, name):
        self.name = name
        self.database = None
        self.filter = _Filter()
        self.actions = _JailActions(self)

    def __str__(self):
        return "Jail('%s')" % self.name


def make_ticket(d):
    t = BanTicket(d["id"], d["time"], matches=list(d["matches"]), data=dict(d["data"]))
    t.setAttempt(d["failures"])
    if d["bantime"] is not None:
        t.setBanTime(d["bantime"])
    t.setBanCount(d["bancount"])
    t.restored = d["restored"]
    return t


def parse_dump_line(line):
    return ast.literal_eval(line)


def action_options_from_dump(lines, jail, actname):
    opts = []
    for line in lines:
        if not line.startswith("['set', '%s', 'action', '%s'" % (jail, actname)) and \
           not line.startswith("['multi-set', '%s', 'action', '%s'" % (jail, actname)):
            continue
        cmd = parse_dump_line(line)
        if cmd[0] == "multi-set":
            opts.extend([list(x) for x in cmd[4]])
        else:
            opts.append([cmd[4], cmd[5]])
    if not opts:
        raise SystemExit("no options for %s/%s" % (jail, actname))
    return opts


def dump_tree(tree_dir, jail_local):
    tmp = tempfile.mkdtemp(prefix="j2b-golden-")
    try:
        cfg = os.path.join(tmp, "cfg")
        shutil.copytree(tree_dir, cfg)
        log = os.path.join(tmp, "x.log")
        open(log, "w").close()
        with open(os.path.join(cfg, "jail.local"), "w") as f:
            f.write(jail_local.replace("@LOG@", log))
        out = subprocess.run(["/usr/bin/fail2ban-client", "-c", cfg, "-d"], capture_output=True, text=True,
                             check=True).stdout
        return out.splitlines()
    finally:
        shutil.rmtree(tmp)


GEN_ACTIONS = [
    ("iptables-multiport", 'port="ssh,2222", protocol=tcp'),
    ("iptables-allports", "protocol=tcp"),
    ("nftables-multiport", 'port="ssh,2222", protocol=tcp'),
    ("nftables-allports", "protocol=tcp"),
    ("ufw", 'port="ssh,2222"'),
    ("hostsdeny", ""),
]


def generated_jail_local():
    s = ["[DEFAULT]", "backend = polling", ""]
    for act, args in GEN_ACTIONS:
        s += ["[j2b-%s]" % act, "enabled = true", "filter = sshd", "logpath = @LOG@",
              "action = %s[%s]" % (act, args) if args else "action = %s" % act, ""]
    return "\n".join(s)


class Recorder:
    def __init__(self, fail=None):
        self.calls = []
        self.current = None
        self.fail = fail or {}
        self.counts = {}

    def exec_cmd(self, realCmd, timeout=60, **kwargs):
        if isinstance(realCmd, list):
            script, args = realCmd[0], list(realCmd[1:])
        else:
            script, args = realCmd, []
        tag, family, ticket = self.current
        op = tag.strip("<>")
        # _invariantCheck re-runs the check text it built earlier, without a new replaceTag.
        if script and script in self.check_texts:
            op = "actioncheck"
        n = self.counts[op] = self.counts.get(op, 0) + 1
        ok = n not in self.fail.get(op, ())
        self.calls.append({"op": op, "family": family, "ticket": ticket,
                           "script": script, "args": args, "timeout": timeout, "ok": ok})
        return ok


def run_sequence(options, jailname, actname, ticket_names, fail=None, sequence=None):
    rec = Recorder(fail)
    jail = _Jail(jailname)
    act = CommandAction(jail, actname)
    for k, v in options:
        setattr(act, k, v)
    orig_replace = CommandAction.__dict__["replaceTag"]
    state = {"ticket": None}

    # Every command starts as replaceTag('<actionX>', properties, 'family=...'): remember which.
    def replace_tag(cls, query, aInfo, conditional='', addrepl=None, cache=None):
        if query.startswith("<action") and query.endswith(">") and query.count("<") == 1:
            fam = conditional[len("family="):] if conditional else ""
            rec.current = (query, fam, state["ticket"] or "empty")
        return orig_replace.__func__(cls, query, aInfo, conditional, addrepl, cache)

    CommandAction.replaceTag = classmethod(replace_tag)
    rec.check_texts = set(t for t in (act._getOperation("<actioncheck>", f) for f in ("", "inet4", "inet6")) if t)
    CommandAction.executeCmd = staticmethod(rec.exec_cmd)
    steps = []
    try:
        def step(name, fn, ticket=None):
            state["ticket"] = None
            before = len(rec.calls)
            error = None
            try:
                fn()
            except Exception as e:
                error = str(e)
            steps.append({"step": name, "ticket": ticket, "calls": list(range(before, len(rec.calls))),
                          "error": error})

        def info(name):
            t = make_ticket(TICKETS[name])
            return jail.actions._getActionInfo(t)

        def banstep(kind, name):
            state["ticket"] = name
            before = len(rec.calls)
            error = None
            try:
                getattr(act, kind)(info(name))
            except Exception as e:
                error = str(e)
            steps.append({"step": kind, "ticket": name, "calls": list(range(before, len(rec.calls))),
                          "error": error})

        if sequence is not None:
            for kind, name in sequence:
                if name is None:
                    step(kind, getattr(act, kind))
                else:
                    banstep(kind, name)
            return finish(rec, steps)

        step("start", act.start)
        for name in ticket_names:
            banstep("ban", name)
        for name in ticket_names:
            banstep("prolong", name)
        for name in ticket_names:
            banstep("unban", name)
        for name in ticket_names:
            banstep("reban", name)
        step("reload", act.reload)
        step("flush", act.flush)
        step("stop", act.stop)
    finally:
        CommandAction.replaceTag = orig_replace
    return finish(rec, steps)


def finish(rec, steps):
    for c in rec.calls:
        if c["ticket"] is None:
            c["ticket"] = "empty"
    return rec.calls, steps


def write_case(case, source, options, jailname, actname, ticket_names, fail=None, sequence=None):
    calls, steps = run_sequence(options, jailname, actname, ticket_names, fail, sequence)
    doc = {"case": case, "generator": "tools/make_goldens.py (fail2ban 1.0.2 CommandAction)",
           "now": NOW, "jailBantime": JAIL_BANTIME, "jail": jailname, "actname": actname,
           "source": source, "tickets": {n: TICKETS[n] for n in ticket_names + ["empty"] if n in TICKETS},
           "fail": fail or {}, "steps": steps, "calls": calls}
    if source.get("kind") != "compat-dump":
        doc["options"] = options
    path = os.path.join(GOLDEN, case + ".json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote %s (%d calls)" % (path, len(calls)))


def main():
    MyTime.setTime(NOW)
    DNSUtils.setIPv6IsAllowed(True)
    os.makedirs(GOLDEN, exist_ok=True)
    std_tickets = ["v4", "v6", "restored"]
    for tree, (tree_dir, dump) in TREES.items():
        with open(os.path.join(COMPAT, dump)) as f:
            lines = f.read().splitlines()
        # straight from the compat oracle dumps (the test reads the options from the same file):
        compat_cases = [("sshd", "iptables-multiport"), ("nsd", "iptables-multiport-udp")] if tree == "debian" \
            else [("sshd", "nftables"), ("nsd", "nftables-udp")]
        for jail, actname in compat_cases:
            opts = action_options_from_dump(lines, jail, actname)
            write_case("%s.compat.%s.%s" % (tree, jail, actname),
                       {"kind": "compat-dump", "dump": dump, "jail": jail, "actname": actname},
                       opts, jail, actname, std_tickets + ["hostile"])
        # actions the all-jails dumps do not use: dump a small jail.local of ours
        glines = dump_tree(os.path.join(COMPAT, tree_dir), generated_jail_local())
        for act, _ in GEN_ACTIONS:
            jail = "j2b-" + act
            opts = action_options_from_dump(glines, jail, act)
            write_case("%s.%s" % (tree, act), {"kind": "fail2ban-client-dump", "tree": tree_dir},
                       opts, jail, act, std_tickets + ["hostile"])
    write_case("probe", {"kind": "project-probe"}, PROBE_OPTIONS, "probejail", "probe",
               ["v4", "v6", "restored", "hostile"])
    # Error handling (spec 4.7): which commands run when some fail. fail = op -> failing call numbers.
    for name, extra, fail, seq in SCENARIOS:
        opts = [o for o in SCEN_OPTIONS if o[0] not in dict(extra)] + [o for o in extra if o[1] is not None]
        write_case("scenario." + name, {"kind": "project-probe"}, opts, "scen", "scen", ["v4", "v6"], fail, seq)


SCEN_OPTIONS = [
    ["actionstart", "echo start <family>"],
    ["actionstop", "echo stop <family>"],
    ["actionban", "echo ban <ip>"],
    ["actionunban", "echo unban <ip>"],
    ["actionflush", "echo flush <family>"],
    ["actioncheck", "echo check <family> <ip>"],
    ["custom?family=inet6", "x"],
]
_BAN = [("start", None), ("ban", "v4"), ("ban", "v6"), ("unban", "v4"), ("flush", None), ("stop", None)]
SCENARIOS = [
    ("nocheck-ban-fails-twice", [["actioncheck", ""]], {"actionban": [1, 2]}, _BAN),
    ("nocheck-ban-fails-once", [["actioncheck", ""]], {"actionban": [1]}, _BAN),
    ("check-ok-rerun", [], {"actionban": [1]}, _BAN),
    ("check-fails-restart", [], {"actionban": [1], "actioncheck": [1]}, _BAN),
    ("check-fails-restart-fails", [], {"actionban": [1], "actioncheck": [1, 2]}, _BAN),
    ("check-fails-repair", [["actionrepair", "echo repair <family>"]], {"actionban": [1], "actioncheck": [1]}, _BAN),
    ("repair-fails", [["actionrepair", "echo repair <family>"]], {"actionban": [1], "actioncheck": [1], "actionrepair": [1]}, _BAN),
    ("unban-check-fails", [], {"actionunban": [1], "actioncheck": [1]}, _BAN),
    ("unban-repair-on-unban", [["actionrepair_on_unban", True]], {"actionunban": [1], "actioncheck": [1]}, _BAN),
    ("start-fails", [], {"actionstart": [1]}, _BAN),
    ("flush-fails", [], {"actionflush": [1]}, _BAN + [("consistencyCheck", None)]),
    ("not-on-demand", [["actionstart_on_demand", False]], {}, _BAN),
    ("same-stop-both-families", [["actionstop", "echo stop all"]], {}, _BAN),
    ("no-families-check-after-flush-failure", [["custom?family=inet6", None]], {"actionflush": [1], "actioncheck": [1, 2, 3]},
     [("start", None), ("ban", "v4"), ("ban", "v6"), ("flush", None), ("consistencyCheck", None), ("stop", None)]),
]


if __name__ == "__main__":
    main()
