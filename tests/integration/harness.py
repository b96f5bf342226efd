"""Starts the real wasmgate binary on ephemeral loopback ports and talks to it over HTTP.

Used by every integration test: `Gateway(tmpdir).start()` runs `wasmgate serve` with its own data folder, waits for
the --ready-file, and offers small helpers for the admin API and the proxy. Stdlib only.
"""
import base64
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from echo_backend import EchoServer  # noqa: E402

BIN = os.environ.get("WASMGATE_BIN") or os.path.join(HERE, "..", "..", "build", "wasmgate")
CLIENT_ID = "test-admin-id"
CLIENT_SECRET = "test-admin-secret"
ADMIN_HEADERS = {"Otoroshi-Client-Id": CLIENT_ID, "Otoroshi-Client-Secret": CLIENT_SECRET}


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # dict, lower-cased names
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


def request(port, method, path, body=None, headers=None, host=None, timeout=30):
    """One request on a fresh connection. body: bytes, str, or a JSON-able object."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    hdrs = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        hdrs.setdefault("Content-Type", "application/json")
    if isinstance(body, str):
        body = body.encode()
    if host:
        hdrs["Host"] = host
    try:
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()


class Gateway:
    def __init__(self, data_dir, threads=2, extra_args=None, credentials=f"{CLIENT_ID}:{CLIENT_SECRET}"):
        self.data_dir = data_dir
        self.threads = threads
        self.extra_args = extra_args or []
        self.credentials = credentials
        self.proc = None
        self.proxy_port = None
        self.admin_port = None
        self.log_path = os.path.join(data_dir, "gateway.log")

    def start(self, timeout=20):
        ready = os.path.join(self.data_dir, "ready.json")
        if os.path.exists(ready):
            os.remove(ready)
        args = [BIN, "serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
                "--data", self.data_dir, "--threads", str(self.threads), "--ready-file", ready]
        if self.credentials:
            args += ["--admin-credentials", self.credentials]
        args += self.extra_args
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"wasmgate exited with {self.proc.returncode}: {self.read_log()[-2000:]}")
            if os.path.exists(ready):
                with open(ready) as f:
                    info = json.load(f)
                self.proxy_port, self.admin_port = info["proxy_port"], info["admin_port"]
                if request(self.admin_port, "GET", "/health").status == 200:
                    return self
            time.sleep(0.02)
        raise RuntimeError("wasmgate did not become ready: " + self.read_log()[-2000:])

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()
        return self.proc.returncode if self.proc else None

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    # admin API
    def admin(self, method, path, body=None, headers=None, auth=True):
        hdrs = dict(ADMIN_HEADERS if auth else {})
        hdrs.update(headers or {})
        return request(self.admin_port, method, path, body, hdrs)

    def create_route(self, route):
        r = self.admin("POST", "/apis/proxy.otoroshi.io/v1/routes", route)
        if r.status != 201:
            raise AssertionError(f"route create failed: {r}")
        return r.json()

    # proxy
    def proxy(self, method, path, host, body=None, headers=None, timeout=30):
        return request(self.proxy_port, method, path, body, headers, host=host, timeout=timeout)


def basic_auth(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def route_doc(route_id, domains, port, **frontend):
    """A minimal route to a backend on 127.0.0.1:port."""
    fe = {"domains": domains}
    fe.update(frontend)
    return {
        "id": route_id,
        "name": route_id,
        "frontend": fe,
        "backend": {"targets": [{"hostname": "127.0.0.1", "port": port}]},
    }


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class GatewayTestCase(unittest.TestCase):
    """One gateway + one echo backend per test class; a fresh data folder per class."""

    threads = 2

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="wasmgate-it-")
        cls.backend = EchoServer(name="backend-a").start()
        cls.gw = Gateway(cls.tmp, threads=cls.threads).start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()
        cls.backend.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
