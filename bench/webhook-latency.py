#!/usr/bin/env python3
"""make bench: latency of webhooks when idle, from a POST /messages to the arrival of its event.

    webhook-latency.py PORT BASE_URL TOKEN COUNT

Listens on 127.0.0.1:PORT (a hook of the poster points there), then posts COUNT notes to
@bench (make bench's poster, the owner of TOKEN) one at a time through BASE_URL
(http://127.0.0.1:N/api/v1), each after the previous one's event arrived and a short pause (an
idle system). Prints one line:
    sent=N arrived=N post_p50_ms= post_p99_ms= p50_ms= p99_ms= max_ms=
post_* is the POST itself (the commit is inside it); p50/p99/max run from sending the POST to
the event's arrival, so they bound the commit-to-arrival latency from above.
"""
import http.client
import http.server
import json
import sys
import threading
import time
import urllib.parse

PORT, BASE, TOKEN, COUNT = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
arrived = {}
cond = threading.Condition()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        now = time.monotonic()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            text = json.loads(body)["data"]["message_markup"]
        except (ValueError, KeyError, TypeError):
            text = None
        with cond:
            arrived.setdefault(text, now)
            cond.notify_all()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = urllib.parse.urlparse(BASE)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
posts, latencies = [], []
run = int(time.time())
for i in range(COUNT):
    text = "latency %d-%d @bench" % (run, i)
    t0 = time.monotonic()
    conn.request("POST", url.path + "/messages", json.dumps({"message_text": text}),
                 {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    resp = conn.getresponse()
    resp.read()
    posts.append(time.monotonic() - t0)
    if resp.status != 201:
        sys.exit("POST /messages: %d" % resp.status)
    with cond:
        cond.wait_for(lambda: text in arrived, timeout=10)
        if text in arrived:
            latencies.append(arrived[text] - t0)
    time.sleep(0.05)  # idle between events: the latency of one, not of a queue


def pct(v, p):
    v = sorted(v)
    return 1000 * v[min(len(v) - 1, int(p * len(v)))] if v else float("nan")


print("sent=%d arrived=%d post_p50_ms=%.2f post_p99_ms=%.2f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f" % (
    COUNT, len(latencies), pct(posts, 0.5), pct(posts, 0.99), pct(latencies, 0.5),
    pct(latencies, 0.99), max(latencies) * 1000 if latencies else float("nan")))
