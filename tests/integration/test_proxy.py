"""Reverse proxying through the real binary: routing, rewriting, streaming, upstream errors."""
import hashlib
import http.client
import json
import os
import socket
import threading
import time
import unittest

from harness import EchoServer, GatewayTestCase, free_port, request, route_doc


class RoutingTest(GatewayTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        p = cls.backend.port
        cls.gw.create_route(route_doc("r_basic", ["basic.oto.tools"], p))
        cls.gw.create_route(route_doc("r_strip", ["strip.oto.tools/api"], p))
        cls.gw.create_route(route_doc("r_nostrip", ["nostrip.oto.tools/api"], p, strip_path=False))
        root = route_doc("r_root", ["root.oto.tools/api"], p)
        root["backend"]["root"] = "/v1"
        cls.gw.create_route(root)
        cls.gw.create_route(route_doc("r_exact", ["exact.oto.tools/only"], p, exact=True))
        cls.gw.create_route(route_doc("r_wild", ["*.wild.oto.tools"], p))
        cls.gw.create_route(route_doc("r_methods", ["methods.oto.tools"], p, methods=["POST"]))
        cls.gw.create_route(route_doc("r_headers", ["headers.oto.tools"], p, headers={"x-tenant": "acme"}))
        cls.gw.create_route(route_doc("r_short", ["longest.oto.tools/a"], p))
        long_route = route_doc("r_long", ["longest.oto.tools/a/b"], p)
        long_route["backend"]["root"] = "/long"
        cls.gw.create_route(long_route)
        disabled = route_doc("r_disabled", ["disabled.oto.tools"], p)
        disabled["enabled"] = False
        cls.gw.create_route(disabled)

    def echo(self, path, host, method="GET", **kw):
        r = self.gw.proxy(method, path, host, **kw)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def test_forwards_path_query_and_forwarded_headers(self):
        e = self.echo("/hello?x=1&y=2", "basic.oto.tools", headers={"X-Custom": "kept"})
        self.assertEqual(e["path"], "/hello")
        self.assertEqual(e["query"], "x=1&y=2")
        self.assertEqual(e["headers"]["x-custom"], "kept")
        self.assertEqual(e["headers"]["x-forwarded-for"], "127.0.0.1")
        self.assertEqual(e["headers"]["x-forwarded-proto"], "http")
        self.assertEqual(e["headers"]["x-forwarded-host"], "basic.oto.tools")
        self.assertTrue(e["headers"]["host"].startswith("127.0.0.1"))

    def test_host_header_with_port_and_upper_case(self):
        self.assertEqual(self.echo("/", f"BASIC.oto.tools:{self.gw.proxy_port}")["path"], "/")

    def test_strip_path(self):
        self.assertEqual(self.echo("/api/users", "strip.oto.tools")["path"], "/users")
        self.assertEqual(self.echo("/api/users", "nostrip.oto.tools")["path"], "/api/users")
        self.assertEqual(self.echo("/api/users", "root.oto.tools")["path"], "/v1/users")

    def test_exact(self):
        self.echo("/only", "exact.oto.tools")
        self.assertEqual(self.gw.proxy("GET", "/only/more", "exact.oto.tools").status, 404)

    def test_wildcard_host(self):
        self.echo("/", "a.wild.oto.tools")
        self.echo("/", "deep.b.wild.oto.tools")
        self.assertEqual(self.gw.proxy("GET", "/", "wild.oto.tools").status, 404)

    def test_methods(self):
        self.echo("/", "methods.oto.tools", method="POST", body=b"{}")
        self.assertEqual(self.gw.proxy("GET", "/", "methods.oto.tools").status, 404)

    def test_headers(self):
        self.echo("/", "headers.oto.tools", headers={"X-Tenant": "acme"})
        self.assertEqual(self.gw.proxy("GET", "/", "headers.oto.tools", headers={"X-Tenant": "other"}).status, 404)
        self.assertEqual(self.gw.proxy("GET", "/", "headers.oto.tools").status, 404)

    def test_longest_path_wins(self):
        self.assertEqual(self.echo("/a/b/c", "longest.oto.tools")["path"], "/long/c")
        self.assertEqual(self.echo("/a/x", "longest.oto.tools")["path"], "/x")

    def test_disabled_route_is_not_served(self):
        self.assertEqual(self.gw.proxy("GET", "/", "disabled.oto.tools").status, 404)

    def test_no_route_is_404_json_or_html_as_otoroshi(self):
        r = self.gw.proxy("GET", "/", "nothing.oto.tools", headers={"Accept": "application/json"})
        self.assertEqual(r.status, 404)
        self.assertIn("Otoroshi-Error", r.json())
        self.assertEqual(r.headers.get("otoroshi-error"), "true")
        r = self.gw.proxy("GET", "/", "nothing.oto.tools", headers={"Accept": "text/html"})
        self.assertEqual(r.status, 404)
        self.assertIn("text/html", r.headers["content-type"])

    def test_keep_alive_serves_many_requests_on_one_connection(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.gw.proxy_port, timeout=10)
        for i in range(50):
            conn.request("GET", f"/k{i}", headers={"Host": "basic.oto.tools"})
            resp = conn.getresponse()
            self.assertEqual(json.loads(resp.read())["path"], f"/k{i}")
        sock_before = conn.sock
        conn.request("GET", "/last", headers={"Host": "basic.oto.tools"})
        conn.getresponse().read()
        self.assertIs(conn.sock, sock_before)
        conn.close()


class StreamingTest(GatewayTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gw.create_route(route_doc("r_stream", ["stream.oto.tools"], cls.backend.port))

    def test_chunked_request_body_arrives_whole(self):
        pieces = [os.urandom(10_000 + i) for i in range(20)]
        conn = http.client.HTTPConnection("127.0.0.1", self.gw.proxy_port, timeout=30)
        conn.request("POST", "/upload", body=iter(pieces), encode_chunked=True,
                     headers={"Host": "stream.oto.tools", "Transfer-Encoding": "chunked"})
        e = json.loads(conn.getresponse().read())
        conn.close()
        blob = b"".join(pieces)
        self.assertEqual(e["body_size"], len(blob))
        self.assertEqual(e["body_sha256"], hashlib.sha256(blob).hexdigest())

    def test_content_length_body_arrives_whole(self):
        blob = os.urandom(3 << 20)
        e = self.gw.proxy("PUT", "/put", "stream.oto.tools", body=blob).json()
        self.assertEqual(e["body_size"], len(blob))
        self.assertEqual(e["body_sha256"], hashlib.sha256(blob).hexdigest())

    def test_chunked_response_streams_through(self):
        n = 50 << 20
        conn = http.client.HTTPConnection("127.0.0.1", self.gw.proxy_port, timeout=60)
        conn.request("GET", f"/stream?bytes={n}", headers={"Host": "stream.oto.tools"})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        got = 0
        while True:
            piece = resp.read(1 << 16)
            if not piece:
                break
            got += len(piece)
        conn.close()
        self.assertEqual(got, n)

    def _raw_get(self, target, version):
        """The client's view of one request, read until the gateway closes: (head lines, body bytes)."""
        s = socket.create_connection(("127.0.0.1", self.gw.proxy_port), timeout=30)
        s.sendall(f"GET {target} {version}\r\nHost: stream.oto.tools\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            piece = s.recv(1 << 16)
            if not piece:
                break
            data += piece
        s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        return head.decode().split("\r\n"), body

    def test_chunked_response_reaches_an_http10_client_unchunked(self):
        for te, expected in (("", None), ("&te=gzip", "gzip")):
            lines, body = self._raw_get(f"/stream?bytes=100000{te}", "HTTP/1.0")
            self.assertTrue(lines[0].startswith("HTTP/1.1 200"), lines[0])
            encodings = [l.split(":", 1)[1].strip() for l in lines if l.lower().startswith("transfer-encoding:")]
            self.assertEqual(encodings, [expected] if expected else [])  # "chunked" removed, other codings kept
            self.assertIn("Connection: close", lines)
            self.assertEqual(body, b"x" * 100000)  # de-chunked, ended by the close

    def test_close_delimited_response_is_chunked_for_http11_clients(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.gw.proxy_port, timeout=30)
        conn.request("GET", "/unframed?bytes=200000", headers={"Host": "stream.oto.tools"})
        resp = conn.getresponse()
        self.assertEqual(resp.getheader("Transfer-Encoding"), "chunked")
        self.assertIsNone(resp.getheader("Content-Length"))
        self.assertEqual(resp.read(), b"y" * 200000)
        # The client connection stays usable: the end of the body is the last chunk, not a close.
        conn.request("GET", "/last", headers={"Host": "stream.oto.tools"})
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()

    def test_one_gib_upload_passes_with_flat_memory(self):
        total = 1 << 30
        block = os.urandom(1 << 20)
        digest = hashlib.sha256()
        for _ in range(total // len(block)):
            digest.update(block)
        baseline = self.gw.rss_kib()
        peak = [baseline]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], self.gw.rss_kib())
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.gw.proxy_port, timeout=300)
            conn.request("POST", "/big", body=(block for _ in range(total // len(block))), encode_chunked=True,
                         headers={"Host": "stream.oto.tools", "Transfer-Encoding": "chunked"})
            e = json.loads(conn.getresponse().read())
            conn.close()
        finally:
            done.set()
            sampler.join()
        self.assertEqual(e["body_size"], total)
        self.assertEqual(e["body_sha256"], digest.hexdigest())
        growth_mib = (peak[0] - baseline) / 1024
        self.assertLess(growth_mib, 64, f"RSS grew {growth_mib:.1f} MiB while 1 GiB passed through")


def read_responses(sock, count):
    """Reads `count` HTTP/1.1 responses framed by Content-Length from `sock`: [(status line, body)]."""
    data, out = b"", []
    while len(out) < count:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            lines = data[:head_end].decode().split("\r\n")
            length = next(int(l.split(":", 1)[1]) for l in lines if l.lower().startswith("content-length:"))
            if len(data) >= head_end + 4 + length:
                out.append((lines[0], data[head_end + 4:head_end + 4 + length]))
                data = data[head_end + 4 + length:]
                continue
        piece = sock.recv(1 << 16)
        if not piece:
            raise AssertionError(f"connection closed after {len(out)} of {count} responses")
        data += piece
    return out


class RawBackend:
    """A backend on a raw socket: `answer(conn, head, rest)` is called for each request head received on a
    connection (`rest`: the bytes after the head) and returns the bytes left over after that request's body.
    Lets a test shape the bytes on the wire: pieces, delays, interim answers, slow reads."""

    def __init__(self, answer):
        self.answer = answer
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve_connection, args=(conn,), daemon=True).start()

    def _serve_connection(self, conn):
        with conn:
            data = b""
            while True:
                while b"\r\n\r\n" not in data:
                    piece = conn.recv(1 << 16)
                    if not piece:
                        return
                    data += piece
                head, _, rest = data.partition(b"\r\n\r\n")
                data = self.answer(conn, head.decode(), rest)

    def stop(self):
        self.server.close()


def content_length(head):
    return next((int(l.split(":", 1)[1]) for l in head.split("\r\n") if l.lower().startswith("content-length:")), 0)


class FramingTest(GatewayTestCase):
    """Messages whose bytes arrive glued together (pipelining) or in pieces, on both sides of the proxy."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gw.create_route(route_doc("r_framing", ["framing.oto.tools"], cls.backend.port))

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.gw.proxy_port), timeout=30)

    def test_pipelined_requests_are_answered_in_order(self):
        requests = b"".join([
            b"GET /one HTTP/1.1\r\nHost: framing.oto.tools\r\n\r\n",
            b"POST /two HTTP/1.1\r\nHost: framing.oto.tools\r\nContent-Length: 5\r\n\r\nhello",
            b"POST /three HTTP/1.1\r\nHost: framing.oto.tools\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n0\r\n\r\n",
            b"GET /four HTTP/1.1\r\nHost: framing.oto.tools\r\n\r\n",
        ])
        with self.connect() as s:
            s.sendall(requests)  # all four in one write: they reach the gateway in one read
            answers = [(status, json.loads(body)) for status, body in read_responses(s, 4)]
        self.assertEqual([a["path"] for _, a in answers], ["/one", "/two", "/three", "/four"])
        self.assertTrue(all(status.startswith("HTTP/1.1 200") for status, _ in answers), answers)
        self.assertEqual([a["body_size"] for _, a in answers], [0, 5, 3, 0])

    def test_request_arriving_in_pieces_is_reassembled(self):
        request = (b"POST /pieces?x=1 HTTP/1.1\r\nHost: framing.oto.tools\r\nX-Custom: kept\r\n"
                   b"Content-Length: 10\r\n\r\n0123456789")
        with self.connect() as s:
            cuts = [1, 10, 40, len(request) - 4]  # inside the start line, the fields, the body
            for start, end in zip([0] + cuts, cuts + [len(request)]):
                s.sendall(request[start:end])
                time.sleep(0.02)
            [(status, body)] = read_responses(s, 1)
        e = json.loads(body)
        self.assertTrue(status.startswith("HTTP/1.1 200"), status)
        self.assertEqual((e["path"], e["query"], e["headers"]["x-custom"]), ("/pieces", "x=1", "kept"))
        self.assertEqual(e["body_size"], 10)
        self.assertEqual(e["body_sha256"], hashlib.sha256(b"0123456789").hexdigest())

    def route_to(self, name, backend):
        host = f"{name}.oto.tools"
        self.gw.create_route(route_doc(f"r_{name}", [host], backend.port))
        return host

    def test_backend_answers_in_pieces_and_with_a_glued_interim(self):
        body = b"a body sent in two pieces"

        def dribble(conn, head, rest, interim):
            answer = f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n\r\n"
            answer = (b"HTTP/1.1 100 Continue\r\n\r\n" if interim else b"") + answer.encode()
            for piece in (answer[:len(answer) // 2], answer[len(answer) // 2:], body[:3], body[3:]):
                conn.sendall(piece)
                time.sleep(0.02)
            return rest  # the requests here carry no body

        for interim in (False, True):
            with self.subTest(interim=interim):
                backend = RawBackend(lambda conn, head, rest: dribble(conn, head, rest, interim))
                try:
                    host = self.route_to(f"dribble{int(interim)}", backend)
                    with self.connect() as s:
                        # Two requests on one connection, so the second rides a reused backend connection.
                        for _ in range(2):
                            s.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
                            [(status, got)] = read_responses(s, 1)
                            self.assertTrue(status.startswith("HTTP/1.1 200"), status)
                            self.assertEqual(got, body)
                finally:
                    backend.stop()

    def test_large_answer_to_a_client_that_reads_late_arrives_intact(self):
        # The gateway's writes to the client fill the socket buffers and must wait, then go on where they stopped.
        body = os.urandom(32 << 20)

        def send_big(conn, head, rest):
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
            return rest

        backend = RawBackend(send_big)
        try:
            host = self.route_to("bigdown", backend)
            with self.connect() as s:
                s.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
                time.sleep(0.5)
                [(status, got)] = read_responses(s, 1)
            self.assertTrue(status.startswith("HTTP/1.1 200"), status)
            self.assertEqual(hashlib.sha256(got).hexdigest(), hashlib.sha256(body).hexdigest())
        finally:
            backend.stop()

    def test_client_leaving_mid_answer_leaves_the_gateway_serving(self):
        # The gateway's next write to the gone client fails (EPIPE / ECONNRESET, not SIGPIPE): that request ends,
        # nothing else does.
        body = os.urandom(32 << 20)

        def send_big(conn, head, rest):
            try:
                conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
            except OSError:
                pass  # the gateway dropped this backend connection when its client left
            return rest

        backend = RawBackend(send_big)
        try:
            host = self.route_to("leaver", backend)
            for _ in range(3):
                s = self.connect()
                s.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
                self.assertTrue(s.recv(1 << 16).startswith(b"HTTP/1.1 200"))
                # RST on close (unread data pending), so the gateway's writes fail rather than block.
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                s.close()
            with self.connect() as s:
                s.sendall(b"GET /after HTTP/1.1\r\nHost: framing.oto.tools\r\n\r\n")
                [(status, got)] = read_responses(s, 1)
            self.assertTrue(status.startswith("HTTP/1.1 200"), status)
            self.assertEqual(json.loads(got)["path"], "/after")
        finally:
            backend.stop()

    def test_large_upload_to_a_backend_that_reads_late_arrives_intact(self):
        # The gateway's writes to the backend fill the socket buffers and must wait, then go on where they stopped.
        body = os.urandom(32 << 20)

        def read_late(conn, head, rest):
            time.sleep(0.5)
            need = content_length(head)
            while len(rest) < need:
                rest += conn.recv(1 << 16)
            digest = hashlib.sha256(rest[:need]).hexdigest().encode()
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {len(digest)}\r\n\r\n".encode() + digest)
            return rest[need:]

        backend = RawBackend(read_late)
        try:
            host = self.route_to("bigup", backend)
            with self.connect() as s:
                s.sendall(f"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                          + body)
                [(status, got)] = read_responses(s, 1)
            self.assertTrue(status.startswith("HTTP/1.1 200"), status)
            self.assertEqual(got.decode(), hashlib.sha256(body).hexdigest())
        finally:
            backend.stop()

class UpstreamErrorsTest(GatewayTestCase):
    def test_backend_down_is_502(self):
        dead = free_port()
        self.gw.create_route(route_doc("r_dead", ["dead.oto.tools"], dead))
        r = self.gw.proxy("GET", "/", "dead.oto.tools", headers={"Accept": "application/json"})
        self.assertEqual(r.status, 502)
        self.assertIn("Otoroshi-Error", r.json())

    def test_backend_timeout_is_504(self):
        route = route_doc("r_slow", ["slow.oto.tools"], self.backend.port)
        route["backend"]["client"] = {"call_timeout": 300}
        self.gw.create_route(route)
        t0 = time.time()
        r = self.gw.proxy("GET", "/slow?ms=3000", "slow.oto.tools", headers={"Accept": "application/json"})
        self.assertEqual(r.status, 504)
        self.assertLess(time.time() - t0, 2.5)

    def test_weighted_round_robin(self):
        other = EchoServer(name="backend-b").start()
        try:
            route = route_doc("r_rr", ["rr.oto.tools"], self.backend.port)
            route["backend"]["targets"] = [
                {"hostname": "127.0.0.1", "port": self.backend.port, "weight": 1},
                {"hostname": "127.0.0.1", "port": other.port, "weight": 3},
            ]
            self.gw.create_route(route)
            counts = {"backend-a": 0, "backend-b": 0}
            conn = http.client.HTTPConnection("127.0.0.1", self.gw.proxy_port, timeout=10)
            for _ in range(200):
                conn.request("GET", "/", headers={"Host": "rr.oto.tools"})
                counts[json.loads(conn.getresponse().read())["backend"]] += 1
            conn.close()
            self.assertGreater(counts["backend-b"], 130, counts)
            self.assertGreater(counts["backend-a"], 30, counts)
        finally:
            other.stop()

    def test_backup_target_used_only_when_primaries_fail(self):
        other = EchoServer(name="backend-backup").start()
        try:
            route = route_doc("r_backup", ["backup.oto.tools"], self.backend.port)
            route["backend"]["targets"] = [
                {"hostname": "127.0.0.1", "port": self.backend.port},
                {"hostname": "127.0.0.1", "port": other.port, "backup": True},
            ]
            self.gw.create_route(route)
            for _ in range(10):
                self.assertEqual(self.gw.proxy("GET", "/", "backup.oto.tools").json()["backend"], "backend-a")
        finally:
            other.stop()


if __name__ == "__main__":
    unittest.main()
