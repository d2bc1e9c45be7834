#!/usr/bin/env python3
"""Load figures for docs/PERFORMANCE.md: the project list with 1,000 projects, the results page of
a 1,000-bus simulation, and a trivial handler (/health/live) measured in the same run, with wrk;
plus the time from "Run simulation" to results shown for a 1,000-bus circuit.

Usage (from the repository root):
    cargo build --release && python3 benches/load/run.py [--connections 64] [--duration 10]
        [--database-url postgres://postgres@127.0.0.1:5432/ampflux_load] [--circuit-pages]
        [--perf DIR]

It starts target/release/ampflux on a fresh data folder (SQLite unless --database-url is given;
a PostgreSQL database named there is dropped and created again), signs up a company through the
pages (reading the verification mail from the mail folder), creates 1,000 projects and a project
with a synthetic 1,000-bus meshed circuit (the generator of src/sc/synthetic.rs, as ported in
tests/sc/compare_timing.py), then measures. The server is pinned to core 0 and wrk to core 1
(taskset), so each has one core of this 2-core machine.
"""
import argparse
import glob
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import http.cookiejar

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "sc"))
from compare_timing import network  # noqa: E402  (the synthetic generator, no pandapower needed)

PASSWORD = "tidal wave over ohm 7"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies, CSRF token from the last page, no automatic redirects."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.csrf = None

    def request(self, method, path, data=None, headers=None):
        headers = dict(headers or {})
        headers.setdefault("Origin", self.base)
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(req) as res:
                body, status, hdrs = res.read().decode(), res.status, res.headers
        except urllib.error.HTTPError as e:
            body, status, hdrs = e.read().decode(), e.code, e.headers
        m = re.search(r'name="csrf_token" value="([^"]+)"', body)
        if m:
            self.csrf = m.group(1)
        return status, body, hdrs

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields):
        fields = dict(fields, csrf_token=self.csrf)
        data = urllib.parse.urlencode(fields).encode()
        return self.request("POST", path, data, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_multipart(self, path, fields, file=None):
        boundary = "----ampfluxload"
        parts = []
        for k, v in fields.items():
            parts.append('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, k, v))
        if file:
            name, content = file
            parts.append('--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n'
                         'Content-Type: application/json\r\n\r\n%s\r\n' % (boundary, name, content))
        parts.append("--%s--\r\n" % boundary)
        query = urllib.parse.urlencode({"csrf_token": self.csrf})
        return self.request("POST", "%s?%s" % (path, query), "".join(parts).encode(),
                            {"Content-Type": "multipart/form-data; boundary=%s" % boundary})

    def cookie_header(self):
        return "; ".join("%s=%s" % (c.name, c.value) for c in self.jar)


def expect(status, wanted, what, body=""):
    if status != wanted:
        sys.exit("%s: HTTP %s (expected %s)\n%s" % (what, status, wanted, body[:2000]))


PIN = True  # --no-pin: server (two workers) and wrk share both cores


def pinned(core, command):
    return (["taskset", "-c", str(core)] if PIN else []) + command


def start_server(binary, data_dir, port, database_url):
    env = dict(os.environ)
    env.update({
        "AMPFLUX_BIND": "127.0.0.1:%d" % port,
        "AMPFLUX_DATA_DIR": data_dir,
        "AMPFLUX_LOG": "warn",
        "AMPFLUX_WORKERS": "1" if PIN else "2",
    })
    if database_url:
        env["DATABASE_URL"] = database_url
    proc = subprocess.Popen(pinned(0, [binary, "serve"]), env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = "http://127.0.0.1:%d" % port
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/health/ready").read()
            return proc, base
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("the server did not start")


def sign_up(b, data_dir):
    b.get("/register")
    status, body, _ = b.post("/register", {
        "company_name": "Load Test Power", "name": "Load Tester", "username": "load-admin",
        "email": "load@example.com", "password": PASSWORD})
    expect(status, 303, "register", body)
    mails = []
    for _ in range(100):  # the mail is written right after the answer
        mails = sorted(glob.glob(os.path.join(data_dir, "mail", "*.eml")))
        if mails:
            break
        time.sleep(0.05)
    text = open(mails[-1]).read().replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
    link = re.search(r"/verify-email/[A-Za-z0-9_\-]+", text).group(0)
    expect(b.get(link)[0], 200, "verify")
    b.get("/login")
    status, body, _ = b.post("/login", {"login": "load@example.com", "password": PASSWORD})
    expect(status, 303, "login", body)
    expect(b.get("/")[0], 200, "dashboard")


def raise_license(database_url, data_dir, projects):
    """The trial license allows 10 projects: raise its max_projects as a platform admin would
    (there is no platform page for it yet), straight in the database."""
    sql = "UPDATE licenses SET max_projects = %d" % projects
    if database_url:
        subprocess.run(["psql", database_url, "-qc", sql], check=True)
    else:
        import sqlite3
        db = sqlite3.connect(os.path.join(data_dir, "ampflux.db"))
        db.execute(sql)
        db.commit()
        db.close()


def create_project(b, name, start, file=None):
    b.get("/projects/new")
    status, body, hdrs = b.post_multipart("/projects", {"name": name, "description": "load test", "start": start}, file)
    expect(status, 303, "create project " + name, body)
    return int(hdrs["Location"].rsplit("/", 1)[1])


def run_simulation(b, project_id):
    """POST the run form and poll the status fragment as the page does; returns (id, seconds)."""
    status, body, _ = b.get("/projects/%d/simulations/new" % project_id)
    expect(status, 200, "simulation form", body)
    fields = {}
    for m in re.finditer(r'<(input|select)[^>]*name="([^"]+)"[^>]*>', body):
        tag = m.group(0)
        v = re.search(r'value="([^"]*)"', tag)
        if m.group(1) == "input" and 'type="checkbox"' in tag and "checked" not in tag:
            continue
        if m.group(1) == "input" and 'type="radio"' in tag and "checked" not in tag:
            continue
        fields.setdefault(m.group(2), v.group(1) if v else "")
    for m in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, re.S):
        sel = re.search(r'<option value="([^"]*)"[^>]*selected', m.group(2)) or re.search(r'<option value="([^"]*)"', m.group(2))
        if sel:
            fields[m.group(1)] = sel.group(1)
    fields.pop("csrf_token", None)
    t0 = time.perf_counter()
    status, body, hdrs = b.post("/projects/%d/simulations" % project_id, fields)
    expect(status, 303, "run simulation", body)
    path = hdrs["Location"]
    sim_id = int(path.rsplit("/", 1)[1])
    # As the browser does: follow the redirect, then poll the status fragment with the delay
    # the page asks for until it comes back without a trigger (results or error shown).
    status, body, _ = b.get(path)
    expect(status, 200, "results page", body)
    while True:
        poll = re.search(r'id="sim-live"[^>]*hx-trigger="load delay:(\d+)ms"', body)
        if not poll:
            break
        time.sleep(int(poll.group(1)) / 1000)
        status, body, _ = b.request("GET", path + "/status", headers={"HX-Request": "true"})
        expect(status, 200, "status fragment", body)
    elapsed = time.perf_counter() - t0
    if "The simulation failed" in body:
        sys.exit("the simulation failed:\n" + body[:3000])
    return sim_id, elapsed


def time_circuit_pages(b, runs=5):
    """Median time of one request (nothing else running) for the pages that validate, tabulate
    and draw a whole circuit, on synthetic meshed circuits of 1,000 and 10,000 buses."""
    print()
    print("| buses | page | median of %d | size |" % runs)
    print("|---|---|---|---|")
    for buses in (1000, 10000):
        circuit = json.dumps(network(buses, True, 7))
        pid = create_project(b, "Pages %d buses" % buses, "upload", ("synthetic.json", circuit))
        pages = [("editor (own draft)", "/projects/%d/editor" % pid),
                 ("version 1, read-only", "/projects/%d/versions/1" % pid),
                 ("diff version 1 to draft", "/projects/%d/diff?from=1&to=draft" % pid),
                 ("project overview", "/projects/%d" % pid)]
        for label, path in pages:
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                status, body, _ = b.get(path)
                times.append(time.perf_counter() - t0)
                expect(status, 200, label, body)
            print("| %d | %s | %.1f ms | %d KB |" % (buses, label, statistics.median(times) * 1000, len(body) // 1024))


def wrk(url, cookie, connections, duration):
    out = subprocess.run(
        pinned(1, ["wrk", "-t1", "-c%d" % connections, "-d%ds" % duration, "--latency",
         "-H", "Cookie: " + cookie, url]),
        capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, lat, int(errors.group(1)) if errors else 0, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "ampflux"))
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--projects", type=int, default=1000)
    ap.add_argument("--buses", type=int, default=1000)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--port", type=int, default=18080)
    ap.add_argument("--no-simulation", action="store_true", help="only the project list and the trivial handler")
    ap.add_argument("--no-pin", action="store_true",
                    help="do not pin: the server (two workers) and wrk share both cores")
    ap.add_argument("--circuit-pages", action="store_true",
                    help="also time single requests of the editor, version and diff pages of 1,000- and 10,000-bus circuits")
    ap.add_argument("--perf", metavar="DIR", help="also record a `perf` profile of the server during each page's run into DIR")
    args = ap.parse_args()
    global PIN
    PIN = not args.no_pin
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    if args.database_url and args.database_url.startswith("postgres"):
        admin_url, name = args.database_url.rsplit("/", 1)
        subprocess.run(["psql", admin_url + "/postgres", "-qc", 'DROP DATABASE IF EXISTS "%s"' % name], check=True)
        subprocess.run(["psql", admin_url + "/postgres", "-qc", 'CREATE DATABASE "%s"' % name], check=True)

    data_dir = tempfile.mkdtemp(prefix="ampflux-load-")
    proc, base = start_server(args.binary, data_dir, args.port, args.database_url)
    try:
        b = Browser(base)
        sign_up(b, data_dir)
        raise_license(args.database_url, data_dir, args.projects + 10)
        t0 = time.perf_counter()
        for i in range(args.projects):
            create_project(b, "Load project %04d" % i, "empty")
        seed_s = time.perf_counter() - t0
        pages = [("/health/live (trivial handler)", "/health/live"),
                 ("/projects (%d projects, first page of 25)" % args.projects, "/projects")]
        print("database: %s" % ("PostgreSQL" if args.database_url else "SQLite"))
        print("seeded %d projects through the pages in %.1f s" % (args.projects, seed_s))
        if not args.no_simulation:
            circuit = network(args.buses, True, 42)
            big = create_project(b, "Meshed %d buses" % args.buses, "upload", ("synthetic.json", json.dumps(circuit)))
            runs = [run_simulation(b, big) for _ in range(5)]
            sim_id = runs[-1][0]
            click_to_results = sorted(s for _, s in runs)
            print("%d-bus simulation, click to results shown (5 runs): median %.0f ms, max %.0f ms"
                  % (args.buses, statistics.median(click_to_results) * 1000, click_to_results[-1] * 1000))
            pages.append(("/simulations/%d (%d-bus results)" % (sim_id, args.buses), "/simulations/%d" % sim_id))
        if args.circuit_pages:
            time_circuit_pages(b)
        cookie = b.cookie_header()
        print()
        print("| page | requests/s | p50 | p90 | p99 | non-2xx |")
        print("|---|---|---|---|---|---|")
        for n, (label, path) in enumerate(pages):
            recorder = None
            if args.perf:
                os.makedirs(args.perf, exist_ok=True)
                recorder = subprocess.Popen(
                    ["perf", "record", "-g", "-p", str(proc.pid), "-o", os.path.join(args.perf, "page%d.data" % n)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            rps, lat, errors, _ = wrk(base + path, cookie, args.connections, args.duration)
            if recorder:
                recorder.send_signal(signal.SIGINT)
                recorder.wait()
            print("| %s | %.0f | %s | %s | %s | %d |" % (label, rps, lat.get("50"), lat.get("90"), lat.get("99"), errors))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
