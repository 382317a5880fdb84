# Test-only bridge to the installed fail2ban (the oracle): resolves filter options with fail2ban's own
# FilterReader and finds dates with its DateDetector, until the project's config reader and date detector
# land. Reads a JSON request on stdin, writes a JSON answer on stdout.
import json, os, re, sys, time
os.environ["TZ"] = "CET-01CEST-02,M3.5.0,M10.5.0"
time.tzset()
from fail2ban.client.filterreader import FilterReader
from fail2ban.server.datedetector import DateDetector
from fail2ban.server.mytime import MyTime

req = json.load(sys.stdin)
MyTime.setTime(req["now"])
out = {"instances": {}, "dates": {}}
for inst in req["instances"]:
    r = FilterReader(inst["name"], "jail", inst["opts"], share_config={}, basedir=inst["confdir"])
    res = {"error": None, "prefregex": None, "maxlines": 1, "failregex": [], "ignoreregex": [], "datepattern": None}
    try:
        if not r.read():
            raise Exception("cannot read filter")
        r.getOptions({})
        for c in r.convert():
            if c[0] == "multi-set":
                vals = c[3]
            elif c[0] == "set":
                vals = c[3:]
            else:
                continue
            k = c[2]
            if k == "prefregex": res["prefregex"] = vals[0]
            elif k == "maxlines": res["maxlines"] = int(vals[0])
            elif k == "addfailregex": res["failregex"] += list(vals)
            elif k == "addignoreregex": res["ignoreregex"] += list(vals)
            elif k == "datepattern":
                p = vals[0]
                res["datepattern"] = list(filter(bool, map(str.strip, re.split("\n+", p)))) if p else []
    except Exception as e:
        res["error"] = str(e)
    out["instances"][inst["key"]] = res

for dp in req["datepatterns"]:
    key = json.dumps(dp)
    result = {}
    for path in req["files"]:
        dd = DateDetector()
        if dp:
            for p in dp: dd.appendTemplate(p)
        with open(path, encoding="utf-8") as f:
            for line in f.read().split("\n"):
                line = line.rstrip("\r\n")
                if not line.strip() or line in result: continue
                tm = dd.matchTime(line)
                m = tm[0]
                if not m:
                    result[line] = None
                    continue
                s, e = m.start(1), m.end(1)
                t = None
                if line[s:e]:
                    d = dd.getTime(line[s:e], tm)
                    t = d[0] if d is not None else None
                result[line] = [s, e, t]
    out["dates"][key] = result
json.dump(out, sys.stdout)
