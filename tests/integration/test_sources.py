"""Plugin sources through the real binary (issue 5, spec otoroshi-wasm.md §2): every kind, every failure path, the
sha256 pin, Local chains and cycles, the fail-fast window after a failed first fetch and stale-if-error.

Servers are started by the test on loopback: a controllable HTTP server of wasm modules (serves, fails, slows down,
redirects) and a fake Wasmo that checks Accept, `kind`, Basic credentials or the legacy HS512 JWT.

Each source is a WasmPlugin entity referenced by a route's WasmAccessValidator slot (Local source). The fixture's
`execute` allows a request with `foo: bar` (200) and denies one without (401): both answers prove the module ran.
A source that cannot be fetched fails the call, which Otoroshi answers 400 with the reason in `Otoroshi-Error`;
the plugin's `_status` endpoint shows the same reason in source.last_error.
"""
import base64
import calendar
import hashlib
import os
import shutil
import socket
import tempfile
import threading
import time
import unittest

from harness import EchoServer, Gateway, request

from fake_wasmo import FakeWasmo, verify_hs512_jwt
from wasm_source_server import WasmSourceServer

BUILD = os.environ.get("WASMGATE_BUILD_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "build")
FIXTURES = os.path.abspath(os.path.join(BUILD, "fixtures", "wasm", "extism"))
STEPS_WASM = os.path.join(FIXTURES, "steps.wasm")
PKG = "cp:otoroshi.next.plugins."
PLUGINS = "/apis/plugins.otoroshi.io/v1/wasm-plugins"
# Otoroshi's FailedFetch window (spec §2.3): no new fetch of a failed source before this.
RETRY_AFTER_FAILURE_S = 5.0


def read(path):
    with open(path, "rb") as f:
        return f.read()


def parse_iso(text):
    """Seconds since the epoch of an ISO-8601 UTC date as the status endpoint writes it (…Z, optional millis)."""
    text = text.rstrip("Z")
    whole, _, frac = text.partition(".")
    return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) + (float("0." + frac) if frac else 0.0)


class SourcesTestBase(unittest.TestCase):
    """A gateway, a backend, a wasm server and helpers to declare one plugin + route per source."""

    gateway_args = []
    threads = 2

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="wasmgate-sources-")
        cls.steps = read(STEPS_WASM)
        cls.steps_sha = hashlib.sha256(cls.steps).hexdigest()
        cls.server = WasmSourceServer({"steps": cls.steps}).start()
        cls.backend = EchoServer(name="backend").start()
        data = os.path.join(cls.tmp, "data")
        os.makedirs(data)
        cls.gw = Gateway(data, threads=cls.threads, extra_args=list(cls.gateway_args)).start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()
        cls.backend.stop()
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # ---- declaring plugins and routes

    @classmethod
    def put_plugin(cls, plugin_id, source, **config):
        doc = {"id": plugin_id, "name": plugin_id, "description": "",
               "config": dict({"source": source, "memoryPages": 20, "functionName": "execute"}, **config)}
        r = cls.gw.admin("POST", PLUGINS, doc)
        assert r.status == 201, r
        return doc

    @classmethod
    def add_route(cls, name, plugin_id):
        host = f"{name}.src.oto.tools"
        cls.gw.create_route({
            "id": f"r_{name}", "name": name, "frontend": {"domains": [host]},
            "backend": {"targets": [{"hostname": "127.0.0.1", "port": cls.backend.port}]},
            "plugins": [{"plugin": PKG + "WasmAccessValidator", "enabled": True, "include": [], "exclude": [],
                         "config": {"source": {"kind": "Local", "path": plugin_id, "opts": {}}}}],
        })
        return host

    @classmethod
    def plugin_route(cls, name, kind, path, opts=None):
        """A WasmPlugin entity `wasm-plugin_<name>` with this source, and a route `<name>.src.oto.tools` to it."""
        plugin_id = f"wasm-plugin_{name}"
        cls.put_plugin(plugin_id, {"kind": kind, "path": path, "opts": opts or {}})
        return cls.add_route(name, plugin_id)

    # ---- requests and assertions

    def get(self, host, allowed=True):
        headers = {"Accept": "application/json"}
        if allowed:
            headers["foo"] = "bar"
        return self.gw.proxy("GET", "/", host, headers=headers)

    def status(self, name):
        r = self.gw.admin("GET", f"{PLUGINS}/wasm-plugin_{name}/_status")
        self.assertEqual(r.status, 200, r)
        return r.json()

    def assert_runs(self, host):
        r = self.get(host)
        self.assertEqual(r.status, 200, r)
        r = self.get(host, allowed=False)
        self.assertEqual(r.status, 401, r)  # the module's own decision: it ran
        self.assertEqual(r.json(), {"Otoroshi-Error": "you're not authorized"})

    def assert_call_fails(self, host, *fragments, status=400):
        """The request fails with `status` and every fragment in the Otoroshi-Error message; returns the message."""
        r = self.get(host)
        self.assertEqual(r.status, status, r)
        message = r.json()["Otoroshi-Error"]
        for fragment in fragments:
            self.assertIn(fragment, message)
        return message

    def assert_source_error(self, name, *fragments):
        """The _status endpoint shows the failed first fetch with the reason."""
        source = self.status(name)["source"]
        self.assertIsNotNone(source, "the source was never fetched")
        self.assertEqual(source["state"], "failed", source)
        self.assertIsNotNone(source["retry_at"], source)
        for fragment in fragments:
            self.assertIn(fragment, source["last_error"] or "")
        return source


class SourceKindsTest(SourcesTestBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A second copy of the module on disk: the pin-mismatch case gets its own cache key.
        cls.steps_copy = os.path.join(cls.tmp, "steps-copy.wasm")
        shutil.copyfile(STEPS_WASM, cls.steps_copy)

    # ---- kinds

    def test_base64_source_runs(self):
        host = self.plugin_route("b64", "Base64", base64.b64encode(self.steps).decode())
        self.assert_runs(host)
        source = self.status("b64")["source"]
        self.assertEqual(source["kind"], "Base64")
        self.assertEqual(source["sha256"], self.steps_sha)

    def test_base64_source_with_prefix_runs(self):
        self.assert_runs(self.plugin_route("b64prefix", "Base64", "base64://" + base64.b64encode(self.steps).decode()))

    def test_file_source_runs_with_and_without_file_prefix(self):
        self.assert_runs(self.plugin_route("file", "File", STEPS_WASM))
        self.assert_runs(self.plugin_route("fileprefix", "File", "file://" + STEPS_WASM))
        source = self.status("file")["source"]
        self.assertEqual((source["state"], source["sha256"], source["size"]), ("cached", self.steps_sha, len(self.steps)))

    def test_missing_file_fails_naming_the_path(self):
        host = self.plugin_route("nofile", "File", "/nonexistent/dir/x.wasm")
        self.assert_call_fails(host, "/nonexistent/dir/x.wasm", "No such file")
        self.assert_source_error("nofile", "cannot open /nonexistent/dir/x.wasm")

    def test_http_source_runs(self):
        self.server.publish("http", self.steps)
        host = self.plugin_route("http", "Http", self.server.url("http"))
        self.assert_runs(host)
        self.assertGreaterEqual(len(self.server.hits("http")), 1)
        source = self.status("http")["source"]
        self.assertEqual(source["kind"], "Http")
        self.assertEqual(source["path"], self.server.url("http"))
        self.assertEqual((source["state"], source["sha256"], source["last_error"]), ("cached", self.steps_sha, None))

    def test_http_redirect_chain_is_followed_by_default_and_with_follow_redirect_true(self):
        self.server.publish("redir", self.steps)
        self.assert_runs(self.plugin_route("redirdefault", "Http", self.server.redirect_url("redir", hops=3)))
        self.assert_runs(self.plugin_route("redirtrue", "Http", self.server.redirect_url("redir", hops=2),
                                           {"followRedirect": True}))
        self.assertGreaterEqual(len(self.server.hits("redir")), 1)  # the chain's end was reached

    def test_http_redirect_not_followed_when_follow_redirect_false(self):
        self.server.publish("noredir", self.steps)
        host = self.plugin_route("redirfalse", "Http", self.server.redirect_url("noredir", hops=1),
                                 {"followRedirect": False})
        self.assert_call_fails(host, "bad response 302")
        self.assert_source_error("redirfalse", "bad response 302")
        self.assertEqual(self.server.hits("noredir"), [])

    def test_http_redirect_chain_longer_than_the_limit_fails(self):
        self.server.publish("loop", self.steps)
        host = self.plugin_route("redirlong", "Http", self.server.redirect_url("loop", hops=9))
        self.assert_call_fails(host, "too many redirects")

    # ---- the sha256 pin (wasmgate extension: opts.sha256)

    def test_sha256_pin_accepts_matching_bytes(self):
        self.assert_runs(self.plugin_route("pinok", "File", STEPS_WASM, {"sha256": self.steps_sha.upper()}))

    def test_sha256_pin_refuses_other_bytes(self):
        wrong = "0" * 64
        host = self.plugin_route("pinbad", "File", self.steps_copy, {"sha256": wrong})
        message = self.assert_call_fails(host, "sha256 mismatch", wrong, self.steps_sha)
        self.assertIn(self.steps_copy, message)
        self.assert_source_error("pinbad", "sha256 mismatch")

    def test_sha256_pin_refuses_cached_bytes_of_the_same_source(self):
        # Same cache key as a source already fetched without a pin: the cached bytes are checked too.
        self.server.publish("pinned", self.steps)
        self.assert_runs(self.plugin_route("pinfirst", "Http", self.server.url("pinned")))
        host = self.plugin_route("pinsecond", "Http", self.server.url("pinned"), {"sha256": "ab" * 32})
        self.assert_call_fails(host, "sha256 mismatch", "ab" * 32)

    def test_malformed_sha256_pin_is_refused(self):
        host = self.plugin_route("pinmalformed", "File", STEPS_WASM, {"sha256": "xyz"})
        self.assert_call_fails(host, "opts.sha256", "64 hexadecimal digits")

    # ---- Http failures: the reason reaches the client and the status endpoint

    def test_bad_status_fails_with_bad_response_and_the_status(self):
        for code in (404, 500):
            with self.subTest(code=code):
                name = f"status{code}"
                self.server.publish(name, self.steps)
                self.server.set_mode(name, "status", code)
                host = self.plugin_route(name, "Http", self.server.url(name))
                self.assert_call_fails(host, f"bad response {code}", f"failing on purpose with {code}")
                self.assert_source_error(name, f"bad response {code}")

    def test_unknown_path_on_the_server_is_a_bad_response_404(self):
        host = self.plugin_route("nomodule", "Http", self.server.url("never-published"))
        self.assert_call_fails(host, "bad response 404", self.server.url("never-published"))

    def test_slow_server_fails_with_timeout(self):
        self.server.publish("slow", self.steps)
        self.server.set_mode("slow", "delay", 3000)
        host = self.plugin_route("slow", "Http", self.server.url("slow"), {"timeout": 300})
        self.assert_call_fails(host, "timeout after 300 ms")
        self.assert_source_error("slow", "timeout after 300 ms")

    def test_unknown_host_fails_with_the_dns_error(self):
        url = "http://no-such-host.invalid/x.wasm"
        host = self.plugin_route("dns", "Http", url, {"timeout": 3000})
        self.assert_call_fails(host, url, "resolving the host")
        self.assert_source_error("dns", "resolving the host")

    def test_connection_refused_fails_naming_the_url(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/x.wasm"  # bound, never listening: refused
        try:
            host = self.plugin_route("refused", "Http", url)
            self.assert_call_fails(host, url, "connecting")
        finally:
            s.close()

    def test_unsupported_kinds_fail_with_a_reason(self):
        self.assert_call_fails(self.plugin_route("classpath", "ClassPath", "wasm/x.wasm"), "ClassPath", "not supported")
        self.assert_call_fails(self.plugin_route("unknownkind", "Unknown", "x"), "unknown source")

    def test_misspelled_kind_is_refused_when_written(self):
        r = self.gw.admin("POST", PLUGINS, {"id": "wasm-plugin_typo", "name": "typo", "description": "",
                                           "config": {"source": {"kind": "Htttp", "path": "x", "opts": {}}}})
        self.assertEqual(r.status, 400, r)
        self.assertIn("config.source.kind", r.json()["error"])

    # ---- Local

    def test_local_chain_runs_the_last_entity(self):
        self.put_plugin("wasm-plugin_chain_b", {"kind": "File", "path": STEPS_WASM, "opts": {}})
        self.put_plugin("wasm-plugin_chain_a", {"kind": "Local", "path": "wasm-plugin_chain_b", "opts": {}})
        self.assert_runs(self.add_route("chain", "wasm-plugin_chain_a"))

    def test_local_cycle_is_500_naming_the_cycle(self):
        self.put_plugin("wasm-plugin_cycle_a", {"kind": "Local", "path": "wasm-plugin_cycle_b", "opts": {}})
        self.put_plugin("wasm-plugin_cycle_b", {"kind": "Local", "path": "wasm-plugin_cycle_a", "opts": {}})
        host = self.add_route("cycle", "wasm-plugin_cycle_a")
        message = self.assert_call_fails(host, "cycle", status=500)
        self.assertTrue("wasm-plugin_cycle_a" in message or "wasm-plugin_cycle_b" in message, message)

    def test_local_source_to_a_missing_entity_is_500_plugin_not_found(self):
        self.put_plugin("wasm-plugin_dangling", {"kind": "Local", "path": "wasm-plugin_absent", "opts": {}})
        self.assert_call_fails(self.add_route("dangling", "wasm-plugin_dangling"), "plugin not found",
                               "wasm-plugin_absent", status=500)


class WasmoSourceTest(SourcesTestBase):
    """Wasmo sources against a fake Wasmo; the global config's wasmoSettings switch it between auth modes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wasmo = FakeWasmo({"my-plugin": cls.steps, "jwt-plugin": cls.steps,
                               "denied-plugin": cls.steps},
                              client_id="wasmo-id", client_secret="wasmo-secret", expected_kind="team-a").start()

    @classmethod
    def tearDownClass(cls):
        cls.wasmo.stop()
        super().tearDownClass()

    def set_wasmo_settings(self, value):
        r = self.gw.admin("PATCH", "/api/globalconfig", {"wasmoSettings": value})
        self.assertEqual(r.status, 200, r)

    def wasmo_route(self, name, path):
        """The runtime takes the Wasmo settings from the state on its 1 s sync tick, the same tick that prefetches
        new entities' sources: once the source has been fetched, the settings of that state were used. A request
        sent before that tick would fetch with the previous settings."""
        host = self.plugin_route(name, "Wasmo", path)
        deadline = time.time() + 10
        while (self.status(name)["source"] or {}).get("state") not in ("cached", "failed"):
            self.assertLess(time.time(), deadline, "the Wasmo source was never prefetched")
            time.sleep(0.1)
        return host

    def wasmo_requests(self, name):
        return [q for q in self.wasmo.requests() if q["path"] == f"/wasm/{name}"]

    def test_wasmo_basic_then_legacy_jwt_then_bad_credentials(self):
        # 1. Basic credentials, nested shape {settings: {...}}, a plugins filter sent as `kind`.
        self.wasmo.auth_mode, self.wasmo.expected_kind = "basic", "team-a"
        self.set_wasmo_settings({"settings": {"url": self.wasmo.url + "/", "clientId": "wasmo-id",
                                              "clientSecret": "wasmo-secret", "legacyAuth": False,
                                              "pluginsFilter": "team-a"}})
        self.assert_runs(self.wasmo_route("wasmo", "my-plugin"))
        seen = self.wasmo_requests("my-plugin")
        self.assertTrue(seen, self.wasmo.requests())
        headers = seen[-1]["headers"]
        self.assertEqual(seen[-1]["status"], 200, seen[-1])
        self.assertEqual(headers.get("accept"), "application/json")
        self.assertEqual(headers.get("kind"), "team-a")
        self.assertEqual(headers.get("authorization"), "Basic " + base64.b64encode(b"wasmo-id:wasmo-secret").decode())
        self.assertNotIn("otoroshi-user", headers)

        # 2. Legacy auth: an Otoroshi-User HS512 JWT signed with clientId (Wasmo checks it with its token secret);
        # flat legacy shape, default plugins filter "*".
        self.wasmo.auth_mode, self.wasmo.expected_kind, self.wasmo.token_secret = "otoroshi", "*", "veryverysecret"
        self.set_wasmo_settings({"settings": None, "url": self.wasmo.url, "clientId": "veryverysecret",
                                 "clientSecret": "unused", "legacyAuth": True})
        self.assert_runs(self.wasmo_route("wasmojwt", "jwt-plugin"))
        seen = self.wasmo_requests("jwt-plugin")
        self.assertTrue(seen, self.wasmo.requests())
        headers = seen[-1]["headers"]
        self.assertEqual(seen[-1]["status"], 200, seen[-1])
        self.assertEqual(headers.get("kind"), "*")
        self.assertIsNone(verify_hs512_jwt(headers["otoroshi-user"], "veryverysecret"))
        self.assertNotIn("authorization", headers)

        # 3. A token Wasmo does not accept: the 401 and a hint reach the client.
        self.wasmo.token_secret = "another-secret"
        host = self.wasmo_route("wasmodenied", "denied-plugin")
        self.assert_call_fails(host, "bad wasmo response 401", "bad signature", "legacyAuth")
        self.assert_source_error("wasmodenied", "bad wasmo response 401")

    def test_wasmo_unknown_plugin_is_a_bad_wasmo_response_404(self):
        self.wasmo.auth_mode, self.wasmo.expected_kind = "basic", "*"
        self.set_wasmo_settings({"settings": {"url": self.wasmo.url, "clientId": "wasmo-id",
                                              "clientSecret": "wasmo-secret"}})
        host = self.wasmo_route("wasmo404", "not-built-yet")
        self.assert_call_fails(host, "bad wasmo response 404", "not-built-yet")


class MissingWasmoSettingsTest(SourcesTestBase):
    def test_wasmo_source_without_wasmo_settings_fails_naming_them(self):
        host = self.plugin_route("nowasmo", "Wasmo", "my-plugin")
        self.assert_call_fails(host, "missing wasmo settings")
        self.assert_source_error("nowasmo", "missing wasmo settings")


class RetryAndStaleTest(SourcesTestBase):
    """The source cache's failure rules (spec §2.3), with a short TTL so refetches happen during the test."""

    gateway_args = ["--wasm-cache-ttl", "500"]

    def test_failed_first_fetch_fails_fast_until_the_retry_time_then_recovers(self):
        self.server.publish("flaky", self.steps)
        self.server.set_mode("flaky", "status", 503)
        host = self.plugin_route("flaky", "Http", self.server.url("flaky"))
        self.assert_call_fails(host, "bad response 503")
        # Whoever fetched first (the prefetch on the new state or this request), the next call fails fast.
        message = self.assert_call_fails(host, "unable to access wasm binary, will retry after", "bad response 503")
        source = self.assert_source_error("flaky", "bad response 503")
        retry_at_text = source["retry_at"]
        retry_at = parse_iso(retry_at_text)
        fetches = len(self.server.hits("flaky"))
        self.assertGreaterEqual(fetches, 1)

        # The server is fixed, but nothing is fetched before the retry time: calls keep failing fast.
        self.server.set_mode("flaky", "serve")
        while time.time() < retry_at - 1.0:
            self.assert_call_fails(host, "unable to access wasm binary, will retry after")
            time.sleep(0.25)
        self.assertEqual(len(self.server.hits("flaky")), fetches, "fetched again inside the retry window")

        # After it, the next call fetches and runs.
        deadline = time.time() + RETRY_AFTER_FAILURE_S + 5
        while self.get(host).status != 200:
            self.assertLess(time.time(), deadline, "never recovered after the retry time")
            time.sleep(0.2)
        self.assertGreaterEqual(time.time(), retry_at - 0.1)
        self.assert_runs(host)
        hits = self.server.hits("flaky")
        for earlier, later in zip(hits, hits[1:]):
            self.assertGreaterEqual(later - earlier, RETRY_AFTER_FAILURE_S - 0.1, hits)
        source = self.status("flaky")["source"]
        self.assertEqual((source["state"], source["last_error"], source["sha256"]), ("cached", None, self.steps_sha))
        self.assertIn(f"will retry after {retry_at_text}", message)  # the same date, in the error and the status

    def test_failed_refetch_keeps_serving_the_old_bytes(self):
        self.server.publish("stale", self.steps)
        host = self.plugin_route("stale", "Http", self.server.url("stale"))
        self.assert_runs(host)
        self.server.set_mode("stale", "status", 500)
        # TTL 500 ms + the 1 s refresh tick: a refetch fails; the old bytes stay.
        deadline = time.time() + 10
        while not (self.status("stale")["source"]["last_error"] or ""):
            self.assertLess(time.time(), deadline, "no refetch after the TTL")
            self.assert_runs(host)
            time.sleep(0.2)
        source = self.status("stale")["source"]
        self.assertEqual((source["state"], source["sha256"]), ("cached", self.steps_sha), source)
        self.assertIn("bad response 500", source["last_error"])
        for _ in range(5):  # well past the TTL, still served
            self.assert_runs(host)
            time.sleep(0.3)


    def test_source_of_a_deleted_plugin_is_no_longer_refetched(self):
        # Otoroshi refreshes the sources of the current entities only (WasmPluginsCacheManager); a URL nobody
        # references any more must not be polled every TTL for the life of the process.
        self.server.publish("gone", self.steps)
        host = self.plugin_route("gone", "Http", self.server.url("gone"))
        self.assert_runs(host)
        deadline = time.time() + 10
        while len(self.server.hits("gone")) < 2:  # in use: refreshed every TTL (500 ms) by the 1 s tick
            self.assertLess(time.time(), deadline, "a source in use was never refreshed")
            time.sleep(0.1)
        for path in ("/apis/proxy.otoroshi.io/v1/routes/r_gone", f"{PLUGINS}/wasm-plugin_gone"):
            r = self.gw.admin("DELETE", path)
            self.assertEqual(r.status, 200, r)
        time.sleep(1.5)  # a refresh already under way may still land
        before = len(self.server.hits("gone"))
        time.sleep(3)  # 3 refresh ticks, 6 TTLs
        self.assertEqual(len(self.server.hits("gone")), before,
                         "the source of a deleted plugin is still refetched every TTL")


class SlowSourceIsolationTest(SourcesTestBase):
    """A source download in progress must not stall unrelated requests (DESIGN §4: no network wait on an I/O
    thread). One I/O thread, so a blocked thread shows as a blocked gateway."""

    threads = 1

    def test_other_routes_answer_while_a_source_downloads(self):
        self.server.publish("held", self.steps)
        self.server.set_mode("held", "hold")  # the download does not end until released below
        self.gw.create_route({"id": "r_plain", "name": "plain", "frontend": {"domains": ["plain.src.oto.tools"]},
                              "backend": {"targets": [{"hostname": "127.0.0.1", "port": self.backend.port}]}})
        host = self.plugin_route("held", "Http", self.server.url("held"), {"timeout": 30000})
        slow = {}
        t = threading.Thread(target=lambda: slow.setdefault("response", self.get(host)))
        t.start()
        try:
            deadline = time.time() + 10
            while not self.server.hits("held"):  # the download has started (prefetch or the request)
                self.assertLess(time.time(), deadline, "the source was never requested")
                time.sleep(0.05)
            time.sleep(0.3)  # the slow request reaches the gateway
            try:
                plain = request(self.gw.proxy_port, "GET", "/", host="plain.src.oto.tools", timeout=5)
            except OSError as e:  # socket timeout: the only I/O thread waits for the download
                self.fail(f"an unrelated request stalled while a wasm source downloads: {e!r}")
            self.assertEqual(plain.status, 200, plain)
        finally:
            self.server.release("held")
            t.join()
        self.assertEqual(slow["response"].status, 200, slow["response"])

if __name__ == "__main__":
    unittest.main()
