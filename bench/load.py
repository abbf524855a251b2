"""Load test: N concurrent users against one or more running Lihui servers.

    .venv/bin/python bench/load.py --base http://127.0.0.1:8000 [--base ...] --users 50 --duration 60

Each user is a thread with its own connection and cookies (stdlib http.client, keep-alive),
signed in as a demo user (rotating over the demo team; password lihui-demo). Users are spread
round robin over the --base URLs. Then, for --duration seconds, each user loops a weighted mix:

    dashboard 30%   GET /
    meeting   20%   GET /meetings/<id>/            (a meeting from the user's dashboard)
    search    10%   GET /search/?q=退货 (and a few other words)
    action    10%   POST /actions/<id>/  do=comment or do=status (an action the user may update)
    board     10%   GET /actions/  (my actions; every other time ?all=1)
    notes     15%   POST /items/<id>/notes/  text + the revision the client last saw
    next       5%   POST /meetings/<id>/live/go/  expected=<current> step=±1 (the chair)

Before the clock starts, the chairs (zhouyun, lina) start one meeting each with the live
start endpoint; notes and "next" go to those live meetings, sent by a second session of the
same thread signed in as that meeting's chair when the thread's own user may not take notes
there. Notes autosave works like the browser: the revision comes from the live page, then
from each save's answer; a 409 (someone else saved meanwhile) is an expected outcome, counted
under "conflicts" and not as an error, and the client continues from the server's revision.

Errors: 5xx, connection errors/timeouts, any "database is locked" in a body, and any other
unexpected status (403, 404, 422, ...). Redirects are not followed (a POST's 302 is its
success). --think adds a random pause (uniform 0..2×think seconds) between a user's
requests; 0 means every user fires again as soon as the answer arrives.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from http.cookies import SimpleCookie

PASSWORD = "lihui-demo"
USERS = [
    "zhouyun", "lina", "wangqiang", "chenjing", "zhaolei", "liuyang", "sunli",
    "yangfan", "huangmin", "wuhao", "zhengshuang", "hewei", "linfang", "gaoxin",
]
CHAIRS = ["zhouyun", "lina"]
MIX = [("dashboard", 30), ("meeting", 20), ("search", 10), ("action", 10), ("notes", 15), ("next", 5), ("board", 10)]
SEARCH_TERMS = ["退货", "客服", "物流", "投诉", "库存", "退货 时效"]
TIMEOUT = 30.0


class Client:
    """One browser: a keep-alive connection and a cookie jar."""

    def __init__(self, base: str):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port or 80
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}
        self.username = ""

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None) -> tuple[int, bytes]:
        h = {"Host": f"{self.host}:{self.port}", "User-Agent": "lihui-load/1"}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
            h["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        h.update(headers or {})
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
            try:
                self.conn.request(method, path, body=body, headers=h)
                resp = self.conn.getresponse()
                data = resp.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                # The server closed an idle keep-alive connection: reconnect once, as a browser does.
                self.conn.close()
                self.conn = None
                if attempt == 0 and isinstance(exc, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)):
                    continue
                raise
            except Exception:
                self.conn.close()
                self.conn = None
                raise
            for header, value in resp.getheaders():
                if header.lower() == "set-cookie":
                    c = SimpleCookie()
                    c.load(value)
                    for k, morsel in c.items():
                        self.cookies[k] = morsel.value
            if resp.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return resp.status, data
        raise RuntimeError("unreachable")

    def login(self, username: str) -> None:
        status, _ = self.request("GET", "/login/")
        status, body = self.request("POST", "/login/", {
            "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), "username": username, "password": PASSWORD, "next": "/",
        })
        if status != 302:
            raise RuntimeError(f"login as {username} failed: {status} {body[:300]!r}")
        self.username = username


def ids(pattern: str, html: bytes) -> list[int]:
    return sorted({int(m) for m in re.findall(pattern, html.decode("utf-8", "replace"))})


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.lat: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.conflicts: dict[str, int] = defaultdict(int)
        self.statuses: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.samples: list[str] = []
        self.locked = 0

    def add(self, kind: str, ms: float, status: str, error: bool, conflict: bool, sample: str | None = None, locked: bool = False):
        with self.lock:
            self.lat[kind].append(ms)
            self.statuses[kind][status] += 1
            if error:
                self.errors[kind] += 1
                if sample and len(self.samples) < 12:
                    self.samples.append(sample)
            if conflict:
                self.conflicts[kind] += 1
            if locked:
                self.locked += 1


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


class User(threading.Thread):
    def __init__(self, n: int, base: str, live: list[dict], stats: Stats, args, start_evt: threading.Event, stop_at: list[float]):
        super().__init__(daemon=True)
        self.n, self.base, self.live, self.stats, self.args = n, base, live, stats, args
        self.start_evt, self.stop_at = start_evt, stop_at
        self.rng = random.Random(n)
        self.username = USERS[n % len(USERS)]
        self.main = Client(base)
        self.editors: dict[str, Client] = {}
        self.meetings: list[int] = []
        self.actions: list[int] = []
        self.revisions: dict[int, int] = {}
        self.current: dict[int, int | None] = {}
        self.direction: dict[int, int] = {}
        self.ready = False
        self.setup_error = ""

    def editor(self, chair: str) -> Client:
        if chair == self.username:
            return self.main
        if chair not in self.editors:
            c = Client(self.base)
            c.login(chair)
            self.editors[chair] = c
        return self.editors[chair]

    def setup(self):
        self.main.login(self.username)
        _, html = self.main.request("GET", "/")
        self.meetings = ids(r'href="/meetings/(\d+)/"', html)
        _, html = self.main.request("GET", "/actions/")
        self.actions = ids(r'href="/actions/(\d+)/"', html)
        for m in self.live:
            c = self.editor(m["chair"])
            _, html = c.request("GET", f"/meetings/{m['id']}/live/")
            for item, rev in re.findall(r'data-item="(\d+)" data-revision="(\d+)"', html.decode("utf-8", "replace")):
                self.revisions[int(item)] = int(rev)
            self.current[m["id"]] = m["current"]
            self.direction[m["id"]] = 1

    def run(self):
        try:
            self.setup()
            self.ready = True
        except Exception as exc:  # noqa: BLE001
            self.setup_error = f"user {self.n} ({self.username}@{self.base}): {exc!r}"
            return
        self.start_evt.wait()
        kinds, weights = zip(*MIX)
        while time.monotonic() < self.stop_at[0]:
            kind = self.rng.choices(kinds, weights)[0]
            self.one(kind)
            if self.args.think > 0:
                time.sleep(self.rng.uniform(0, 2 * self.args.think))

    def one(self, kind: str):
        rng = self.rng
        client = self.main
        form = None
        headers = None
        method = "GET"
        expect = (200,)
        meeting = item = None
        if kind == "dashboard":
            path = "/"
        elif kind == "meeting":
            if self.meetings:
                path = f"/meetings/{rng.choice(self.meetings)}/"
            else:  # in no series: nothing on the dashboard; the chair opens the live meeting's page
                m = rng.choice(self.live)
                client = self.editor(m["chair"])
                path = f"/meetings/{m['id']}/"
        elif kind == "search":
            path = "/search/?q=" + urllib.parse.quote(rng.choice(SEARCH_TERMS))
        elif kind == "board":
            path = "/actions/" + ("?all=1" if rng.random() < 0.5 else "")
        elif kind == "action":
            if self.actions:
                pk = rng.choice(self.actions)
            else:  # nothing of one's own to update: the chair updates one of the series' actions
                client = self.editor(self.live[0]["chair"])
                pk = rng.choice(self.live[0]["actions"]) if self.live[0]["actions"] else None
                if pk is None:
                    return
            method, path, expect = "POST", f"/actions/{pk}/", (302,)
            if rng.random() < 0.5:
                form = {"do": "comment", "text": f"负载测试进展 {self.n}-{time.monotonic():.3f}"}
            else:
                form = {"do": "status", "status": rng.choice(["open", "in_progress"]), "comment": "负载测试"}
        elif kind == "notes":
            m = rng.choice(self.live)
            meeting, item = m["id"], rng.choice(m["items"])
            client = self.editor(m["chair"])
            method, path, expect = "POST", f"/items/{item}/notes/", (200,)
            headers = {"Accept": "application/json"}
            form = {"text": f"纪要草稿 用户{self.n} {time.monotonic():.3f}\n退货率讨论，物流时效。", "revision": str(self.revisions.get(item, 0))}
        elif kind == "next":
            m = rng.choice(self.live)
            meeting = m["id"]
            client = self.editor(m["chair"])
            cur = self.current.get(meeting)
            items = m["items"]
            d = self.direction[meeting]
            if cur in items:
                i = items.index(cur)
                if i + d >= len(items) or i + d < 0:
                    d = -d
                    self.direction[meeting] = d
            method, path, expect = "POST", f"/meetings/{meeting}/live/go/", (200,)
            headers = {"Accept": "application/json"}
            form = {"expected": "" if cur is None else str(cur), "step": str(d)}
        else:
            raise ValueError(kind)

        t0 = time.perf_counter()
        try:
            status, body = client.request(method, path, form, headers)
        except Exception as exc:  # noqa: BLE001
            ms = (time.perf_counter() - t0) * 1000
            self.stats.add(kind, ms, type(exc).__name__, True, False, f"{kind} {method} {path} on {self.base}: {exc!r}")
            return
        ms = (time.perf_counter() - t0) * 1000
        locked = b"database is locked" in body
        conflict = kind == "notes" and status == 409
        if kind == "notes":
            try:
                data = json.loads(body)
                rev = data.get("revision", data.get("server_revision"))
                if rev is not None:
                    self.revisions[item] = int(rev)
            except ValueError:
                pass
        if kind == "next" and status == 200:
            try:
                self.current[meeting] = json.loads(body).get("current")
            except ValueError:
                pass
        error = locked or (status not in expect and not conflict)
        sample = None
        if error:
            sample = f"{kind} {method} {path} on {self.base} as {client.username}: {status} {body[:400].decode('utf-8', 'replace')!r}"
        self.stats.add(kind, ms, str(status), error, conflict, sample, locked)


def prepare_live(base: str) -> list[dict]:
    """Each chair starts (or finds running) one meeting of theirs; returns its items."""
    live = []
    for chair in CHAIRS:
        c = Client(base)
        c.login(chair)
        _, html = c.request("GET", "/")
        # the dashboard's meetings first, then each series' meetings (a series page lists them)
        groups = [ids(r'href="/meetings/(\d+)/"', html)]
        _, html = c.request("GET", "/series/")
        for spk in ids(r'href="/series/(\d+)/"', html):
            _, page = c.request("GET", f"/series/{spk}/")
            groups.append(ids(r'href="/meetings/(\d+)/"', page))
        candidates = [pk for g in groups for pk in g]
        chosen = None
        tried: set[int] = set()
        for group in groups:
            for pk in group:
                if pk in tried or any(m["id"] == pk for m in live):
                    continue
                tried.add(pk)
                status, body = c.request("POST", f"/meetings/{pk}/live/start/", {}, {"Accept": "application/json"})
                if status == 403:
                    break  # not this chair's series
                if status != 200:
                    continue  # held or cancelled: only a planned meeting starts
                state = json.loads(body)
                if state.get("ended"):
                    continue
                chosen = {"id": pk, "chair": chair, "items": [i["id"] for i in state["items"]], "current": state["current"]}
                break
            if chosen:
                break
        if chosen is None or not chosen["items"]:
            print(f"warning: {chair} could not start a meeting among {candidates}", file=sys.stderr)
            continue
        _, html = c.request("GET", "/actions/?all=1")
        chosen["actions"] = []
        for pk in ids(r'href="/actions/(\d+)/"', html)[:40]:  # the ones this chair may update (the form is shown)
            status, page = c.request("GET", f"/actions/{pk}/")
            if status == 200 and b'name="do"' in page:
                chosen["actions"].append(pk)
        live.append(chosen)
    if not live:
        sys.exit("no live meeting could be started: is the demo loaded?")
    return live


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", action="append", help="server URL; repeat to spread users over several (round robin)")
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--think", type=float, default=1.0, help="mean pause between a user's requests, seconds (0: none)")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    bases = [b.rstrip("/") for b in (args.base or ["http://127.0.0.1:8000"])]

    live = prepare_live(bases[0])
    stats = Stats()
    start_evt = threading.Event()
    stop_at = [0.0]
    users = [User(n, bases[n % len(bases)], live, stats, args, start_evt, stop_at) for n in range(args.users)]
    print(f"signing in {args.users} users on {', '.join(bases)}; live meetings: "
          + ", ".join(f"{m['id']} (chair {m['chair']}, {len(m['items'])} items)" for m in live), flush=True)
    t_setup = time.monotonic()
    for u in users:
        u.start()
    while any(u.is_alive() and not u.ready and not u.setup_error for u in users):
        time.sleep(0.05)
    failed = [u.setup_error for u in users if u.setup_error]
    for f in failed[:5]:
        print("setup failed:", f, file=sys.stderr)
    print(f"setup took {time.monotonic() - t_setup:.1f} s; {len(users) - len(failed)} users ready; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; running {args.duration:.0f} s (think {args.think} s) ...", flush=True)
    t0 = time.monotonic()
    stop_at[0] = t0 + args.duration
    start_evt.set()
    for u in users:
        u.join()
    elapsed = time.monotonic() - t0

    rows = []
    all_lat: list[float] = []
    total_err = total_conf = 0
    for kind, _w in MIX:
        lat = stats.lat.get(kind, [])
        all_lat += lat
        total_err += stats.errors[kind]
        total_conf += stats.conflicts[kind]
        rows.append((kind, len(lat), stats.errors[kind], stats.conflicts[kind], len(lat) / elapsed,
                     statistics.median(lat) if lat else 0, pct(lat, 95), max(lat) if lat else 0))
    rows.append(("overall", len(all_lat), total_err, total_conf, len(all_lat) / elapsed,
                 statistics.median(all_lat) if all_lat else 0, pct(all_lat, 95), max(all_lat) if all_lat else 0))
    header = f"{'kind':<10} {'requests':>8} {'errors':>6} {'409s':>5} {'req/s':>7} {'median ms':>9} {'p95 ms':>8} {'max ms':>8}"
    print()
    print(f"{args.users} users, {elapsed:.1f} s, think {args.think} s, {len(bases)} base URL(s): {' '.join(bases)}")
    print(header)
    print("-" * len(header))
    for r in rows:
        if r[0] == "overall":
            print("-" * len(header))
        print(f"{r[0]:<10} {r[1]:>8} {r[2]:>6} {r[3]:>5} {r[4]:>7.1f} {r[5]:>9.0f} {r[6]:>8.0f} {r[7]:>8.0f}")
    print(f"'database is locked' in bodies: {stats.locked}; load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    odd = {k: dict(v) for k, v in stats.statuses.items() if set(v) - {"200", "302", "409"}}
    if odd:
        print("statuses:", json.dumps(odd, sort_keys=True))
    for s in stats.samples[:8]:
        print("error:", s)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"users": args.users, "duration": elapsed, "bases": bases, "think": args.think,
                       "rows": rows, "statuses": {k: dict(v) for k, v in stats.statuses.items()},
                       "samples": stats.samples, "locked": stats.locked}, f, ensure_ascii=False, indent=1)
    return 1 if total_err or failed else 0


if __name__ == "__main__":
    sys.exit(main())
