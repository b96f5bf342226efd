"""Global wasm steps through the real binary (spec otoroshi-wasm.md §3.2): WasmRequestHandler (legacy global
plugins, by domain), WasmRouter and WasmSink (global ng slots in plugins.config.ng).

Fixture: tests/fixtures/wasm/extism/steps.c (find_route, sink_matches/sink_handle, handle_request).
"""
import json
import os
import unittest

from harness import GatewayTestCase

BUILD = os.environ.get("WASMGATE_BUILD_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "build")
STEPS_WASM = os.path.abspath(os.path.join(BUILD, "fixtures", "wasm", "extism", "steps.wasm"))
PKG = "cp:otoroshi.next.plugins."


class GlobalStepsTest(GatewayTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.gw.admin("POST", "/apis/plugins.otoroshi.io/v1/wasm-plugins", {
            "id": "wasm-plugin_steps", "name": "steps", "description": "",
            "config": {"source": {"kind": "File", "path": STEPS_WASM, "opts": {}}, "memoryPages": 20},
        })
        assert r.status == 201, r
        # A normal route, so the router and the sink are seen to act only where they should.
        cls.gw.create_route({"id": "r_plain", "name": "plain", "frontend": {"domains": ["plain.oto.tools"]},
                             "backend": {"targets": [{"hostname": "127.0.0.1", "port": cls.backend.port}]}})
        routed = {"id": "r_from_router", "name": "from router",
                  "frontend": {"domains": ["routed.oto.tools"], "strip_path": True},
                  "backend": {"targets": [{"hostname": "127.0.0.1", "port": cls.backend.port}], "root": "/via-router"}}
        entity_ref = {"source": {"kind": "Local", "path": "wasm-plugin_steps", "opts": {}}}
        handler_config = {"source": {"kind": "File", "path": STEPS_WASM, "opts": {}}, "memoryPages": 20}
        cls.global_patch = {
            "plugins": {
                "enabled": True,
                "refs": ["cp:otoroshi.next.plugins.WasmRequestHandler"],
                "config": {
                    "WasmRequestHandler": {"handled.oto.tools": handler_config},
                    "ng": [
                        {"plugin": PKG + "WasmRouter", "enabled": True, "include": ["/routed/.*"], "exclude": [],
                         # Inline (not Local): with a Local source the entity's config would replace this one
                         # and its "route" entry with it (spec §2.2).
                         "config": dict(handler_config, config={"route": json.dumps(routed)})},
                        {"plugin": PKG + "WasmSink", "enabled": True, "include": [], "exclude": [],
                         "config": entity_ref},
                    ],
                },
            },
        }
        r = cls.gw.admin("PATCH", "/api/globalconfig", cls.global_patch)
        assert r.status == 200, r

    def get(self, host, path="/", **kw):
        h = {"Accept": "application/json"}
        h.update(kw.pop("headers", {}))
        return self.gw.proxy(kw.pop("method", "GET"), path, host, headers=h, **kw)

    def test_request_handler_answers_its_domain(self):
        r = self.get("handled.oto.tools", "/anything")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.headers.get("x-handled"), "yes")
        self.assertEqual(r.body, b"handled")
        r = self.get("handled.oto.tools", "/anything", method="POST", body=b"hi")
        self.assertEqual(r.body, b"handled with body")

    def test_router_picks_a_route_for_matching_paths(self):
        r = self.get("whatever.oto.tools", "/routed/x")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["path"], "/via-router/routed/x")

    def test_indexed_routes_still_work(self):
        self.assertEqual(self.get("plain.oto.tools", "/p").json()["path"], "/p")

    def test_sink_answers_unmatched_requests_it_accepts(self):
        r = self.get("nowhere.oto.tools", "/sink/me")
        self.assertEqual(r.status, 418, r)
        self.assertEqual(r.body, b"sunk")
        r = self.get("nowhere.oto.tools", "/elsewhere")
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.json(), {"Otoroshi-Error": "no route found !"})


if __name__ == "__main__":
    unittest.main()
