"""WASI preview1 through the real binary: a WasmBackend plugin with `wasi: true` and `allowedPaths` reads a file the
test wrote inside the preopen; the same plugin asked for a path outside it answers with the error it got
(ENOTCAPABLE, errno 76); its stdout lands in the gateway log tagged with the plugin id. Also `wasmgate call --wasi
--allow-path` (read-only and `rw:` preopens).

Fixture: tests/fixtures/wasm/wasi/wasi_files.c (C against wasi-libc, built to fixtures/wasm/wasi/wasi_files.wasm).
"""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import BIN, GatewayTestCase

BUILD = os.environ.get("WASMGATE_BUILD_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "build")
WASI_WASM = os.path.abspath(os.path.join(BUILD, "fixtures", "wasm", "wasi", "wasi_files.wasm"))
PKG = "cp:otoroshi.next.plugins."


class WasiFilesTree:
    """<root>/data (the preopen) holding hello.txt, beside <root>/secret.txt (outside it)."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="wasmgate-wasi-it-")
        self.data = os.path.join(self.root, "data")
        os.mkdir(self.data)
        with open(os.path.join(self.data, "hello.txt"), "w") as f:
            f.write("hello from a preopen")
        with open(os.path.join(self.root, "secret.txt"), "w") as f:
            f.write("must not leak")
        os.symlink(os.path.join(self.root, "secret.txt"), os.path.join(self.data, "link_out"))

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)


class WasiGatewayTest(GatewayTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tree = WasiFilesTree()
        for plugin_id, guest_file in [("wasm-plugin_wasi_read", "/data/hello.txt"),
                                      ("wasm-plugin_wasi_dotdot", "/data/../secret.txt"),
                                      ("wasm-plugin_wasi_symlink", "/data/link_out")]:
            r = cls.gw.admin("POST", "/apis/plugins.otoroshi.io/v1/wasm-plugins", {
                "id": plugin_id, "name": plugin_id, "description": "WASI file reader",
                "config": {"source": {"kind": "File", "path": WASI_WASM, "opts": {}}, "memoryPages": 40,
                           "functionName": "backend_file", "wasi": True,
                           "allowedPaths": {cls.tree.data: "/data"}, "config": {"file": guest_file}},
            })
            assert r.status == 201, r
            host = plugin_id.replace("wasm-plugin_", "").replace("_", "-") + ".oto.tools"
            cls.gw.create_route({
                "id": "r_" + plugin_id, "name": plugin_id, "frontend": {"domains": [host]},
                "backend": {"targets": [{"hostname": "127.0.0.1", "port": cls.backend.port}]},
                "plugins": [{"plugin": PKG + "WasmBackend", "enabled": True, "include": [], "exclude": [],
                             "config": {"source": {"kind": "Local", "path": plugin_id, "opts": {}}}}],
            })

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.tree.remove()

    def test_reads_a_file_inside_its_preopen(self):
        r = self.gw.proxy("GET", "/", "wasi-read.oto.tools")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b"hello from a preopen")

    def test_dotdot_escape_is_answered_with_the_plugins_enotcapable(self):
        r = self.gw.proxy("GET", "/", "wasi-dotdot.oto.tools")
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.body.decode(), "open /data/../secret.txt: errno 76 (Capabilities insufficient)")
        self.assertNotIn(b"must not leak", r.body)

    def test_symlink_escape_is_answered_with_the_plugins_enotcapable(self):
        r = self.gw.proxy("GET", "/", "wasi-symlink.oto.tools")
        self.assertEqual(r.status, 403, r)
        self.assertIn("errno 76", r.body.decode())

    def test_plugin_stdout_lands_in_the_gateway_log(self):
        self.assertEqual(self.gw.proxy("GET", "/", "wasi-read.oto.tools").status, 200)
        expected = "[plugin wasm-plugin_wasi_read stdout] serving /data/hello.txt"
        for _ in range(100):  # the log file is written by the gateway process; give it a moment to flush
            if expected in self.gw.read_log():
                break
            time.sleep(0.05)
        self.assertIn(expected, self.gw.read_log())


def call(*args):
    return subprocess.run([BIN, "call", "--wasm", WASI_WASM, "--wasi", *args], capture_output=True, text=True,
                          timeout=60)


class WasiCallCliTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.path.exists(WASI_WASM), f"fixture not built: {WASI_WASM}")
        self.tree = WasiFilesTree()

    def tearDown(self):
        self.tree.remove()

    def test_allow_path_reads_inside_and_refuses_outside(self):
        inside = call("--allow-path", f"{self.tree.data}:/data", "--function", "read_file", "--input",
                      "/data/hello.txt")
        self.assertEqual(inside.returncode, 0, inside.stderr)
        self.assertEqual(inside.stdout.strip(), "hello from a preopen")
        outside = call("--allow-path", f"{self.tree.data}:/data", "--function", "read_file", "--input",
                       "/data/../secret.txt")
        self.assertEqual(outside.returncode, 1)
        self.assertIn("errno 76", outside.stderr)

    def test_read_only_by_default_and_rw_prefix_allows_writes(self):
        refused = call("--allow-path", f"{self.tree.data}:/data", "--function", "write_file", "--input",
                       "/data/out.txt\nhi")
        self.assertEqual(refused.returncode, 1)
        self.assertIn("errno 76", refused.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tree.data, "out.txt")))
        written = call("--allow-path", f"rw:{self.tree.data}:/data", "--function", "write_file", "--input",
                       "/data/out.txt\nhi")
        self.assertEqual(written.returncode, 0, written.stderr)
        with open(os.path.join(self.tree.data, "out.txt")) as f:
            self.assertEqual(f.read(), "hi")

    def test_proc_exit_codes(self):
        ok = call("--function", "exit_with", "--input", "0")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertEqual(ok.stdout.strip(), "before exit")
        failed = call("--function", "exit_with", "--input", "3")
        self.assertEqual(failed.returncode, 1)
        self.assertIn("exited with code 3", failed.stderr)


if __name__ == "__main__":
    unittest.main()
