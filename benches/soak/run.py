#!/usr/bin/env python3
"""Soak: the release binary under 256 connections for 10 minutes over a mix of pages (project
list, editor, results, dashboard), failed sign-ins and refused CSRF posts. Reports answers by
status class (server errors must be 0), the server's RSS over time (it must stay flat) and
whether the audit chain verifies afterwards. See docs/PERFORMANCE.md.

    cargo build --release && python3 benches/soak/run.py [--minutes 10] [--database-url postgres://...]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, "..", "load"))
sys.path.insert(0, os.path.join(ROOT, "tests", "sc"))
import run as load  # noqa: E402  (the load script's browser, sign-up and simulation helpers)

load.PIN = False  # the whole machine: two server workers, wrk beside them


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "ampflux"))
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--connections", type=int, default=256)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--port", type=int, default=18090)
    ap.add_argument("--only", default="",
                    help="numbers of the mix's requests to send (1 list, 2 editor, 3 results, "
                         "4 dashboard, 5 failed sign-in, 6 refused CSRF post), e.g. 1,2,3,4")
    a = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed (apt-get install wrk)")
    data_dir = tempfile.mkdtemp(prefix="ampflux-soak-")
    if a.database_url:
        subprocess.run(["psql", a.database_url, "-qc",
                        "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"], check=True)
    proc, base = load.start_server(a.binary, data_dir, a.port, a.database_url)
    try:
        b = load.Browser(base)
        load.sign_up(b, data_dir)
        b.get("/projects/new")
        status, body, hdrs = b.post_multipart("/projects", {
            "name": "Soak substation", "description": "soak", "start": "example",
            "example": "substation"})
        load.expect(status, 303, "create project", body)
        pid = int(hdrs["Location"].rsplit("/", 1)[1])
        sid, _ = load.run_simulation(b, pid)
        anon = load.Browser(base)
        anon.get("/login")
        samples = []
        stop = threading.Event()

        def sample():
            t0 = time.time()
            while not stop.is_set():
                samples.append((time.time() - t0, rss_mib(proc.pid)))
                stop.wait(10)

        sampler = threading.Thread(target=sample)
        sampler.start()
        seconds = int(a.minutes * 60)
        out = subprocess.run(
            ["wrk", "-t2", "-c%d" % a.connections, "-d%ds" % seconds, "--timeout", "10s", "--latency",
             "-s", os.path.join(HERE, "mix.lua"), base, "--",
             b.cookie_header(), anon.cookie_header(), anon.csrf, str(pid), str(sid), a.only],
            capture_output=True, text=True, check=True).stdout
        stop.set()
        sampler.join()
        rss_after = rss_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait()
    status = re.search(r"STATUS (.*)", out).group(1)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
    lat = dict(re.findall(r"^\s+(50|90|99)%\s+([\d.]+\w+)", out, re.M))
    env = dict(os.environ, AMPFLUX_DATA_DIR=data_dir, AMPFLUX_LOG="warn")
    if a.database_url:
        env["DATABASE_URL"] = a.database_url
    verify = subprocess.run([a.binary, "audit", "verify"], env=env, capture_output=True, text=True)
    first = [r for t, r in samples if t < 60]
    last = [r for t, r in samples if t >= seconds - 60]
    print("database: %s" % ("PostgreSQL" if a.database_url else "SQLite"))
    print("%d connections, %d s: %s requests/s, p50 %s, p90 %s, p99 %s" %
          (a.connections, seconds, rps, lat.get("50"), lat.get("90"), lat.get("99")))
    print("answers: %s" % status)
    print("RSS MiB: first minute %s, last minute %s, max %d, after %d" %
          (first, last, max(r for _, r in samples), rss_after))
    print("audit verify: exit %d: %s" % (verify.returncode, (verify.stdout + verify.stderr).strip()))
    shutil.rmtree(data_dir, ignore_errors=True)
    failed = " 5xx=0 " not in status + " " or verify.returncode != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
