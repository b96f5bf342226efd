"""Wasm jobs (spec otoroshi-wasm.md §9) through the real binary: WasmJob slots in the global config's
plugins.config.ng, written with the admin API, run on their schedule and stop when removed.

Fixture: tests/fixtures/wasm/extism/jobs.c, whose job_start / job_run / job_stop POST to config "url" + "/start",
"/run", "/stop": a counting server started here sees every call. No timing assertions: waits poll up to 10 s.
"""
import os
import shutil
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import Gateway, GatewayTestCase

BUILD = os.environ.get("WASMGATE_BUILD_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "build")
JOBS_WASM = os.path.abspath(os.path.join(BUILD, "fixtures", "wasm", "extism", "jobs.wasm"))
GLOBAL_CONFIG = "/apis/config.otoroshi.io/v1/global-configs"
WAIT_S = 10


class CountingServer:
    """Answers 200 to every POST and records the paths, in arrival order."""

    def __init__(self):
        self.paths = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, fmt, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    outer.paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, prefix):
        return f"http://127.0.0.1:{self.port}{prefix}"

    def count(self, path):
        with self.lock:
            return self.paths.count(path)

    def seen(self):
        with self.lock:
            return list(self.paths)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def wasm_config(url):
    return {"source": {"kind": "File", "path": JOBS_WASM, "opts": {}}, "memoryPages": 20,
            "allowedHosts": ["127.0.0.1"], "config": {"url": url}}


def job_slot(job):
    return {"plugin": "cp:otoroshi.next.plugins.WasmJob", "enabled": True, "config": job}


def every(unique_id, url, interval_ms):
    return job_slot({"unique_id": unique_id, "kind": "ScheduledEvery", "initial_delay": 0,
                     "interval": interval_ms, "config": wasm_config(url)})


def cron(unique_id, url, expression):
    return job_slot({"unique_id": unique_id, "kind": "Cron", "cron_expression": expression,
                     "config": wasm_config(url)})


def wait_until(predicate, what):
    deadline = time.time() + WAIT_S
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    if not predicate():
        raise AssertionError(f"timed out waiting for {what}")


def set_jobs(gw, slots):
    r = gw.admin("PATCH", GLOBAL_CONFIG, {"plugins": {"config": {"ng": slots}}})
    assert r.status == 200, r


class JobsTest(GatewayTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.counter = CountingServer()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.counter.stop()

    def tearDown(self):
        set_jobs(self.gw, [])

    def test_cron_and_interval_jobs_run_then_stop_when_removed(self):
        c = self.counter
        set_jobs(self.gw, [every("every", c.url("/every"), 200), cron("cron", c.url("/cron"), "* * * * * ?")])
        wait_until(lambda: c.count("/every/run") >= 3, "3 interval runs")
        wait_until(lambda: c.count("/cron/run") >= 2, "2 cron runs")
        self.assertEqual(c.count("/every/start"), 1)
        self.assertEqual(c.count("/cron/start"), 1)
        self.assertEqual([p for p in c.seen() if p.startswith("/every/")][0], "/every/start")

        set_jobs(self.gw, [])
        wait_until(lambda: c.count("/every/stop") == 1 and c.count("/cron/stop") == 1, "job_stop of both jobs")
        runs = (c.count("/every/run"), c.count("/cron/run"))
        time.sleep(1.5)  # longer than both schedules: a job still scheduled would have run again
        self.assertEqual((c.count("/every/run"), c.count("/cron/run")), runs)
        self.assertEqual(c.count("/every/stop"), 1)
        self.assertEqual(c.count("/cron/stop"), 1)

    def test_changed_interval_job_config_restarts_it(self):
        c = self.counter
        set_jobs(self.gw, [every("chg", c.url("/v1"), 200)])
        wait_until(lambda: c.count("/v1/run") >= 2, "runs of the first config")
        set_jobs(self.gw, [every("chg", c.url("/v2"), 200)])
        wait_until(lambda: c.count("/v2/run") >= 2, "runs of the changed config")
        seen = c.seen()
        self.assertEqual(c.count("/v1/start"), 1)
        self.assertEqual(c.count("/v1/stop"), 1)
        self.assertEqual(c.count("/v2/start"), 1)
        self.assertLess(seen.index("/v1/stop"), seen.index("/v2/start"))
        self.assertNotIn("/v1/run", seen[seen.index("/v1/stop"):])
        set_jobs(self.gw, [])
        wait_until(lambda: c.count("/v2/stop") == 1, "job_stop of the changed job")

    def test_disabled_slot_does_not_run(self):
        c = self.counter
        slot = every("off", c.url("/off"), 200)
        slot["enabled"] = False
        set_jobs(self.gw, [slot, every("on", c.url("/on"), 200)])
        wait_until(lambda: c.count("/on/run") >= 2, "runs of the enabled job")
        self.assertEqual(c.count("/off/start"), 0)


class JobsAtStartAndShutdownTest(unittest.TestCase):
    """A job stored in the global config starts with the gateway and gets job_stop when it stops."""

    def test_stored_job_starts_with_the_gateway_and_stops_with_it(self):
        tmp = tempfile.mkdtemp(prefix="wasmgate-it-")
        counter = CountingServer()
        try:
            gw = Gateway(tmp).start()
            set_jobs(gw, [every("boot", counter.url("/boot"), 200)])
            wait_until(lambda: counter.count("/boot/run") >= 1, "a run")
            self.assertEqual(gw.stop(), 0)
            self.assertEqual(counter.count("/boot/stop"), 1)

            gw = Gateway(tmp).start()  # the job is in the store: it starts again
            wait_until(lambda: counter.count("/boot/start") == 2, "job_start after restart")
            wait_until(lambda: counter.count("/boot/run") >= 2, "a run after restart")
            self.assertEqual(gw.stop(), 0)
            self.assertEqual(counter.count("/boot/stop"), 2)
        finally:
            counter.stop()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
