"""The Otoroshi-compatible admin API, driven over HTTP against the real binary."""
import json
import socket
import time
import unittest

from harness import ADMIN_HEADERS, GatewayTestCase, basic_auth, request, route_doc, CLIENT_ID, CLIENT_SECRET

PLUGINS = "/apis/plugins.otoroshi.io/v1/wasm-plugins"
ROUTES = "/apis/proxy.otoroshi.io/v1/routes"


def plugin_doc(pid, **extra):
    doc = {"id": pid, "name": pid, "description": "a test plugin",
           "config": {"source": {"kind": "File", "path": "./plugin.wasm"}, "functionName": "execute"}}
    doc.update(extra)
    return doc


class AuthTest(GatewayTestCase):
    def test_health_needs_no_credentials(self):
        self.assertEqual(request(self.gw.admin_port, "GET", "/health").status, 200)

    def test_missing_credentials_are_401_json(self):
        r = self.gw.admin("GET", PLUGINS, auth=False)
        self.assertEqual(r.status, 401)
        self.assertIn("error", r.json())

    def test_wrong_secret_is_401(self):
        r = request(self.gw.admin_port, "GET", PLUGINS,
                    headers={"Otoroshi-Client-Id": CLIENT_ID, "Otoroshi-Client-Secret": "nope"})
        self.assertEqual(r.status, 401)

    def test_wrong_id_is_401(self):
        r = request(self.gw.admin_port, "GET", PLUGINS, headers=basic_auth("other", CLIENT_SECRET))
        self.assertEqual(r.status, 401)

    def test_basic_auth_works(self):
        r = request(self.gw.admin_port, "GET", PLUGINS, headers=basic_auth(CLIENT_ID, CLIENT_SECRET))
        self.assertEqual(r.status, 200)
        self.assertIsInstance(r.json(), list)

    def test_admin_api_on_proxy_listener_with_otoroshi_api_host(self):
        r = request(self.gw.proxy_port, "GET", PLUGINS, headers=ADMIN_HEADERS, host="otoroshi-api.oto.tools")
        self.assertEqual(r.status, 200)
        r = request(self.gw.proxy_port, "GET", PLUGINS, host="otoroshi-api.oto.tools")
        self.assertEqual(r.status, 401)


class WasmPluginCrudTest(GatewayTestCase):
    def test_create_read_update_patch_delete(self):
        r = self.gw.admin("POST", PLUGINS, plugin_doc("wasm-plugin_crud"))
        self.assertEqual(r.status, 201, r)
        created = r.json()
        # Defaults of WasmConfig are filled in, as Otoroshi writes them.
        self.assertEqual(created["config"]["instances"], 1)
        self.assertEqual(created["config"]["killOptions"]["max_unused_duration"], 300000)
        self.assertFalse(created["config"]["authorizations"]["httpAccess"])

        r = self.gw.admin("GET", f"{PLUGINS}/wasm-plugin_crud")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["name"], "wasm-plugin_crud")

        updated = r.json()
        updated["description"] = "changed"
        r = self.gw.admin("PUT", f"{PLUGINS}/wasm-plugin_crud", updated)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.gw.admin("GET", f"{PLUGINS}/wasm-plugin_crud").json()["description"], "changed")

        r = self.gw.admin("PATCH", f"{PLUGINS}/wasm-plugin_crud", {"config": {"instances": 4}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.gw.admin("GET", f"{PLUGINS}/wasm-plugin_crud").json()["config"]["instances"], 4)

        r = self.gw.admin("PATCH", f"{PLUGINS}/wasm-plugin_crud",
                          [{"op": "replace", "path": "/name", "value": "patched"}])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.gw.admin("GET", f"{PLUGINS}/wasm-plugin_crud").json()["name"], "patched")

        self.assertEqual(self.gw.admin("DELETE", f"{PLUGINS}/wasm-plugin_crud").status, 200)
        self.assertEqual(self.gw.admin("GET", f"{PLUGINS}/wasm-plugin_crud").status, 404)

    def test_create_without_id_generates_one(self):
        doc = plugin_doc("x")
        del doc["id"]
        r = self.gw.admin("POST", PLUGINS, doc)
        self.assertEqual(r.status, 201, r)
        self.assertRegex(r.json()["id"], r"^wasm-plugin_[0-9a-f-]{36}$")

    def test_unknown_fields_are_kept(self):
        doc = plugin_doc("wasm-plugin_unknown", my_field={"nested": [1, 2]})
        doc["config"]["my_config_field"] = "kept"
        self.assertEqual(self.gw.admin("POST", PLUGINS, doc).status, 201)
        got = self.gw.admin("GET", f"{PLUGINS}/wasm-plugin_unknown").json()
        self.assertEqual(got["my_field"], {"nested": [1, 2]})
        self.assertEqual(got["config"]["my_config_field"], "kept")

    def test_duplicate_create_is_409(self):
        self.assertEqual(self.gw.admin("POST", PLUGINS, plugin_doc("wasm-plugin_dup")).status, 201)
        r = self.gw.admin("POST", PLUGINS, plugin_doc("wasm-plugin_dup", name="other"))
        self.assertEqual(r.status, 409)
        self.assertEqual(self.gw.admin("GET", f"{PLUGINS}/wasm-plugin_dup").json()["name"], "wasm-plugin_dup")

    def test_bad_input_is_400_naming_the_field_and_stores_nothing(self):
        before = self.gw.admin("GET", f"{PLUGINS}/_count").json()["count"]
        cases = [
            ("missing description", {"id": "wasm-plugin_bad1", "name": "n"}, "description"),
            ("wrong type", plugin_doc("wasm-plugin_bad2", name=12), "name"),
            ("unknown step", plugin_doc("wasm-plugin_bad3", steps=["ValidateAccess", "Teleport"]), "steps"),
            ("nested wrong type", plugin_doc("wasm-plugin_bad4", config={"memoryPages": "lots"}), "memoryPages"),
        ]
        for label, doc, field in cases:
            with self.subTest(label):
                r = self.gw.admin("POST", PLUGINS, doc)
                self.assertEqual(r.status, 400, r)
                self.assertIn(field, r.body.decode())
        r = request(self.gw.admin_port, "POST", PLUGINS, body=b"{not json",
                    headers=dict(ADMIN_HEADERS, **{"Content-Type": "application/json"}))
        self.assertEqual(r.status, 400)
        self.assertEqual(self.gw.admin("GET", f"{PLUGINS}/_count").json()["count"], before)

    def test_oversized_body_is_413_before_it_is_read(self):
        # Announce 17 MiB and send none of it: the listener must refuse from the headers alone.
        head = (f"POST {PLUGINS} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                f"Otoroshi-Client-Id: {CLIENT_ID}\r\nOtoroshi-Client-Secret: {CLIENT_SECRET}\r\n"
                f"Content-Length: {17 << 20}\r\n\r\n")
        with socket.create_connection(("127.0.0.1", self.gw.admin_port), timeout=10) as s:
            s.sendall(head.encode())
            status_line = s.makefile("rb").readline().decode()
        self.assertIn(" 413 ", status_line)
        self.assertEqual(self.gw.admin("GET", f"{PLUGINS}/wasm-plugin_big").status, 404)

    def test_template_and_count(self):
        t = self.gw.admin("GET", f"{PLUGINS}/_template").json()
        self.assertTrue(t["id"].startswith("wasm-plugin_"))
        self.assertEqual(t["name"], "New wasm plugin")
        self.assertIn("count", self.gw.admin("GET", f"{PLUGINS}/_count").json())

    def test_bulk_ndjson(self):
        lines = "\n".join(json.dumps(plugin_doc(f"wasm-plugin_bulk{i}")) for i in range(3))
        lines += "\n" + json.dumps({"id": "wasm-plugin_bulk_bad", "name": "no description"})
        r = request(self.gw.admin_port, "POST", f"{PLUGINS}/_bulk", body=lines,
                    headers=dict(ADMIN_HEADERS, **{"Content-Type": "application/x-ndjson"}))
        self.assertEqual(r.status, 200, r)
        results = [json.loads(l) for l in r.body.decode().splitlines() if l.strip()]
        self.assertEqual(len(results), 4)
        for i in range(3):
            self.assertEqual(self.gw.admin("GET", f"{PLUGINS}/wasm-plugin_bulk{i}").status, 200)
        self.assertEqual(self.gw.admin("GET", f"{PLUGINS}/wasm-plugin_bulk_bad").status, 404)


class RouteCrudTest(GatewayTestCase):
    def test_route_crud_and_legacy_path(self):
        r = self.gw.admin("POST", ROUTES, route_doc("route_crud", ["crud.oto.tools"], self.backend.port))
        self.assertEqual(r.status, 201, r)
        doc = r.json()
        self.assertTrue(doc["frontend"]["strip_path"])
        self.assertTrue(doc["enabled"])
        legacy = self.gw.admin("GET", "/api/routes/route_crud")
        self.assertEqual(legacy.status, 200)
        self.assertEqual(legacy.json()["id"], "route_crud")
        r = self.gw.admin("POST", "/api/routes", route_doc("route_legacy", ["legacy.oto.tools"], self.backend.port))
        self.assertEqual(r.status, 201, r)
        ids = [x["id"] for x in self.gw.admin("GET", ROUTES).json()]
        self.assertIn("route_legacy", ids)
        self.assertEqual(self.gw.admin("DELETE", "/api/routes/route_legacy").status, 200)
        self.assertEqual(self.gw.admin("GET", f"{ROUTES}/route_legacy").status, 404)

    def test_route_missing_name_is_400(self):
        r = self.gw.admin("POST", ROUTES, {"id": "route_noname", "frontend": {"domains": ["x.oto.tools"]}})
        self.assertEqual(r.status, 400)
        self.assertIn("name", r.body.decode())

    def test_change_is_live_on_the_proxy_immediately(self):
        host = "live.oto.tools"
        self.assertEqual(self.gw.proxy("GET", "/", host).status, 404)
        self.gw.create_route(route_doc("route_live", [host], self.backend.port))
        t0 = time.time()
        r = self.gw.proxy("GET", "/", host)
        while r.status != 200 and time.time() - t0 < 0.1:
            r = self.gw.proxy("GET", "/", host)
        self.assertEqual(r.status, 200)
        self.gw.admin("PATCH", f"{ROUTES}/route_live", {"enabled": False})
        t0 = time.time()
        r = self.gw.proxy("GET", "/", host)
        while r.status != 404 and time.time() - t0 < 0.1:
            r = self.gw.proxy("GET", "/", host)
        self.assertEqual(r.status, 404)


class GlobalConfigTest(GatewayTestCase):
    def test_get_put_patch(self):
        for path in ("/apis/config.otoroshi.io/v1/global-configs", "/api/globalconfig"):
            with self.subTest(path):
                r = self.gw.admin("GET", path)
                self.assertEqual(r.status, 200, r)
                self.assertIn("plugins", r.json())
        doc = self.gw.admin("GET", "/api/globalconfig").json()
        doc["plugins"]["config"] = {"ng": [{"plugin": "cp:otoroshi.next.plugins.WasmSink", "enabled": True,
                                            "config": {}}]}
        self.assertEqual(self.gw.admin("PUT", "/api/globalconfig", doc).status, 200)
        got = self.gw.admin("GET", "/apis/config.otoroshi.io/v1/global-configs").json()
        self.assertEqual(got["plugins"]["config"]["ng"][0]["plugin"], "cp:otoroshi.next.plugins.WasmSink")
        r = self.gw.admin("PATCH", "/api/globalconfig", {"apiReadOnly": False, "my_extra": 1})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.gw.admin("GET", "/api/globalconfig").json()["my_extra"], 1)


if __name__ == "__main__":
    unittest.main()
