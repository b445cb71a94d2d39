#!/usr/bin/env python3
"""Approval throughput over HTTP, on one node or spread over several (standard library only).

Each client logs in as reviewer `rita` on its node, contributes PER_CLIENT submissions through
that node, then, once every client is ready, approves them one by one (the reviewer's form,
`action=approve`: one store transaction writing the case, then the node's index catching up).
Prints a JSON report: approvals, seconds of the timed phase, approvals per second. Exit 1 on
any unexpected status.

usage: approvals.py PORTS PASSWORD PER_CLIENT CLIENTS_PER_PORT TAG
  PORTS: comma-separated ports of the nodes, e.g. 8081,8082
"""
import http.client
import json
import re
import sys
import threading
import time
import urllib.parse

PORTS = [int(p) for p in sys.argv[1].split(",")]
PASSWORD, PER_CLIENT, CLIENTS = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
TAG = sys.argv[5]
errors = []
lock = threading.Lock()


class Client:
    def __init__(self, port):
        self.port, self.cookies, self.conn = port, {}, None

    def request(self, method, path, form=None, expect=(200,)):
        body, headers = None, {}
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.conn.request(method, path, body=body, headers=headers)
        r = self.conn.getresponse()
        data = r.read()
        for v in r.headers.get_all("Set-Cookie") or []:
            k, _, rest = v.partition("=")
            self.cookies[k.strip()] = rest.split(";")[0]
        if r.status not in expect:
            with lock:
                errors.append(f"{method} {path}: {r.status} {data[:200]!r}")
        if r.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return r.status, r.getheader("Location", ""), data


def fields(title):
    return [
        ("title", title), ("year", "2022"), ("domains", "biology"),
        ("causes", "data/distribution-shift"),
        ("use_case", "Counting cells in microscope images. In two labs."),
        ("solution", "A U-Net. Trained in one lab."),
        ("outcome", "Counts were wrong in the second lab. Often by a lot."),
        ("investigation", "Staining differed between labs. The model keyed on stain colour."),
        ("ref1", "https://example.org/cells"), ("licence", "agree"),
    ]


def client(n, port, ready, go, done):
    try:
        prepare_and_approve(n, port, ready, go, done)
    except Exception as e:  # noqa: BLE001 - any failure is reported, and the barriers released
        with lock:
            errors.append(f"client {n}: {e!r}")
        ready.abort()
        go.abort()


def prepare_and_approve(n, port, ready, go, done):
    c = Client(port)
    c.request("GET", "/review/login")
    c.request("POST", "/review/login", [("csrf", c.cookies.get("nb_csrf", "")),
                                        ("name", "rita"), ("password", PASSWORD)], expect=(303,))
    ids = []
    for i in range(PER_CLIENT):
        c.request("GET", "/contribute")
        title = f"Throughput {TAG} client {n} case {i}"
        _, loc, _ = c.request("POST", "/contribute",
                              [("csrf", c.cookies.get("nb_csrf", ""))] + fields(title)
                              + [("action", "submit")], expect=(303,))
        m = re.search(r"/contribute/([0-9a-f]+)", loc)
        if m:
            ids.append((m.group(1), title))
    ready.wait()
    go.wait()
    for pid, title in ids:
        c.request("POST", f"/review/{pid}",
                  [("csrf", c.cookies.get("nb_csrf", ""))] + fields(f"Approved {title}")
                  + [("action", "approve")], expect=(303,))
    done[n] = len(ids)


def main():
    n = len(PORTS) * CLIENTS
    ready, go = threading.Barrier(n + 1), threading.Barrier(n + 1)
    done = [0] * n
    threads = [threading.Thread(target=client, args=(i, PORTS[i % len(PORTS)], ready, go, done))
               for i in range(n)]
    for t in threads:
        t.start()
    try:
        ready.wait()
        t0 = time.perf_counter()
        go.wait()
    except threading.BrokenBarrierError:
        t0 = time.perf_counter()
    for t in threads:
        t.join()
    secs = time.perf_counter() - t0
    report = {"nodes": len(PORTS), "clients": n, "approvals": sum(done),
              "seconds": round(secs, 2), "per_second": round(sum(done) / secs, 1),
              "errors": errors[:5]}
    print(json.dumps(report))
    sys.exit(1 if errors or sum(done) != n * PER_CLIENT else 0)


main()
