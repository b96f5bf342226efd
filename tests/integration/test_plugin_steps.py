"""The wasm plugin steps through the real binary, as Otoroshi's own tests check them (spec otoroshi-wasm.md §3.2,
§12.1): a WasmPlugin entity referenced from route slots with a Local source, one route per behaviour.

Fixture: tests/fixtures/wasm/extism/steps.c (built to $WASMGATE_BUILD_DIR/fixtures/wasm/extism/steps.wasm).
"""
import os
import unittest

from harness import GatewayTestCase

BUILD = os.environ.get("WASMGATE_BUILD_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "build")
STEPS_WASM = os.path.abspath(os.path.join(BUILD, "fixtures", "wasm", "extism", "steps.wasm"))
PKG = "cp:otoroshi.next.plugins."


def local(plugin_id, function=None):
    config = {"source": {"kind": "Local", "path": plugin_id, "opts": {}}}
    if function:
        config["functionName"] = function
    return config


def slot(cls, config, **extra):
    s = {"plugin": PKG + cls, "enabled": True, "include": [], "exclude": [], "config": config}
    s.update(extra)
    return s


class PluginStepsTest(GatewayTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.gw.admin("POST", "/apis/plugins.otoroshi.io/v1/wasm-plugins", {
            "id": "wasm-plugin_steps", "name": "steps", "description": "step fixtures",
            "config": {"source": {"kind": "File", "path": STEPS_WASM, "opts": {}}, "memoryPages": 20,
                       "callTimeoutMs": 500, "instances": 2},
        })
        assert r.status == 201, r
        p = cls.backend.port
        cls.route("r_access", "access.oto.tools", [slot("WasmAccessValidator", local("wasm-plugin_steps", "execute"))])
        cls.route("r_pre", "pre.oto.tools", [slot("WasmPreRoute", local("wasm-plugin_steps", "validate"))])
        cls.route("r_match", "match.oto.tools", [slot("WasmRouteMatcher", local("wasm-plugin_steps", "match"))])
        cls.route("r_req", "req.oto.tools",
                  [slot("WasmRequestTransformer", local("wasm-plugin_steps", "transform_request"))])
        cls.route("r_res", "res.oto.tools",
                  [slot("WasmResponseTransformer", local("wasm-plugin_steps", "transform_response"))])
        cls.route("r_backend", "backend.oto.tools", [slot("WasmBackend", local("wasm-plugin_steps", "wasm_backend"))])
        cls.route("r_delegate", "delegate.oto.tools", [slot("WasmBackend", local("wasm-plugin_steps", "delegate"))])
        cls.route("r_addheader", "addheader.oto.tools",
                  [slot("WasmAccessValidator", local("wasm-plugin_steps", "allow_with_header"))])
        cls.route("r_trap", "trap.oto.tools", [slot("WasmAccessValidator", local("wasm-plugin_steps", "trap"))])
        cls.route("r_notjson", "notjson.oto.tools",
                  [slot("WasmAccessValidator", local("wasm-plugin_steps", "not_json"))])
        cls.route("r_spin", "spin.oto.tools", [slot("WasmAccessValidator", local("wasm-plugin_steps", "spin"))])
        cls.route("r_deny", "deny.oto.tools", [slot("WasmAccessValidator", local("wasm-plugin_steps", "deny_default"))])
        cls.route("r_missing", "missing.oto.tools", [slot("WasmAccessValidator", local("wasm-plugin_nope"))])
        cls.route("r_include", "include.oto.tools",
                  [slot("WasmAccessValidator", local("wasm-plugin_steps", "execute"), include=["/private/.*"])])
        cls.route("r_exclude", "exclude.oto.tools",
                  [slot("WasmAccessValidator", local("wasm-plugin_steps", "execute"), exclude=["/public/.*"])])
        cls.route("r_chain", "chain.oto.tools", [
            slot("WasmPreRoute", local("wasm-plugin_steps", "validate")),
            slot("WasmAccessValidator", local("wasm-plugin_steps", "execute")),
            slot("WasmRequestTransformer", local("wasm-plugin_steps", "transform_request")),
            slot("WasmResponseTransformer", local("wasm-plugin_steps", "transform_response")),
        ])
        cls.route("r_disabled_slot", "disabledslot.oto.tools",
                  [dict(slot("WasmAccessValidator", local("wasm-plugin_steps", "deny_default")), enabled=False)])

    @classmethod
    def route(cls, route_id, host, plugins):
        cls.gw.create_route({
            "id": route_id, "name": route_id, "frontend": {"domains": [host]},
            "backend": {"targets": [{"hostname": "127.0.0.1", "port": cls.backend.port}]},
            "plugins": plugins,
        })

    def get(self, host, path="/", headers=None, method="GET", body=None):
        h = {"Accept": "application/json"}
        h.update(headers or {})
        return self.gw.proxy(method, path, host, body=body, headers=h)

    # ---- ValidateAccess (WasmAccessControlTests)
    def test_access_validator_allows_with_header_and_denies_without(self):
        self.assertEqual(self.get("access.oto.tools", headers={"foo": "bar"}).status, 200)
        r = self.get("access.oto.tools")
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.json(), {"Otoroshi-Error": "you're not authorized"})
        self.assertEqual(r.headers.get("otoroshi-error"), "true")

    def test_access_denied_without_status_is_403_with_default_message(self):
        r = self.get("deny.oto.tools")
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json(), {"Otoroshi-Error": "An error occurred"})

    # ---- PreRoute (WasmPreRouteTests)
    def test_pre_route_answers_401_text_plain_without_header(self):
        self.assertEqual(self.get("pre.oto.tools", headers={"foo": "bar"}).status, 200)
        r = self.get("pre.oto.tools", headers={"foo": "baz"})
        self.assertEqual(r.status, 401, r)
        self.assertTrue(r.headers.get("content-type", "").startswith("text/plain"), r.headers)
        self.assertEqual(r.body, b"you're not authorized")

    # ---- MatchRoute (WasmRouteMatcherTests)
    def test_route_matcher_404_without_header_200_with(self):
        r = self.get("match.oto.tools")
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.json(), {"Otoroshi-Error": "no route found !"})
        self.assertEqual(self.get("match.oto.tools", headers={"foo": "bar"}).status, 200)

    # ---- TransformRequest (WasmRequestTransformerTests)
    def test_request_transformer_rewrites_method_headers_and_body(self):
        r = self.get("req.oto.tools", path="/hello?x=1", headers={"X-Kept": "yes"})
        self.assertEqual(r.status, 200, r)
        seen = r.json()
        self.assertEqual(seen["method"], "POST")
        self.assertEqual(seen["headers"].get("otoroshi_wasm_plugin_id"), "OTOROSHI_WASM_REQUEST_TRANSFORMER")
        self.assertEqual(seen["headers"].get("x-kept"), "yes")
        self.assertEqual(seen["path"], "/hello")
        self.assertEqual(seen["body_size"], len(b'{"foo":"bar"}'))

    def test_request_body_is_read_whole_and_replaced_by_the_transformer(self):
        # The fixture ignores the body it is given; what this shows is that a 100 kB upload is buffered (not
        # streamed past the plugin) and the backend gets the plugin's body instead. That the context carries the
        # body bytes is checked by the request handler test (test_plugin_global_steps) and the unit tests.
        r = self.get("req.oto.tools", method="POST", body=b"x" * 100000)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["body_size"], len(b'{"foo":"bar"}'))

    def test_request_body_over_limit_is_413(self):
        r = self.get("req.oto.tools", method="POST", body=b"x" * (5 << 20))
        self.assertEqual(r.status, 413, r)

    # ---- TransformResponse (WasmResponseTransformerTests)
    def test_response_transformer_sets_header_and_body(self):
        r = self.get("res.oto.tools")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("otoroshi_wasm_plugin_id"), "OTOROSHI_WASM_RESPONSE_TRANSFORMER")
        self.assertEqual(r.json(), {"foo": "bar"})

    # ---- CallBackend (WasmBackendTests)
    def test_wasm_backend_answers_in_place_of_the_backend(self):
        r = self.get("backend.oto.tools")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("foo"), "bar")
        self.assertEqual(r.json(), {"foo": "bar"})

    def test_wasm_backend_can_delegate_to_the_real_backend(self):
        r = self.get("delegate.oto.tools", path="/through")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["path"], "/through")

    # ---- attrs side channel
    def test_response_add_headers_attr_reaches_the_client(self):
        r = self.get("addheader.oto.tools")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("x-plugin-was-here"), "yes")

    # ---- faults: a defined answer for that request, and the gateway goes on
    def test_trap_not_json_and_timeout_are_400_and_the_next_call_works(self):
        for host in ("trap.oto.tools", "notjson.oto.tools", "spin.oto.tools"):
            r = self.get(host)
            self.assertEqual(r.status, 400, (host, r))
            self.assertIn("Otoroshi-Error", r.json())
        self.assertEqual(self.get("access.oto.tools", headers={"foo": "bar"}).status, 200)
        self.assertIn("timeout", self.get("spin.oto.tools").json()["Otoroshi-Error"])

    def test_missing_plugin_entity_is_500_plugin_not_found(self):
        r = self.get("missing.oto.tools")
        self.assertEqual(r.status, 500, r)
        self.assertIn("plugin not found", r.json()["Otoroshi-Error"])

    # ---- slots: include / exclude / enabled
    def test_include_and_exclude_patterns(self):
        self.assertEqual(self.get("include.oto.tools", path="/open").status, 200)
        self.assertEqual(self.get("include.oto.tools", path="/private/x").status, 401)
        self.assertEqual(self.get("exclude.oto.tools", path="/public/x").status, 200)
        self.assertEqual(self.get("exclude.oto.tools", path="/other").status, 401)

    def test_disabled_slot_is_skipped(self):
        self.assertEqual(self.get("disabledslot.oto.tools").status, 200)

    def test_steps_chain_in_order(self):
        self.assertEqual(self.get("chain.oto.tools", headers={"foo": "baz"}).status, 401)  # pre-route answers
        r = self.get("chain.oto.tools", headers={"foo": "bar"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"foo": "bar"})
        self.assertEqual(r.headers.get("otoroshi_wasm_plugin_id"), "OTOROSHI_WASM_RESPONSE_TRANSFORMER")

    def test_entity_change_is_picked_up_live(self):
        # The slot names no function: the entity's functionName is used, and a changed entity takes effect.
        entity = {"id": "wasm-plugin_switch", "name": "switch", "description": "",
                  "config": {"source": {"kind": "File", "path": STEPS_WASM, "opts": {}}, "memoryPages": 20,
                             "functionName": "deny_default"}}
        self.assertEqual(self.gw.admin("POST", "/apis/plugins.otoroshi.io/v1/wasm-plugins", entity).status, 201)
        self.route("r_switch", "switch.oto.tools", [slot("WasmAccessValidator", local("wasm-plugin_switch"))])
        self.assertEqual(self.get("switch.oto.tools").status, 403)
        entity["config"]["functionName"] = "allow_with_header"
        r = self.gw.admin("PUT", "/apis/plugins.otoroshi.io/v1/wasm-plugins/wasm-plugin_switch", entity)
        self.assertEqual(r.status, 200, r)
        r = self.get("switch.oto.tools")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("x-plugin-was-here"), "yes")

if __name__ == "__main__":
    unittest.main()
