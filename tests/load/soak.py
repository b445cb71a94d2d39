#!/usr/bin/env python3
"""Soak load driver for `notbetter serve` (standard library only).

Drives one server with CONNECTIONS persistent connections for DURATION seconds: readers mix
search, browse and case pages (HTML and API); contributors post valid contributions (CSRF
cookie from GET /contribute), each from its own 127.0.0.x source address so the per-IP rate
limit (10 an hour) is never reached; reviewers log in and approve or reject pending
submissions. Then it checks the database: every accepted submission is pending, approved or
rejected, and the counts match what was sent and decided. Prints a JSON report; exit 1 when
any check fails.

usage: soak.py PORT DATA_DIR SERVER_PID DURATION CONNECTIONS MAX_RSS_MB PASSWORD
"""
import http.client
import json
import random
import re
import sqlite3
import sys
import threading
import time
import urllib.parse

PORT, DATA_DIR, PID = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
DURATION, CONNECTIONS, MAX_RSS_MB = float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
PASSWORD = sys.argv[7]
CONTRIBUTORS, REVIEWERS = 4, 2
READERS = max(1, CONNECTIONS - CONTRIBUTORS - REVIEWERS)
PER_IP = 10  # the server's default contributions per IP per hour

lock = threading.Lock()
latencies = {"read": [], "contribute": [], "review": []}
# Readers' latencies by page type (search, case, browse, clusters, and the API's).
by_page = {}
errors = []
counts = {"sent": 0, "approved": 0, "rejected": 0, "requests": 0}
stop_at = 0.0
ip_pool = iter(f"127.0.{a}.{b}" for a in range(1, 255) for b in range(1, 255))


def next_ip():
    with lock:
        return next(ip_pool)


class Client:
    """One persistent HTTP/1.1 connection from a given source address, with a cookie jar."""

    def __init__(self, kind, source="127.0.0.1"):
        self.kind, self.source, self.cookies = kind, source, {}
        self.conn = None

    def rebind(self, source):
        self.source = source
        if self.conn:
            self.conn.close()
        self.conn = None

    def request(self, method, path, form=None, expect=(200,), page=None):
        body, headers = None, {}
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", PORT, timeout=30, source_address=(self.source, 0))
            t0 = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                data = r.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                # A keep-alive connection closed by the server between requests: reconnect
                # once; a second failure is an error.
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    with lock:
                        errors.append(f"{method} {path}: {e!r}")
                    return None, b""
                continue
            except Exception as e:  # timeouts, refused connections
                self.conn.close()
                self.conn = None
                with lock:
                    errors.append(f"{method} {path}: {e!r}")
                return None, b""
            dt = time.perf_counter() - t0
            for v in r.headers.get_all("Set-Cookie") or []:
                k, _, rest = v.partition("=")
                self.cookies[k.strip()] = rest.split(";")[0]
            with lock:
                counts["requests"] += 1
                latencies[self.kind].append(dt)
                if page:
                    by_page.setdefault(page, []).append(dt)
                if r.status not in expect:
                    errors.append(f"{method} {path}: {r.status} {data[:200]!r}")
            if r.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return r.status, data
        return None, b""


def form_fields(title):
    return [
        ("title", title), ("year", "2022"), ("domains", "biology"),
        ("cause_other", "covariate shift"),
        ("use_case", "Counting cells in microscope images. In two labs."),
        ("solution", "A U-Net. Trained in one lab."),
        ("outcome", "Counts were wrong in the second lab. Often by a lot."),
        ("investigation", "Staining differed between labs. The model keyed on stain colour."),
        ("ref1", "https://example.org/cells"), ("contributor", "Soak Tester"),
        ("licence", "agree"),
    ]


def reader(ids, words, domains):
    c = Client("read")
    rnd = random.Random()
    while time.time() < stop_at:
        k = rnd.random()
        w = rnd.choice(words)
        if k < 0.30:
            page, path = "search", f"/search?q={urllib.parse.quote(w)}"
        elif k < 0.40:
            page, path = "search", f"/search?q={urllib.parse.quote(w)}&domain={rnd.choice(domains)}&sort=year"
        elif k < 0.55:
            page, path = "api_search", f"/api/v1/search?q={urllib.parse.quote(w)}&limit=20"
        elif k < 0.85:
            page, path = "case", f"/cases/{rnd.choice(ids)}"
        elif k < 0.90:
            page, path = "api_case", f"/api/v1/cases/{rnd.choice(ids)}"
        elif k < 0.95:
            page, path = "browse", f"/domains/{rnd.choice(domains)}"
        elif k < 0.97:
            page, path = "clusters", "/clusters"
        else:
            page, path = "browse", rnd.choice(["/", "/domains", "/causes", "/search"])
        c.request("GET", path, page=page)


def contributor(n):
    c = Client("contribute", next_ip())
    used = 0
    i = 0
    while time.time() < stop_at:
        if used == PER_IP:
            c.rebind(next_ip())
            c.cookies.clear()
            used = 0
        status, _ = c.request("GET", "/contribute")
        token = c.cookies.get("nb_csrf")
        if status != 200 or not token:
            continue
        i += 1
        title = f"Soak contribution {n}-{i}-{random.getrandbits(32):08x}"
        status, _ = c.request("POST", "/contribute",
                              [("csrf", token)] + form_fields(title) + [("action", "submit")],
                              expect=(303,))
        used += 1
        if status == 303:
            with lock:
                counts["sent"] += 1
        time.sleep(0.05)


def reviewer(k):
    c = Client("review", next_ip())
    status, _ = c.request("GET", "/review/login")
    status, _ = c.request("POST", "/review/login",
                          [("csrf", c.cookies.get("nb_csrf", "")), ("name", "rita"),
                           ("password", PASSWORD)], expect=(303,))
    if "nb_session" not in c.cookies:
        with lock:
            errors.append("reviewer login failed")
        return
    rnd = random.Random(k)
    while time.time() < stop_at:
        status, page = c.request("GET", "/review")
        mine = [p for p in dict.fromkeys(re.findall(rb'href="/review/([0-9a-f]{16})"', page or b""))
                if int(p[-4:], 16) % REVIEWERS == k]
        if not mine:
            time.sleep(0.2)
            continue
        for pid in mine[:5]:
            pid = pid.decode()
            c.request("GET", f"/review/{pid}")
            token = c.cookies.get("nb_csrf", "")
            if rnd.random() < 0.7:
                fields = [(k2, v) for k2, v in form_fields(f"Soak approved {pid}") if k2 != "cause_other"]
                status, _ = c.request("POST", f"/review/{pid}",
                                      [("csrf", token)] + fields +
                                      [("causes", "data/distribution-shift"), ("action", "approve")],
                                      expect=(303,))
                if status == 303:
                    with lock:
                        counts["approved"] += 1
            else:
                status, _ = c.request("POST", "/review",
                                      [("csrf", token), ("ids", pid), ("reason", "spam"),
                                       ("action", "bulk_reject")], expect=(303,))
                if status == 303:
                    with lock:
                        counts["rejected"] += 1
            if time.time() >= stop_at:
                break


def rss_mb():
    """Resident size, its peak, and its anonymous and file-backed parts, in MB. The file-backed
    part is the memory-mapped index's pages, which the kernel reclaims under pressure; the
    anonymous part is what the server itself holds."""
    status = open(f"/proc/{PID}/status").read()
    get = lambda k: int(re.search(rf"{k}:\s+(\d+) kB", status).group(1)) / 1024
    return get("VmRSS"), get("VmHWM"), get("RssAnon"), get("RssFile")


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000 if xs else 0.0


def main():
    global stop_at
    setup = Client("read")
    # Warm-up, not measured: the first pages that need the clusters wait for their computation
    # after a start.
    setup.request("GET", "/clusters")
    _, data = setup.request("GET", "/api/v1/search?q=*&limit=100")
    ids = [h["id"] for h in json.loads(data)["hits"]]
    _, data = setup.request("GET", "/api/v1/search?q=*&limit=100&page=50")
    ids += [h["id"] for h in json.loads(data)["hits"]]
    _, data = setup.request("GET", "/api/v1/domains")
    tree = json.loads(data)
    domains = sorted(set(re.findall(r'"slug":\s*"([a-z0-9/-]+)"', json.dumps(tree))))[:40] or ["healthcare"]
    words = ["shift", "leakage", "shortcut", "label noise", "\"data leakage\"", "radiology",
             "bias", "overfitting", "benchmark", "drift", "spurious", "audit", "site",
             "failure", "validation", "confound*", "model -deep", "covariate AND shift"]
    with lock:
        errors.clear()
        counts["requests"] = 0
        for v in latencies.values():
            v.clear()
        by_page.clear()
    rss_start = rss_mb()[0]
    t0 = time.time()
    stop_at = t0 + DURATION
    threads = [threading.Thread(target=reader, args=(ids, words, domains)) for _ in range(READERS)]
    threads += [threading.Thread(target=contributor, args=(n,)) for n in range(CONTRIBUTORS)]
    threads += [threading.Thread(target=reviewer, args=(k,)) for k in range(REVIEWERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    rss, hwm, anon, file_backed = rss_mb()

    db = sqlite3.connect(f"file:{DATA_DIR}/notbetter.sqlite?mode=ro", uri=True)
    by_status = dict(db.execute("SELECT status, count(*) FROM submissions GROUP BY status").fetchall())
    pending, approved, rejected = (by_status.get(s, 0) for s in ("pending", "approved", "rejected"))
    soak_cases = db.execute("SELECT count(*) FROM cases WHERE id LIKE 'soak-approved-%'").fetchone()[0]
    all_lat = [x for v in latencies.values() for x in v]
    report = {
        "duration_s": round(elapsed, 1),
        "connections": READERS + CONTRIBUTORS + REVIEWERS,
        "requests": counts["requests"],
        "requests_per_s": round(counts["requests"] / elapsed, 1),
        "p50_ms": round(pct(all_lat, 0.50), 1),
        "p99_ms": round(pct(all_lat, 0.99), 1),
        "p99_read_ms": round(pct(latencies["read"], 0.99), 1),
        "p99_contribute_ms": round(pct(latencies["contribute"], 0.99), 1),
        "p99_review_ms": round(pct(latencies["review"], 0.99), 1),
        "p99_by_page_ms": {k: round(pct(v, 0.99), 1) for k, v in sorted(by_page.items())},
        "requests_by_page": {k: len(v) for k, v in sorted(by_page.items())},
        "max_ms": round(max(all_lat) * 1000, 1) if all_lat else 0,
        "errors": len(errors),
        "submissions_sent": counts["sent"],
        "approved_sent": counts["approved"],
        "rejected_sent": counts["rejected"],
        "db_pending": pending, "db_approved": approved, "db_rejected": rejected,
        "approved_cases_in_db": soak_cases,
        "rss_start_mb": round(rss_start), "rss_end_mb": round(rss), "rss_peak_mb": round(hwm),
        "rss_end_anon_mb": round(anon), "rss_end_file_mb": round(file_backed),
        "max_rss_mb": MAX_RSS_MB,
    }
    print(json.dumps(report, indent=2))
    failures = []
    if errors:
        failures.append(f"{len(errors)} errors, e.g. " + "; ".join(errors[:5]))
    if pending + approved + rejected != counts["sent"]:
        failures.append(f"submissions: pending {pending} + approved {approved} + rejected {rejected} != sent {counts['sent']}")
    if approved != counts["approved"] or rejected != counts["rejected"]:
        failures.append(f"decisions: db {approved}/{rejected} != made {counts['approved']}/{counts['rejected']}")
    if soak_cases != counts["approved"]:
        failures.append(f"approved cases in the store {soak_cases} != approvals {counts['approved']}")
    if counts["sent"] == 0 or counts["approved"] == 0:
        failures.append("no contributions or approvals went through")
    if anon > MAX_RSS_MB:
        failures.append(f"server anonymous RSS {anon:.0f} MB > {MAX_RSS_MB} MB")
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
