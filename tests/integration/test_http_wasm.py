"""http-wasm guests (spec otoroshi-wasm.md §7) in NgHttpWasm route slots, through the real binary: header and URI
rewrites seen by the backend, guests answering themselves (next=0), response rewrites in handle_response, chains
of slots, get_config, and traps answered with a 500 while the gateway keeps serving.

Fixtures: tests/fixtures/wasm/http_wasm/*.wat (built to $WASMGATE_BUILD_DIR/fixtures/wasm/http_wasm/).
"""
import json
import os
import unittest

from harness import GatewayTestCase, free_port

BUILD = os.environ.get("WASMGATE_BUILD_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "build")
FIXTURES = os.path.abspath(os.path.join(BUILD, "fixtures", "wasm", "http_wasm"))
PKG = "cp:otoroshi.next.plugins."


def http_wasm(fixture, http_wasm_flag=True, **extra):
    config = {"source": {"kind": "File", "path": os.path.join(FIXTURES, fixture + ".wasm"), "opts": {}},
              "httpWasm": http_wasm_flag, "instances": 2, "callTimeoutMs": 2000}
    config.update(extra)
    return {"plugin": PKG + "NgHttpWasm", "enabled": True, "include": [], "exclude": [], "config": config}


class HttpWasmTest(GatewayTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.route("hw_headers", "headers.hw.oto.tools", [http_wasm("headers_uri")])
        cls.route("hw_short", "short.hw.oto.tools", [http_wasm("short_circuit")])
        cls.route("hw_rewrite", "rewrite.hw.oto.tools", [http_wasm("response_rewrite")])
        cls.route("hw_trap", "trap.hw.oto.tools", [http_wasm("trap")])
        cls.route("hw_config", "config.hw.oto.tools", [http_wasm("config", config={"greeting": "hi"})])
        cls.route("hw_chain", "chain.hw.oto.tools", [http_wasm("headers_uri"), http_wasm("response_rewrite")])
        cls.route("hw_chain_short", "chainshort.hw.oto.tools", [http_wasm("headers_uri"), http_wasm("short_circuit")])
        cls.route("hw_not_flagged", "noflag.hw.oto.tools", [http_wasm("headers_uri", http_wasm_flag=False)])
        cls.route("hw_down", "down.hw.oto.tools", [http_wasm("headers_uri")], port=free_port())

    @classmethod
    def route(cls, route_id, host, plugins, port=None):
        cls.gw.create_route({
            "id": route_id, "name": route_id, "frontend": {"domains": [host]},
            "backend": {"targets": [{"hostname": "127.0.0.1", "port": port or cls.backend.port}]},
            "plugins": plugins,
        })

    def send(self, host, path="/", headers=None, method="GET", body=None):
        h = {"Accept": "application/json"}
        h.update(headers or {})
        return self.gw.proxy(method, path, host, body=body, headers=h)

    def test_guest_rewrites_request_headers_and_uri_and_sees_the_response(self):
        r = self.send("headers.hw.oto.tools", "/path?x=1", headers={"X-Multi": "a", "X-Remove": "gone"})
        self.assertEqual(r.status, 200, r)
        seen = r.json()
        self.assertEqual(seen["path"], "/rewritten/path")
        self.assertEqual(seen["query"], "x=1")
        self.assertEqual(seen["headers"].get("x-set"), "set-value")
        self.assertEqual(seen["headers"].get("x-seen-multi"), "a,b,")  # get_header_values after add_header_value
        self.assertNotIn("x-remove", seen["headers"])
        # a response header set before next, then handle_response with the ctx of handle_request
        self.assertEqual(r.headers.get("x-pre-next"), "yes")
        self.assertEqual(r.headers.get("x-ctx"), "7")
        self.assertEqual(r.headers.get("x-features"), "2")  # _start enabled buffer_response
        self.assertEqual(r.headers.get("x-is-error"), "0")

    def test_guest_answers_itself_with_the_body_it_read(self):
        r = self.send("short.hw.oto.tools", "/anything", method="POST", body=b"hello world",
                      headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body, b"echo:hello world")
        self.assertTrue(r.headers.get("content-type", "").startswith("text/plain"), r.headers)
        self.assertEqual(r.headers.get("x-method"), "POST")
        self.assertEqual(r.headers.get("x-reads"), "3")  # 4-byte reads: 4 + 4 + 3 with EOF
        self.assertEqual(r.headers.get("content-length"), str(len(b"echo:hello world")))

    def test_guest_rewrites_the_backend_response(self):
        r = self.send("rewrite.hw.oto.tools", "/orig")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.headers.get("x-original-status"), "200")
        self.assertTrue(r.body.startswith(b"wrapped[") and r.body.endswith(b"]"), r.body)
        self.assertEqual(json.loads(r.body[len(b"wrapped["):-1])["path"], "/orig")

    def test_chained_slots_unwind_in_reverse_order(self):
        r = self.send("chain.hw.oto.tools", "/c")
        self.assertEqual(r.status, 201, r)  # the second slot's handle_response rewrote the status
        self.assertEqual(r.headers.get("x-ctx"), "7")  # then the first slot's ran
        self.assertEqual(json.loads(r.body[len(b"wrapped["):-1])["path"], "/rewritten/c")

    def test_earlier_slot_sees_a_later_guests_own_answer(self):
        r = self.send("chainshort.hw.oto.tools", "/s", method="POST", body=b"abc")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body, b"echo:abc")
        self.assertEqual(r.headers.get("x-ctx"), "7")
        self.assertEqual(r.headers.get("x-pre-next"), "yes")

    def test_get_config_returns_the_json_of_the_config_map(self):
        r = self.send("config.hw.oto.tools", "/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"greeting": "hi"})
        self.assertEqual(r.headers.get("x-protocol"), "HTTP/1.1")
        self.assertTrue(r.headers.get("x-source", "").startswith("127.0.0.1:"), r.headers)

    def test_traps_answer_500_and_the_gateway_keeps_serving(self):
        for headers in ({}, {"X-Host-Trap": "1"}, {"X-Late-Trap": "1"}):
            r = self.send("trap.hw.oto.tools", "/", headers=headers)
            self.assertEqual(r.status, 500, (headers, r))
            self.assertIn("Otoroshi-Error", r.json())
            self.assertEqual(r.headers.get("otoroshi-error"), "true")
        self.assertIn("not an origin-form URI", self.send("trap.hw.oto.tools", "/", {"X-Host-Trap": "1"}).json()[
            "Otoroshi-Error"])
        self.assertEqual(self.send("headers.hw.oto.tools", "/after").status, 200)

    def test_concurrent_requests_share_the_pool_and_each_gets_its_own_ctx(self):
        # instances=2: each request holds a VM from handle_request to handle_response; the others wait their turn.
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda i: self.send("headers.hw.oto.tools", f"/p{i}"), range(24)))
        for i, r in enumerate(results):
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json()["path"], f"/rewritten/p{i}")
            self.assertEqual(r.headers.get("x-ctx"), "7")

    def test_slot_without_http_wasm_flag_is_refused(self):
        r = self.send("noflag.hw.oto.tools", "/")
        self.assertEqual(r.status, 500, r)
        self.assertIn("httpWasm: true", r.json()["Otoroshi-Error"])

    def test_backend_error_reaches_handle_response_with_is_error(self):
        r = self.send("down.hw.oto.tools", "/")
        self.assertEqual(r.status, 502, r)
        self.assertEqual(r.headers.get("x-is-error"), "1")
        self.assertEqual(r.headers.get("x-ctx"), "7")


if __name__ == "__main__":
    unittest.main()
