"""Hot reload leaves memory where it was (issue 5: "1 000 reloads leave RSS flat (within 10 %)").

One WasmPlugin entity (a File source) behind a route's WasmBackend slot is PUT 1000 times, each time switching its
source between two fixture modules, with a request after each PUT that must be answered by the new module. The
gateway's RSS after the first 50 reloads (pools, compiled modules and caches warmed up) is compared with the RSS
after 1000.

Two flavours: the source path alone alternates (two pool keys, reused in turn), and every PUT also changes the
plugin's `config` map, as an operator editing a plugin does (each PUT a pool key never seen before: a new pool, and
the previous one must be retired and freed).
"""
import os
import shutil
import tempfile
import time
import unittest

from harness import EchoServer, Gateway, request

BUILD = os.environ.get("WASMGATE_BUILD_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "build")
FIXTURES = os.path.abspath(os.path.join(BUILD, "fixtures", "wasm", "extism"))
# As a backend, wasm_target answers 200 with `foo: bar`; first_validator answers 200 without it.
MODULES = [os.path.join(FIXTURES, "wasm_target.wasm"), os.path.join(FIXTURES, "first_validator.wasm")]
PLUGINS = "/apis/plugins.otoroshi.io/v1/wasm-plugins"
RELOADS = int(os.environ.get("WASMGATE_RELOADS", "1000"))
# The baseline sample; bench/reload_memory.sh compares after 10 as the issue words it, the test after 50 (pools,
# compiled modules and allocator arenas of both modules warmed up: a steadier baseline on a noisy machine).
WARMUP = int(os.environ.get("WASMGATE_RELOAD_BASELINE", "50"))
MAX_GROWTH = 0.10
# PluginRuntime::clean runs every 5 s (main.cpp kPoolCleanInterval): retired pools are forgotten by then.
CLEANER_PERIOD_S = 5


class ReloadMemoryTest(unittest.TestCase):
    def setUp(self):  # a gateway per test: each starts from the same memory level
        self.tmp = tempfile.mkdtemp(prefix="wasmgate-reloadmem-")
        self.backend = EchoServer(name="backend").start()
        data = os.path.join(self.tmp, "data")
        os.makedirs(data)
        self.gw = Gateway(data, threads=2).start()

    def tearDown(self):
        self.gw.stop()
        self.backend.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def entity(self, plugin_id, generation, fresh_config):
        config = {"source": {"kind": "File", "path": MODULES[generation % 2], "opts": {}},
                  "memoryPages": 20, "functionName": "execute", "instances": 1}
        if fresh_config:
            config["config"] = {"generation": str(generation)}
        return {"id": plugin_id, "name": plugin_id, "description": "", "config": config}

    def reload_loop(self, name, fresh_config):
        plugin_id = f"wasm-plugin_{name}"
        host = f"{name}.mem.oto.tools"
        r = self.gw.admin("POST", PLUGINS, self.entity(plugin_id, 0, fresh_config))
        self.assertEqual(r.status, 201, r)
        self.gw.create_route({
            "id": f"r_{name}", "name": name, "frontend": {"domains": [host]},
            "backend": {"targets": [{"hostname": "127.0.0.1", "port": self.backend.port}]},
            "plugins": [{"plugin": "cp:otoroshi.next.plugins.WasmBackend", "enabled": True,
                         "config": {"source": {"kind": "Local", "path": plugin_id, "opts": {}}}}],
        })
        samples = {}  # reloads done -> RSS KiB
        started = time.time()
        for generation in range(1, RELOADS + 1):
            r = self.gw.admin("PUT", f"{PLUGINS}/{plugin_id}", self.entity(plugin_id, generation, fresh_config))
            self.assertEqual(r.status, 200, r)
            r = request(self.gw.proxy_port, "GET", "/", host=host)
            self.assertEqual(r.status, 200, (generation, r))
            # The answer comes from the module just PUT: the reload took effect for the very next request.
            self.assertEqual(r.headers.get("foo") == "bar", generation % 2 == 0, (generation, r.headers))
            if generation in (WARMUP, RELOADS):
                # "Returns to its level": measured once the pools' cleaner has run (it also trims the heap), at
                # both points alike.
                time.sleep(CLEANER_PERIOD_S + 1)
                samples[generation] = self.gw.rss_kib()
            elif generation > WARMUP and generation % 50 == 0 and self.gw.rss_kib() > 3 * samples[WARMUP]:
                samples[generation] = self.gw.rss_kib()  # clearly not flat: stop early, spare the machine
                break
        elapsed = time.time() - started
        status = self.gw.admin("GET", f"{PLUGINS}/{plugin_id}/_status").json()
        return samples, elapsed, status

    def assert_flat(self, samples, status, label):
        before = samples[WARMUP]
        done, after = max(samples.items())
        pools = status["pools"]
        self.assertEqual(done, RELOADS, f"{label}: stopped after {done} reloads, RSS already {after} KiB "
                                        f"(from {before} KiB after {WARMUP}); {self.describe(pools)}")
        self.assertLessEqual(
            after, before * (1 + MAX_GROWTH),
            f"{label}: RSS {before} KiB after {WARMUP} reloads, {after} KiB after {RELOADS} "
            f"(+{(after - before) / before:.0%}); {self.describe(pools)}")

    @staticmethod
    def describe(pools):
        retired = sum(1 for p in pools if p["retired"])
        return (f"{len(pools)} pools of the plugin ({len(pools) - retired} live, {retired} retired), "
                f"{sum(p['alive'] for p in pools)} VMs alive")

    def test_alternating_source_path_keeps_rss_flat(self):
        samples, elapsed, status = self.reload_loop("alternate", fresh_config=False)
        print(f"\nalternate: {max(samples)} reloads in {elapsed:.1f} s, RSS KiB {samples}, "
              f"{self.describe(status['pools'])}", flush=True)
        self.assert_flat(samples, status, "alternating path")

    def test_new_config_on_every_put_keeps_rss_flat_and_retires_old_pools(self):
        samples, elapsed, status = self.reload_loop("fresh", fresh_config=True)
        print(f"\nfresh config: {max(samples)} reloads in {elapsed:.1f} s, RSS KiB {samples}, "
              f"{self.describe(status['pools'])}", flush=True)
        self.assert_flat(samples, status, "new config per PUT")
        # Once the cleaner has run, only the current config's pool is left.
        time.sleep(CLEANER_PERIOD_S + 1)
        status = self.gw.admin("GET", f"{PLUGINS}/wasm-plugin_fresh/_status").json()
        self.assertLessEqual(len(status["pools"]), 1, self.describe(status["pools"]))


if __name__ == "__main__":
    unittest.main()
