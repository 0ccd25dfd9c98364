#!/usr/bin/env python3
"""A registry that misbehaves on purpose, for the fault tests of issue 6.

usage: fault-registry.py PORT LAYOUT

Serves the one image of the OCI layout LAYOUT (its index.json's first manifest, under any tag)
through the distribution API on 127.0.0.1:PORT. The repository name picks the fault:
  ok           no fault
  flaky429     the first request of each path: 429 with Retry-After: 1
  flaky500     the first two requests of each path: 503
  broken       every request: 500
  forbidden    403 with a DENIED error body
  truncated    blobs: the full Content-Length announced, half the bytes sent, then closed
  baddigest    blobs: one byte changed
  badtype      manifests: an unknown media type
  loop         manifests: a redirect to itself
  slow         manifests: answered after 5 seconds
Counts requests per path in /count/<repository>.
"""
import http.server
import json
import os
import sys
import time
from collections import Counter

port, layout = int(sys.argv[1]), sys.argv[2]
index = json.load(open(os.path.join(layout, "index.json")))
top = index["manifests"][0]
seen = Counter()


def blob(digest):
    return open(os.path.join(layout, "blobs", *digest.split(":", 1)), "rb").read()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", ctype="application/octet-stream", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        parts = self.path.split("/")
        if parts[1] == "count":
            return self.reply(200, str(sum(n for (r, _), n in seen.items() if r == parts[2])).encode())
        if self.path == "/v2/":
            return self.reply(200, b"{}", "application/json")
        # /v2/<repo>/manifests/<ref> or /v2/<repo>/blobs/<digest>
        repo, kind, ref = parts[2], parts[3], parts[4]
        seen[(repo, self.path)] += 1
        n = seen[(repo, self.path)]
        if repo == "flaky429" and n == 1:
            return self.reply(429, headers=[("Retry-After", "1")])
        if repo == "flaky500" and n <= 2:
            return self.reply(503)
        if repo == "broken":
            return self.reply(500)
        if repo == "forbidden":
            body = json.dumps({"errors": [{"code": "DENIED", "message": "requested access to the resource is denied"}]})
            return self.reply(403, body.encode(), "application/json")
        if kind == "manifests":
            if repo == "loop":
                return self.reply(302, headers=[("Location", self.path)])
            if repo == "slow":
                time.sleep(5)
            digest = ref if ref.startswith("sha256:") else top["digest"]
            data = blob(digest)
            ctype = top["mediaType"]
            if repo == "badtype":
                doc = json.loads(data)
                doc["mediaType"] = ctype = "application/vnd.example.unknown+json"
                data = json.dumps(doc).encode()
            return self.reply(200, data, ctype, [("Docker-Content-Digest", digest)])
        data = blob(ref)
        if repo == "baddigest" and len(data) > 1000:
            data = data[:500] + bytes([data[500] ^ 1]) + data[501:]
        if repo == "truncated" and len(data) > 1000:
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        return self.reply(200, data)


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the truncated and slow answers end connections on purpose


Server(("127.0.0.1", port), Handler).serve_forever()
