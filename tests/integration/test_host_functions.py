"""Otoroshi's host functions (env.proxy_*, spec otoroshi-wasm.md §4) through the real binary: WasmBackend and
WasmAccessValidator slots whose plugins call them, each capability and each refusal.

Fixtures (built to $WASMGATE_BUILD_DIR/fixtures/wasm/extism/): otoroshi_host.c (WasmBackend "backend": calls the
function named by header x-fn with the argument in header x-arg, answers {"result": "<bytes or integer>"}; imports
every function, so it needs every authorization) and otoroshi_attrs.c (WasmAccessValidator "access" using only
the always-linked functions).
"""
import base64
import json
import os
import shutil
import tempfile
import time
import unittest

from harness import EchoServer, Gateway

BUILD = os.environ.get("WASMGATE_BUILD_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "build")
FIXTURES = os.path.abspath(os.path.join(BUILD, "fixtures", "wasm", "extism"))
HOST_WASM = os.path.join(FIXTURES, "otoroshi_host.wasm")
ATTRS_WASM = os.path.join(FIXTURES, "otoroshi_attrs.wasm")
PKG = "cp:otoroshi.next.plugins."
MAPS_MAX_BYTES = 2048

ALL_RIGHTS = {"read": True, "write": True}


def authorizations(http_access=True):
    return {"httpAccess": http_access, "proxyHttpCallTimeout": 5000,
            "globalDataStoreAccess": ALL_RIGHTS, "pluginDataStoreAccess": ALL_RIGHTS,
            "globalMapAccess": ALL_RIGHTS, "pluginMapAccess": ALL_RIGHTS,
            "proxyStateAccess": True, "configurationAccess": True}


def plugin_entity(plugin_id, path, **config):
    c = {"source": {"kind": "File", "path": path, "opts": {}}, "memoryPages": 20, "callTimeoutMs": 10000}
    c.update(config)
    return {"id": plugin_id, "name": plugin_id, "description": "host function fixture", "config": c}


def slot(cls, plugin_id, function):
    return {"plugin": PKG + cls, "enabled": True, "include": [], "exclude": [],
            "config": {"source": {"kind": "Local", "path": plugin_id, "opts": {}}, "functionName": function}}


class HostFunctionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="wasmgate-hostfn-")
        cls.backend = EchoServer(name="backend-a").start()
        cls.gw = Gateway(cls.tmp, extra_args=["--plugin-maps-max-bytes", str(MAPS_MAX_BYTES)]).start()
        cls.create("wasm-plugin_host", HOST_WASM, allowedHosts=["127.0.0.1"], authorizations=authorizations())
        cls.create("wasm-plugin_nohttp", HOST_WASM, authorizations=authorizations(http_access=False))
        cls.create("wasm-plugin_attrs", ATTRS_WASM)  # no authorization at all
        cls.route("r_host", "host.oto.tools", [slot("WasmBackend", "wasm-plugin_host", "backend")])
        cls.route("r_nohttp", "nohttp.oto.tools", [slot("WasmBackend", "wasm-plugin_nohttp", "backend")])
        cls.route("r_attrs", "attrs.oto.tools", [slot("WasmAccessValidator", "wasm-plugin_attrs", "access")])
        cls.route("r_disabled", "disabled.oto.tools", [], enabled=False)  # not routed, but part of the state

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()
        cls.backend.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def create(cls, plugin_id, path, **config):
        r = cls.gw.admin("POST", "/apis/plugins.otoroshi.io/v1/wasm-plugins", plugin_entity(plugin_id, path, **config))
        assert r.status == 201, r

    @classmethod
    def route(cls, route_id, host, plugins, enabled=True):
        cls.gw.create_route({
            "id": route_id, "name": route_id, "enabled": enabled, "frontend": {"domains": [host]},
            "backend": {"targets": [{"hostname": "127.0.0.1", "port": cls.backend.port}]},
            "plugins": plugins,
        })

    def host_fn(self, fn, arg=""):
        """Calls env.<fn>(arg) in the plugin of route r_host; returns its result text."""
        if not isinstance(arg, str):
            arg = json.dumps(arg)
        r = self.gw.proxy("GET", "/", "host.oto.tools", headers={"Accept": "application/json", "x-fn": fn, "x-arg": arg})
        self.assertEqual(r.status, 200, (fn, r))
        return r.json()["result"]

    # ---- proxy_http_call
    def test_http_call_to_an_allowed_host(self):
        answer = json.loads(self.host_fn("proxy_http_call", {"url": f"http://127.0.0.1:{self.backend.port}/from-plugin"}))
        self.assertEqual(answer["status"], 200, answer)
        seen = json.loads(base64.b64decode(answer["body_base64"]))
        self.assertEqual(seen["path"], "/from-plugin")

    def test_http_call_to_a_refused_host_is_403(self):
        answer = json.loads(self.host_fn("proxy_http_call", {"url": f"http://localhost:{self.backend.port}/x"}))
        self.assertEqual(answer["status"], 403, answer)
        self.assertEqual(base64.b64decode(answer["body_base64"]), b"you cannot access host: localhost")

    # ---- authorization = registration
    def test_an_unauthorized_import_fails_the_load_naming_the_flag(self):
        r = self.gw.proxy("GET", "/", "nohttp.oto.tools", headers={"Accept": "application/json", "x-fn": "proxy_state"})
        # The WasmBackend step answers its failure (400, as for any failed backend call) with the load error.
        self.assertEqual(r.status, 400, r)
        self.assertIn("plugin wasm-plugin_nohttp: import env.proxy_http_call requires authorizations.httpAccess",
                      r.body.decode())

    # ---- persistent datastore
    def test_datastore_counter_survives_a_restart(self):
        key = {"key": "restart-counter", "incr": 1}
        first = int(self.host_fn("proxy_plugin_datastore_incrby", key))
        self.assertEqual(int(self.host_fn("proxy_plugin_datastore_incrby", key)), first + 1)
        self.gw.stop()
        self.gw.start()
        self.assertEqual(int(self.host_fn("proxy_plugin_datastore_incrby", key)), first + 2)
        # Scoped to the plugin entity: the global store does not see it, the plugin's keys carry the entity id.
        self.assertEqual(self.host_fn("proxy_datastore_exists", "restart-counter"), "0")
        keys = json.loads(self.host_fn("proxy_plugin_datastore_keys", "restart-*"))
        self.assertEqual(keys, ["otoroshi:wasm:wasm-plugin_host:restart-counter"])

    def test_datastore_ttl_expires(self):
        self.assertEqual(self.host_fn("proxy_datastore_set", {"key": "ephemeral", "value": "v"}), "1")
        self.assertEqual(self.host_fn("proxy_datastore_pttl", "ephemeral"), "-1")
        self.assertEqual(self.host_fn("proxy_datastore_pexpire", {"key": "ephemeral", "pttl": 300}), "1")
        self.assertLessEqual(int(self.host_fn("proxy_datastore_pttl", "ephemeral")), 300)
        deadline = time.time() + 30  # generous: the assertion is that it expires, not when
        while self.host_fn("proxy_datastore_exists", "ephemeral") == "1" and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.host_fn("proxy_datastore_exists", "ephemeral"), "0")
        self.assertEqual(self.host_fn("proxy_datastore_pttl", "ephemeral"), "-2")
        self.assertEqual(self.host_fn("proxy_datastore_get", "ephemeral"), "")

    # ---- in-memory maps
    def test_maps_set_get_del_and_the_bound(self):
        self.assertEqual(self.host_fn("proxy_plugin_map_set", {"key": "colour", "value": "blue"}), "0")
        self.assertEqual(self.host_fn("proxy_plugin_map_get", "colour"), "blue")
        self.assertEqual(json.loads(self.host_fn("proxy_plugin_map"))["colour"], base64.b64encode(b"blue").decode())
        self.assertEqual(self.host_fn("proxy_global_map_get", "colour"), "")  # another map
        # --plugin-maps-max-bytes 2048: a bigger write fails with StatusInternalFailure (5), the gateway carries on.
        self.assertEqual(self.host_fn("proxy_global_map_set", {"key": "big", "value": "x" * (MAPS_MAX_BYTES + 1)}), "5")
        self.assertEqual(self.host_fn("proxy_global_map_get", "big"), "")
        self.assertEqual(self.host_fn("proxy_plugin_map_del", "colour"), "StatusOK")
        self.assertEqual(self.host_fn("proxy_plugin_map_get", "colour"), "")

    # ---- state and configuration
    def test_state_and_configuration_reads(self):
        state = json.loads(self.host_fn("proxy_state"))
        self.assertIn("r_host", [r["id"] for r in state["routes"]])
        self.assertIn("r_disabled", [r["id"] for r in state["routes"]])  # every route, as Otoroshi's state
        self.assertIn("wasm-plugin_host", [p["id"] for p in state["wasmPlugins"]])
        self.assertEqual(state["apikeys"], [])
        route = json.loads(self.host_fn("proxy_state_value", {"entity": "routes", "id": "r_attrs"}))
        self.assertEqual(route["frontend"]["domains"], ["attrs.oto.tools"])
        self.assertIsNone(json.loads(self.host_fn("proxy_state_value", {"entity": "routes", "id": "nope"})))
        self.assertEqual(json.loads(self.host_fn("proxy_state_value", {"entity": "apikeys"})), [])
        self.assertIsInstance(json.loads(self.host_fn("proxy_global_config")), dict)
        config = self.host_fn("proxy_config")
        self.assertEqual(json.loads(config)["plugin_maps_max_bytes"], MAPS_MAX_BYTES)
        self.assertNotIn("test-admin-secret", config)
        self.assertEqual(json.loads(self.host_fn("proxy_cluster_state_value", "mode")), "Off")

    # ---- attrs and log (always linked)
    def test_attrs_are_the_requests_and_set_attr_adds_a_response_header(self):
        r = self.gw.proxy("GET", "/", "attrs.oto.tools", headers={"Accept": "application/json"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("x-from-host-fn"), "yes")
        self.assertIn("otoroshi_attrs: checking the request attrs", self.gw.read_log())


if __name__ == "__main__":
    unittest.main()
