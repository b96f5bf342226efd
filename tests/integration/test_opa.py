"""OPA policies (WasmOPA, `opa: true`) through the real binary, as Otoroshi's WasmOPATests check them (spec
otoroshi-wasm.md §6): `foo: bar` -> 200, `foo: baz` -> 403 "Forbidden access"; a policy that aborts -> 400 with
its message; a policy calling a built-in wasmgate does not implement -> 400 naming it.

Fixtures: hand-written OPA-ABI modules, tests/fixtures/wasm/opa/*.wat (built to
$WASMGATE_BUILD_DIR/fixtures/wasm/opa/*.wasm).
"""
import os
import unittest
from concurrent.futures import ThreadPoolExecutor

from harness import GatewayTestCase

BUILD = os.environ.get("WASMGATE_BUILD_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "build")
OPA_DIR = os.path.abspath(os.path.join(BUILD, "fixtures", "wasm", "opa"))
PKG = "cp:otoroshi.next.plugins."


def opa_config(fixture, **extra):
    config = {"source": {"kind": "File", "path": os.path.join(OPA_DIR, fixture + ".wasm"), "opts": {}},
              "memoryPages": 20, "opa": True, "instances": 2, "callTimeoutMs": 2000}
    config.update(extra)
    return config


def slot(cls, config):
    return {"plugin": PKG + cls, "enabled": True, "include": [], "exclude": [], "config": config}


class OpaTest(GatewayTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Otoroshi's shape: a WasmPlugin entity with opa: true, referenced by the route's WasmOPA slot.
        r = cls.gw.admin("POST", "/apis/plugins.otoroshi.io/v1/wasm-plugins", {
            "id": "wasm-plugin_opa", "name": "opa validator", "description": "OPA policy",
            "steps": ["ValidateAccess"], "config": opa_config("allow_foo_bar"),
        })
        assert r.status == 201, r
        cls.route("r_opa", "opa.oto.tools",
                  [slot("WasmOPA", {"source": {"kind": "Local", "path": "wasm-plugin_opa", "opts": {}}})])
        cls.route("r_opa_inline", "inline.opa.oto.tools", [slot("WasmOPA", opa_config("allow_foo_bar"))])
        cls.route("r_opa_abort", "abort.opa.oto.tools", [slot("WasmOPA", opa_config("abort_policy"))])
        cls.route("r_opa_unknown", "unknown.opa.oto.tools", [slot("WasmOPA", opa_config("unknown_builtin"))])
        cls.route("r_opa_off", "off.opa.oto.tools", [slot("WasmOPA", opa_config("allow_foo_bar", opa=False))])

    @classmethod
    def route(cls, route_id, host, plugins):
        cls.gw.create_route({
            "id": route_id, "name": route_id, "frontend": {"domains": [host]},
            "backend": {"targets": [{"hostname": "127.0.0.1", "port": cls.backend.port}]},
            "plugins": plugins,
        })

    def get(self, host, headers=None):
        h = {"Accept": "application/json"}
        h.update(headers or {})
        return self.gw.proxy("GET", "/", host, headers=h)

    def test_allows_foo_bar_and_forbids_foo_baz(self):
        for _ in range(5):  # several evaluations on the pool's VMs: the policy is loaded once per VM
            self.assertEqual(self.get("opa.oto.tools", {"foo": "bar"}).status, 200)
            r = self.get("opa.oto.tools", {"foo": "baz"})
            self.assertEqual(r.status, 403, r)
            self.assertEqual(r.json(), {"Otoroshi-Error": "Forbidden access"})
            self.assertEqual(r.headers.get("otoroshi-error-msg"), "Forbidden access")

    def test_concurrent_requests_share_the_pool(self):
        # More requests in flight than VMs (instances: 2): some evaluate inline, others wait on the blocking pool.
        def one(i):
            value = "bar" if i % 2 == 0 else "baz"
            return i, self.get("opa.oto.tools", {"foo": value}).status
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(one, range(40)))
        for i, status in results:
            self.assertEqual(status, 200 if i % 2 == 0 else 403, i)

    def test_without_the_header_access_is_forbidden(self):
        self.assertEqual(self.get("opa.oto.tools").status, 403)

    def test_inline_config_works_like_the_entity(self):
        self.assertEqual(self.get("inline.opa.oto.tools", {"foo": "bar"}).status, 200)
        self.assertEqual(self.get("inline.opa.oto.tools", {"foo": "baz"}).status, 403)

    def test_a_policy_that_aborts_answers_400_with_its_message(self):
        r = self.get("abort.opa.oto.tools", {"foo": "bar"})
        self.assertEqual(r.status, 400, r)
        self.assertIn("opa_abort: eval_conflict_error", r.json()["Otoroshi-Error"])
        # The gateway is fine afterwards, the VM recycled.
        self.assertEqual(self.get("opa.oto.tools", {"foo": "bar"}).status, 200)

    def test_an_unknown_builtin_fails_the_load_naming_it(self):
        r = self.get("unknown.opa.oto.tools", {"foo": "bar"})
        self.assertEqual(r.status, 400, r)
        message = r.json()["Otoroshi-Error"]
        self.assertIn("built-in function(s) wasmgate does not implement: http.send", message)

    def test_wasm_opa_without_opa_true_is_refused(self):
        r = self.get("off.opa.oto.tools", {"foo": "bar"})
        self.assertEqual(r.status, 500, r)
        self.assertIn("WasmOPA needs a WasmConfig with opa: true", r.json()["Otoroshi-Error"])


if __name__ == "__main__":
    unittest.main()
