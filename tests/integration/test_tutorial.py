"""Otoroshi's WASM tutorial (manual tutorials/wasm-usage.mdx, spec otoroshi-wasm.md §12) replayed with curl
against `make run` (scripts/run-demo.sh on ephemeral ports): a route `demo-otoroshi` with a WasmAccessValidator
(401 without `foo: bar`, 200 with it), then a WasmBackend answering 200 with `foo: bar` and {"foo": "bar"}.

The tutorial's wasm files are Rust builds fetched from GitHub; here the same plugins are built from source
(tests/fixtures/wasm/extism/first_validator.c, wasm_target.c, on the same legacy env.extism_* ABI) and served over
HTTP by the demo script, so the sources stay `http`, as in the docs.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from harness import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BIN = os.path.abspath(os.environ.get("WASMGATE_BIN") or os.path.join(ROOT, "build", "wasmgate"))
BUILD = os.path.abspath(os.environ.get("WASMGATE_BUILD_DIR") or os.path.join(ROOT, "build"))
CREDS = "admin-api-apikey-id:admin-api-apikey-secret"


def curl(*args):
    out = subprocess.run(["curl", "-s", "-i", "--max-time", "20", *args], capture_output=True, check=True).stdout
    head, _, body = out.replace(b"\r\n", b"\n").partition(b"\n\n")
    lines = head.decode().split("\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


class TutorialTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="wasmgate-tutorial-")
        cls.proxy, cls.admin, cls.backend, cls.wasm = free_port(), free_port(), free_port(), free_port()
        env = dict(os.environ, WASMGATE_PROXY_PORT=str(cls.proxy), WASMGATE_ADMIN_PORT=str(cls.admin),
                   DEMO_BACKEND_PORT=str(cls.backend), DEMO_WASM_PORT=str(cls.wasm),
                   WASMGATE_DATA=os.path.join(cls.tmp, "data"),
                   DEMO_WASM_DIR=os.path.join(BUILD, "fixtures", "wasm", "extism"))
        cls.demo = subprocess.Popen(["bash", os.path.join(ROOT, "scripts", "run-demo.sh"), BIN], cwd=ROOT, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:  # the demo prints its curl hints once everything is set up
            line = cls.demo.stdout.readline()
            if b"Ctrl-C stops everything" in line or not line:
                break
        if cls.demo.poll() is not None:
            raise AssertionError("run-demo.sh exited early: " + cls.demo.stdout.read().decode(errors="replace"))

    @classmethod
    def tearDownClass(cls):
        os.killpg(cls.demo.pid, signal.SIGTERM)
        cls.demo.wait(timeout=20)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def admin_put_route(self, route):
        status, _, body = curl("-u", CREDS, "-H", "Content-Type: application/json", "-X", "POST",
                               f"http://127.0.0.1:{self.admin}/apis/proxy.otoroshi.io/v1/routes/{route['id']}",
                               "-d", json.dumps(route))
        self.assertIn(status, (200, 201), body)

    def call(self, *headers):
        args = ["-H", "Host: demo-otoroshi.oto.tools", "-H", "Accept: application/json"]
        for h in headers:
            args += ["-H", h]
        return curl(*args, f"http://127.0.0.1:{self.proxy}/")

    def test_tutorial(self):
        validator = {
            "plugin": "cp:otoroshi.next.plugins.WasmAccessValidator", "enabled": True,
            "include": [], "exclude": [],
            "config": {"source": {"kind": "http", "path": f"http://127.0.0.1:{self.wasm}/first_validator.wasm",
                                  "opts": {}},
                       "memoryPages": 4, "functionName": "execute"},
        }
        route = {
            "id": "demo-otoroshi", "name": "demo-otoroshi",
            "frontend": {"domains": ["demo-otoroshi.oto.tools"]},
            "backend": {"targets": [{"hostname": "127.0.0.1", "port": self.backend, "tls": False}]},
            "plugins": [validator],
        }
        self.admin_put_route(route)

        # Step 1: the validator alone.
        status, _, body = self.call()
        self.assertEqual(status, 401, body)
        self.assertEqual(json.loads(body), {"Otoroshi-Error": "you're not authorized"})
        status, _, _ = self.call("foo: bar")
        self.assertEqual(status, 200)

        # Step 2: a wasm backend answers in place of the backend.
        route["plugins"].append({
            "plugin": "cp:otoroshi.next.plugins.WasmBackend", "enabled": True, "include": [], "exclude": [],
            "config": {"source": {"kind": "http", "path": f"http://127.0.0.1:{self.wasm}/wasm_target.wasm",
                                  "opts": {}},
                       "memoryPages": 4, "functionName": "execute"},
        })
        self.admin_put_route(route)
        status, headers, body = self.call("foo: bar", "X-Tutorial: yes")
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("foo"), "bar")
        self.assertEqual(headers.get("x-tutorial"), "yes")  # the request's headers come back
        self.assertEqual(json.loads(body), {"foo": "bar"})
        status, _, _ = self.call()
        self.assertEqual(status, 401)


if __name__ == "__main__":
    unittest.main()
