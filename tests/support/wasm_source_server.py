"""An HTTP server of wasm modules whose behaviour a test changes on demand (Http sources, spec §2).

    server = WasmSourceServer({"steps": b"\\0asm..."}).start()
    server.url("steps")                   -> http://127.0.0.1:<port>/wasm/steps.wasm
    server.redirect_url("steps", hops=3)  -> a 302 chain of 3 hops ending at url("steps")
    server.set_mode("steps", "status", 500)   # answer 500 (with a short body) instead of the bytes
    server.set_mode("steps", "delay", 3000)   # wait 3 s, then serve the bytes
    server.set_mode("steps", "hold")          # wait until server.release("steps") (at most 60 s), then serve
    server.set_mode("steps", "serve")         # back to normal
    server.publish("steps", other_bytes)      # change the bytes served
    server.hits("steps")                      # monotonic times of every request for the module

Redirect hops are answered 302 whatever the module's mode. Stdlib only.
"""
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "wasm-source-server"

    def log_message(self, fmt, *args):
        pass

    def _send(self, status, body=b"", headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        path = urlsplit(self.path).path
        parts = path.strip("/").split("/")
        # /redirect/<hops>/<name>.wasm -> /redirect/<hops-1>/<name>.wasm ... -> /wasm/<name>.wasm
        if len(parts) == 3 and parts[0] == "redirect":
            hops = int(parts[1])
            location = f"/redirect/{hops - 1}/{parts[2]}" if hops > 1 else f"/wasm/{parts[2]}"
            self.server.record("redirect:" + parts[2])
            self._send(302, b"moved", {"Location": location})
            return
        if len(parts) != 2 or parts[0] != "wasm" or not parts[1].endswith(".wasm"):
            self._send(404, b"no such path")
            return
        name = parts[1][:-len(".wasm")]
        self.server.record(name)
        with self.server.lock:
            body = self.server.modules.get(name)
            mode = self.server.modes.get(name, ("serve",))
        if body is None:
            self._send(404, b"no such module")
            return
        if mode[0] == "status":
            self._send(mode[1], f"failing on purpose with {mode[1]}".encode(), {"Content-Type": "text/plain"})
            return
        if mode[0] == "delay":
            time.sleep(mode[1] / 1000.0)
        if mode[0] == "hold":
            self.server.gate(name).wait(60)
        self._send(200, body, {"Content-Type": "application/wasm"})


class WasmSourceServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, modules=None, port=0):
        super().__init__(("127.0.0.1", port), _Handler)
        self.lock = threading.Lock()
        self.modules = dict(modules or {})
        self.modes = {}
        self._hits = {}
        self._gates = {}
        self.thread = None

    def handle_error(self, request, client_address):
        # The gateway gives up on a delayed answer (source timeout) and closes: expected.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

    @property
    def port(self):
        return self.server_address[1]

    def url(self, name):
        return f"http://127.0.0.1:{self.port}/wasm/{name}.wasm"

    def redirect_url(self, name, hops=1):
        return f"http://127.0.0.1:{self.port}/redirect/{hops}/{name}.wasm"

    def publish(self, name, body):
        with self.lock:
            self.modules[name] = body

    def set_mode(self, name, mode, arg=None):
        with self.lock:
            self.modes[name] = (mode, arg)

    def gate(self, name):
        with self.lock:
            return self._gates.setdefault(name, threading.Event())

    def release(self, name):
        self.gate(name).set()

    def record(self, name):
        with self.lock:
            self._hits.setdefault(name, []).append(time.monotonic())

    def hits(self, name):
        with self.lock:
            return list(self._hits.get(name, []))

    def start(self):
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()
