#!/usr/bin/env python3
"""Webhook receiver for the integration tests: records every request, answers as its path says.

    webhook-receiver.py DIR    listens on 127.0.0.1 (a free port, written to DIR/port)

Each request is written as DIR/NNNNNN.path, .head (lower-case "name: value" lines) and .body
(the exact bytes), NNNNNN counting from 1; DIR/count is the number recorded. The path decides:
  /ok            200                     /status/NNN   NNN
  /flaky/N/...   503 for the first N requests to that path, then 200
  /redirect      302 to /ok              /slow/S       200 after S seconds
  /big/N         200 with an answer of N bytes
A request whose sender closed the connection before the whole answer was written also gets
DIR/NNNNNN.aborted.
"""
import http.server
import os
import sys
import threading
import time

DIR = sys.argv[1]
lock = threading.Lock()
seen = {"count": 0}
per_path = {}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the daemon wants it

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with lock:
            seen["count"] += 1
            n = seen["count"]
            per_path[self.path] = per_path.get(self.path, 0) + 1
            hits = per_path[self.path]
            base = os.path.join(DIR, "%06d" % n)
            with open(base + ".body", "wb") as f:
                f.write(body)
            with open(base + ".head", "w") as f:
                for k, v in self.headers.items():
                    f.write("%s: %s\n" % (k.lower(), v))
            with open(base + ".path", "w") as f:
                f.write(self.path + "\n")
            with open(os.path.join(DIR, "count.tmp"), "w") as f:
                f.write("%d\n" % n)
            os.replace(os.path.join(DIR, "count.tmp"), os.path.join(DIR, "count"))
        parts = self.path.strip("/").split("/")
        status, extra = 200, {}
        if parts[0] == "status" and len(parts) > 1:
            status = int(parts[1])
        elif parts[0] == "flaky" and len(parts) > 1 and hits <= int(parts[1]):
            status = 503
        elif parts[0] == "redirect":
            status, extra = 302, {"Location": "/ok"}
        elif parts[0] == "slow" and len(parts) > 1:
            time.sleep(float(parts[1]))
        answer = b'{"received": true}'
        if parts[0] == "big" and len(parts) > 1:
            answer = b"x" * int(parts[1])
        try:
            self.send_response(status)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            # the sender gave up (a timeout, it was killed, it read enough): that is the test
            open(base + ".aborted", "w").close()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write("%d\n" % server.server_address[1])
os.replace(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
