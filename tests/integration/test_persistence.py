"""Entities survive restarts, including kill -9 right after an acknowledged write."""
import shutil
import tempfile
import unittest

from harness import EchoServer, Gateway, route_doc

PLUGINS = "/apis/plugins.otoroshi.io/v1/wasm-plugins"


class PersistenceTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wasmgate-persist-")
        self.backend = EchoServer().start()

    def tearDown(self):
        self.backend.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_entities_survive_a_clean_restart(self):
        gw = Gateway(self.tmp).start()
        gw.create_route(route_doc("route_persist", ["persist.oto.tools"], self.backend.port))
        plugin = {"id": "wasm-plugin_persist", "name": "p", "description": "d",
                  "config": {"source": {"kind": "Base64", "path": "AGFzbQEAAAA="}}}
        self.assertEqual(gw.admin("POST", PLUGINS, plugin).status, 201)
        gw.stop()
        gw = Gateway(self.tmp).start()
        try:
            self.assertEqual(gw.admin("GET", f"{PLUGINS}/wasm-plugin_persist").status, 200)
            self.assertEqual(gw.proxy("GET", "/", "persist.oto.tools").status, 200)
        finally:
            gw.stop()

    def test_acknowledged_writes_survive_kill_9(self):
        gw = Gateway(self.tmp).start()
        for i in range(20):
            gw.create_route(route_doc(f"route_k{i}", [f"k{i}.oto.tools"], self.backend.port))
        gw.kill9()
        gw = Gateway(self.tmp).start()
        try:
            ids = {r["id"] for r in gw.admin("GET", "/apis/proxy.otoroshi.io/v1/routes").json()}
            self.assertTrue({f"route_k{i}" for i in range(20)} <= ids)
            self.assertEqual(gw.proxy("GET", "/", "k19.oto.tools").status, 200)
        finally:
            gw.stop()


if __name__ == "__main__":
    unittest.main()
