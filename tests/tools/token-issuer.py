#!/usr/bin/env python3
"""A small token issuer for Distribution's token auth, for the registry tests (issue 6).

usage: token-issuer.py PORT KEY CERT ISSUER SERVICE USER PASSWORD

Serves GET /token?service=...&scope=repository:NAME:ACTIONS on 127.0.0.1:PORT. With the right
Basic credentials the token grants the actions asked for; without any it grants nothing (an
anonymous token, as Docker Hub gives); wrong ones get 401. Tokens are JWTs signed RS256 with
KEY through the openssl command, their x5c header the certificate CERT that the registry trusts
(rootcertbundle). Only the standard library and openssl: nothing to install. Counts tokens
issued in /count (for the cache test).
"""
import base64
import http.server
import json
import subprocess
import sys
import time
import urllib.parse
import uuid

port, key, cert, issuer, service, user, password = sys.argv[1:8]
der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], check=True,
                     capture_output=True).stdout
issued = 0


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims):
    header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(claims).encode())).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing_input,
                         check=True, capture_output=True).stdout
    return signing_input.decode() + "." + b64url(sig)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        global issued
        url = urllib.parse.urlparse(self.path)
        if url.path == "/count":
            body = str(issued).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        query = urllib.parse.parse_qs(url.query)
        auth = self.headers.get("Authorization", "")
        subject = ""
        if auth:
            expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
            if auth != expected:
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            subject = user
        access = []
        for scope in query.get("scope", []):
            kind, name, actions = scope.split(":", 2)
            access.append({"type": kind, "name": name,
                           "actions": actions.split(",") if subject else []})
        now = int(time.time())
        token = sign({"iss": issuer, "sub": subject, "aud": query.get("service", [service])[0],
                      "exp": now + 300, "nbf": now - 10, "iat": now, "jti": str(uuid.uuid4()),
                      "access": access})
        issued += 1
        body = json.dumps({"token": token, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
print("ready", flush=True)
server.serve_forever()
