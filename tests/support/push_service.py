#!/usr/bin/env python3
"""A Web Push service for the tests, independent of embarq's Rust code: it hands out
subscriptions (its own P-256 key and auth secret, as a browser would), receives pushes,
checks the VAPID token (RFC 8292) with py_vapid and decrypts the payload (RFC 8291,
aes128gcm) with http_ece, both from PyPI.

    python3 push_service.py PORT

GET  /new             a subscription {endpoint, keys: {p256dh, auth}} (?gone=1: its endpoint
                      answers 410 Gone, as for a device that unsubscribed)
POST /push/<id>       a push: 201 when it verifies and decrypts, else 400 with the reason
POST /gone/<id>       410
GET  /received        what arrived: [{id, payload, claims, public_key, ttl, urgency, encoding}]
"""
import base64
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import py_vapid
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

PORT = int(sys.argv[1])
SUBS = {}
RECEIVED = []
LOCK = threading.Lock()


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_vapid(header, endpoint):
    """Returns (claims, public key) of a valid `vapid t=<jwt>, k=<key>` header, else raises."""
    scheme, _, params = header.partition(" ")
    if scheme.lower() != "vapid":
        raise ValueError("Authorization is not vapid")
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    token, key = parts["t"], parts["k"]
    signed, _, signature = token.rpartition(".")
    if not py_vapid.Vapid02.from_raw_public(key.encode()).verify_token(
        validation_token=signed.encode(), verification_token=signature
    ):
        raise ValueError("VAPID signature does not verify")
    header_json = json.loads(unb64(signed.split(".")[0]))
    claims = json.loads(unb64(signed.split(".")[1]))
    if header_json.get("alg") != "ES256":
        raise ValueError("VAPID token is not ES256")
    origin = endpoint.split("/push/")[0]
    host_only = origin.rsplit(":", 1)[0]
    if claims.get("aud") not in (origin, host_only):
        raise ValueError(f"aud {claims.get('aud')} is not the push service {origin}")
    now = time.time()
    if not now < claims.get("exp", 0) <= now + 24 * 3600:
        raise ValueError("exp is not within the next 24 hours")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        raise ValueError("sub is neither mailto: nor https:")
    return claims, key


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.startswith("/new"):
            private = ec.generate_private_key(ec.SECP256R1())
            public = private.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
            auth = os.urandom(16)
            sid = b64(os.urandom(9))
            kind = "gone" if "gone=1" in self.path else "push"
            endpoint = f"http://127.0.0.1:{PORT}/{kind}/{sid}"
            with LOCK:
                SUBS[sid] = (private, auth, endpoint)
            self.answer(200, {"endpoint": endpoint, "keys": {"p256dh": b64(public), "auth": b64(auth)}})
        elif self.path == "/received":
            with LOCK:
                self.answer(200, RECEIVED)
        else:
            self.answer(404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        kind, _, sid = self.path.strip("/").partition("/")
        if kind == "gone":
            self.answer(410)
            return
        with LOCK:
            sub = SUBS.get(sid)
        if kind != "push" or sub is None:
            self.answer(404)
            return
        private, auth, endpoint = sub
        try:
            claims, key = check_vapid(self.headers.get("Authorization", ""), endpoint)
            if self.headers.get("Content-Encoding") != "aes128gcm":
                raise ValueError("Content-Encoding is not aes128gcm")
            plain = http_ece.decrypt(body, private_key=private, auth_secret=auth, version="aes128gcm")
            payload = json.loads(plain)
        except Exception as e:  # noqa: BLE001 - the reason goes back to the test
            self.answer(400, {"error": f"{type(e).__name__}: {e}"})
            with LOCK:
                RECEIVED.append({"id": sid, "error": f"{type(e).__name__}: {e}"})
            return
        with LOCK:
            RECEIVED.append({
                "id": sid,
                "payload": payload,
                "claims": claims,
                "public_key": key,
                "ttl": self.headers.get("TTL"),
                "urgency": self.headers.get("Urgency"),
                "encoding": self.headers.get("Content-Encoding"),
            })
        self.answer(201)


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
