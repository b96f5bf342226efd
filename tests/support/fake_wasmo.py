"""A fake Wasmo (the plugin builder that serves .wasm files to Otoroshi, spec otoroshi-wasm.md §2.1), strict about
what Otoroshi sends:

    GET /wasm/<name>   (Wasmo appends .wasm when missing: /wasm/x and /wasm/x.wasm are the same module)
      Accept: application/json                                   else 406
      kind: <the expected plugins filter>                        else 400
      auth_mode "basic":    Authorization: Basic base64(client_id:client_secret)       else 401
      auth_mode "otoroshi": Otoroshi-User: HS512 JWT signed with token_secret, iss "otoroshi"  else 401

Every request is recorded (path, lower-cased headers, the status answered, the reason of a refusal) so a test can
check what the gateway sent. Stdlib only: the JWT is verified with hmac/hashlib.
"""
import base64
import hashlib
import hmac
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def verify_hs512_jwt(token, secret):
    """None when `token` is a valid HS512 JWT from Otoroshi signed with `secret`, else the reason."""
    parts = token.split(".")
    if len(parts) != 3:
        return "not a JWT (expected 3 dot-separated parts)"
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
    except ValueError as e:
        return f"undecodable JWT: {e}"
    if header.get("alg") != "HS512":
        return f"alg {header.get('alg')!r}, expected HS512"
    expected = b64url_encode(hmac.new(secret.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha512).digest())
    if not hmac.compare_digest(expected, parts[2]):
        return "bad signature"
    if payload.get("iss") != "otoroshi":
        return f"iss {payload.get('iss')!r}, expected 'otoroshi'"
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-wasmo"

    def log_message(self, fmt, *args):
        pass

    def _answer(self, status, body, reason=None, content_type="application/json"):
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.record({"path": urlsplit(self.path).path, "headers": headers, "status": status, "reason": reason})
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _refuse(self, status, reason):
        self._answer(status, json.dumps({"error": reason}).encode(), reason)

    def _auth_problem(self):
        srv = self.server
        if srv.auth_mode == "basic":
            got = self.headers.get("Authorization", "")
            want = "Basic " + base64.b64encode(f"{srv.client_id}:{srv.client_secret}".encode()).decode()
            return None if hmac.compare_digest(got, want) else f"bad basic credentials: {got!r}"
        token = self.headers.get("Otoroshi-User")
        if not token:
            return "missing Otoroshi-User header"
        return verify_hs512_jwt(token, srv.token_secret)

    def do_GET(self):
        path = unquote(urlsplit(self.path).path)
        if not path.startswith("/wasm/"):
            return self._refuse(404, "not found")
        if self.headers.get("Accept") != "application/json":
            return self._refuse(406, f"Accept {self.headers.get('Accept')!r}, expected application/json")
        if self.headers.get("kind") != self.server.expected_kind:
            return self._refuse(400, f"kind {self.headers.get('kind')!r}, expected {self.server.expected_kind!r}")
        problem = self._auth_problem()
        if problem:
            return self._refuse(401, problem)
        name = path[len("/wasm/"):]
        if name.endswith(".wasm"):
            name = name[:-len(".wasm")]
        body = self.server.plugins.get(name)
        if body is None:
            return self._refuse(404, f"plugin {name} not found")
        self._answer(200, body, content_type="application/wasm")


class FakeWasmo(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, plugins, client_id="wasmo-client", client_secret="wasmo-secret", auth_mode="basic",
                 token_secret="veryverysecret", expected_kind="*", port=0):
        super().__init__(("127.0.0.1", port), _Handler)
        self.plugins = dict(plugins)
        self.client_id = client_id
        self.client_secret = client_secret
        self.auth_mode = auth_mode  # "basic" or "otoroshi" (Wasmo's AUTH_MODE)
        self.token_secret = token_secret
        self.expected_kind = expected_kind
        self._lock = threading.Lock()
        self._requests = []
        self.thread = None

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

    @property
    def port(self):
        return self.server_address[1]

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def record(self, entry):
        with self._lock:
            self._requests.append(entry)

    def requests(self):
        with self._lock:
            return list(self._requests)

    def start(self):
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()
