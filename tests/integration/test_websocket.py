"""WebSocket tunnels through the real binary (wasmgate issue 4): plain relay, WasmWebsocketTransformer (as
Otoroshi's WasmWebsocketTransformerTests: request messages echoed, response messages prefixed "[RESPONSE]:"),
request plugins still gating the upgrade, and backend failures answered before the upgrade.

Fixtures: tests/fixtures/wasm/extism/ws.c and steps.c (built to $WASMGATE_BUILD_DIR/fixtures/wasm/extism/), the
RFC 6455 echo backend tests/support/ws_backend.py.
"""
import base64
import os
import shutil
import signal
import socket
import struct
import tempfile
import unittest

from harness import Gateway, GatewayTestCase, free_port
from ws_backend import (OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, WsEchoServer, accept_key, encode_frame,
                        read_frame, read_http_head)

BUILD = os.environ.get("WASMGATE_BUILD_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "build")
EXTISM = os.path.abspath(os.path.join(BUILD, "fixtures", "wasm", "extism"))
PKG = "cp:otoroshi.next.plugins."


def local(plugin_id, function=None):
    config = {"source": {"kind": "Local", "path": plugin_id, "opts": {}}}
    if function:
        config["functionName"] = function
    return config


def slot(cls, config):
    return {"plugin": PKG + cls, "enabled": True, "include": [], "exclude": [], "config": config}


class WsClient:
    """A minimal client: the opening handshake, masked frames out, whole messages in."""

    def __init__(self, port, host, path="/", headers=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=15)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13", "Accept: application/json"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        start, self.headers, rest = read_http_head(self.sock)
        self.status = int(start.split(" ")[1])
        self.body = rest
        if self.status == 101:
            assert self.headers.get("sec-websocket-accept") == accept_key(key), self.headers
            assert rest == b"", rest
        else:
            length = int(self.headers.get("content-length", "0"))
            while len(self.body) < length:
                piece = self.sock.recv(length - len(self.body))
                if not piece:
                    break
                self.body += piece

    def send(self, opcode, payload):
        self.sock.sendall(encode_frame(opcode, payload, mask=True))

    def send_text(self, text):
        self.send(OP_TEXT, text.encode())

    def receive(self):
        """(opcode, payload) of the next message; pongs are skipped, fragments joined."""
        opcode, message = None, b""
        while True:
            fin, op, payload = read_frame(self.sock)
            if op == OP_PONG:
                continue
            if op in (OP_CLOSE, OP_PING):
                return op, payload
            if op != 0:
                opcode = op
            message += payload
            if fin:
                return opcode, message

    def close(self, code=1000):
        self.send(OP_CLOSE, struct.pack("!H", code))
        return self.receive()

    def shutdown(self):
        self.sock.close()


class WebsocketTest(GatewayTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ws = WsEchoServer().start()
        # The entity names a functionName that rejects everything: a transformer slot must not use it (§3.2).
        r = cls.gw.admin("POST", "/apis/plugins.otoroshi.io/v1/wasm-plugins", {
            "id": "wasm-plugin_ws", "name": "ws", "description": "websocket transformer fixture",
            "config": {"source": {"kind": "File", "path": os.path.join(EXTISM, "ws.wasm"), "opts": {}},
                       "functionName": "reject_message", "memoryPages": 40, "callTimeoutMs": 1000, "instances": 2},
        })
        assert r.status == 201, r
        r = cls.gw.admin("POST", "/apis/plugins.otoroshi.io/v1/wasm-plugins", {
            "id": "wasm-plugin_steps", "name": "steps", "description": "step fixtures",
            "config": {"source": {"kind": "File", "path": os.path.join(EXTISM, "steps.wasm"), "opts": {}},
                       "memoryPages": 20, "callTimeoutMs": 500, "instances": 2},
        })
        assert r.status == 201, r
        cls.route("r_ws", "ws.oto.tools", [])
        cls.route("r_ws_transform", "wstransform.oto.tools",
                  [slot("WasmWebsocketTransformer", local("wasm-plugin_ws"))])
        cls.route("r_ws_reject", "wsreject.oto.tools",
                  [slot("WasmWebsocketTransformer", local("wasm-plugin_ws", "reject_message"))])
        cls.route("r_ws_access", "wsaccess.oto.tools",
                  [slot("WasmAccessValidator", local("wasm-plugin_steps", "execute"))])
        cls.route("r_ws_down", "wsdown.oto.tools", [], port=free_port())
        cls.route("r_ws_idle", "wsidle.oto.tools", [], client={"idle_timeout": 300})

    @classmethod
    def tearDownClass(cls):
        cls.ws.stop()
        super().tearDownClass()

    @classmethod
    def route(cls, route_id, host, plugins, port=None, client=None):
        backend = {"targets": [{"hostname": "127.0.0.1", "port": port or cls.ws.port}]}
        if client:
            backend["client"] = client
        cls.gw.create_route({"id": route_id, "name": route_id, "frontend": {"domains": [host]},
                             "backend": backend, "plugins": plugins})

    def connect(self, host, path="/", headers=None):
        client = WsClient(self.gw.proxy_port, host, path, headers)
        self.addCleanup(client.shutdown)
        return client

    # ---- plain relay
    def test_plain_route_echoes_text_and_binary(self):
        c = self.connect("ws.oto.tools")
        self.assertEqual(c.status, 101)
        c.send_text("hello wörld")
        self.assertEqual(c.receive(), (OP_TEXT, "hello wörld".encode()))
        blob = bytes(range(256)) * 1024  # 256 KiB, every byte value
        c.send(OP_BINARY, blob)
        self.assertEqual(c.receive(), (OP_BINARY, blob))
        c.send(OP_TEXT, b"")
        self.assertEqual(c.receive(), (OP_TEXT, b""))

    def test_close_is_propagated_with_its_code(self):
        c = self.connect("ws.oto.tools")
        self.assertEqual(c.status, 101)
        op, payload = c.close(4001)
        self.assertEqual(op, OP_CLOSE)
        self.assertEqual(struct.unpack("!H", payload[:2])[0], 4001)

    def test_message_over_16_mib_closes_with_1009(self):
        c = self.connect("ws.oto.tools")
        self.assertEqual(c.status, 101)
        try:
            c.send(OP_BINARY, b"\x00" * ((16 << 20) + 1))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the gateway may end the connection before the whole frame left; its close frame came first
        op, payload = c.receive()
        self.assertEqual(op, OP_CLOSE)
        self.assertEqual(struct.unpack("!H", payload[:2])[0], 1009)

    def test_ping_is_answered(self):
        c = self.connect("ws.oto.tools")
        c.send(OP_PING, b"are you there")
        fin, op, payload = read_frame(c.sock)
        self.assertEqual((op, payload), (OP_PONG, b"are you there"))

    def test_handshake_forwards_path_query_headers_and_subprotocol(self):
        c = self.connect("ws.oto.tools", "/chat/room?x=1", {
            "Cookie": "session=abc", "Authorization": "Bearer t0k", "Sec-WebSocket-Protocol": "chat.v2, chat.v1",
            "X-Custom": "yes"})
        self.assertEqual(c.status, 101)
        self.assertEqual(c.headers.get("sec-websocket-protocol"), "chat.v2")
        c.send_text("ping")
        self.assertEqual(c.receive(), (OP_TEXT, b"ping"))
        path, headers = [h for h in self.ws.handshakes if h[0].startswith("/chat/room")][-1]
        self.assertEqual(path, "/chat/room?x=1")
        self.assertEqual(headers.get("cookie"), "session=abc")
        self.assertEqual(headers.get("authorization"), "Bearer t0k")
        self.assertEqual(headers.get("x-custom"), "yes")
        self.assertEqual(headers.get("sec-websocket-protocol"), "chat.v2, chat.v1")
        self.assertEqual(headers.get("x-forwarded-for"), "127.0.0.1")
        self.assertEqual(headers.get("x-forwarded-host"), "ws.oto.tools")
        self.assertEqual(headers.get("host"), f"127.0.0.1:{self.ws.port}")

    def test_idle_tunnel_is_closed_after_the_route_idle_timeout(self):
        c = self.connect("wsidle.oto.tools")
        self.assertEqual(c.status, 101)
        c.send_text("one")
        self.assertEqual(c.receive(), (OP_TEXT, b"one"))
        # Then silence on both sides (the gateway's keep-alive pings go unanswered): the gateway ends the tunnel,
        # with a close frame or by closing the connection.
        try:
            op = OP_PING
            while op == OP_PING:
                op, _ = c.receive()
            self.assertEqual(op, OP_CLOSE)
        except ConnectionError:
            pass

    # ---- WasmWebsocketTransformer (WasmWebsocketTransformerTests)
    def test_transformer_prefixes_response_messages(self):
        c = self.connect("wstransform.oto.tools")
        self.assertEqual(c.status, 101)
        for text in ("hello", "second message", 'quotes " and \\ and é'):
            c.send_text(text)
            self.assertEqual(c.receive(), (OP_TEXT, ("[RESPONSE]:" + text).encode()))

    def test_transformer_passes_binary_messages_unchanged(self):
        c = self.connect("wstransform.oto.tools")
        c.send(OP_BINARY, b"\x00\x01\xfe\xff")
        self.assertEqual(c.receive(), (OP_BINARY, b"\x00\x01\xfe\xff"))

    def test_rejected_messages_are_dropped_and_the_tunnel_stays_open(self):
        c = self.connect("wsreject.oto.tools")
        self.assertEqual(c.status, 101)
        c.send_text("dropped")
        # Had the message passed, its echo would come before the close answer.
        op, payload = c.close(1000)
        self.assertEqual(op, OP_CLOSE)
        self.assertEqual(struct.unpack("!H", payload[:2])[0], 1000)

    # ---- request plugins still gate the upgrade
    def test_access_validator_refuses_the_upgrade_without_header(self):
        c = self.connect("wsaccess.oto.tools")
        self.assertEqual(c.status, 401, c.body)
        self.assertIn(b"you're not authorized", c.body)
        ok = self.connect("wsaccess.oto.tools", headers={"foo": "bar"})
        self.assertEqual(ok.status, 101)
        ok.send_text("let me in")
        self.assertEqual(ok.receive(), (OP_TEXT, b"let me in"))

    # ---- failures before the upgrade
    def test_backend_down_is_502(self):
        c = self.connect("wsdown.oto.tools")
        self.assertEqual(c.status, 502, c.body)
        self.assertEqual(c.headers.get("otoroshi-error"), "true")

    def test_backend_declining_the_handshake_is_502(self):
        c = self.connect("ws.oto.tools", "/reject")
        self.assertEqual(c.status, 502, c.body)

    def test_upgrade_without_key_is_400(self):
        sock = socket.create_connection(("127.0.0.1", self.gw.proxy_port), timeout=15)
        self.addCleanup(sock.close)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: ws.oto.tools\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Version: 13\r\nAccept: application/json\r\n\r\n")
        start, _, _ = read_http_head(sock)
        self.assertEqual(int(start.split(" ")[1]), 400)


class WebsocketStopTest(unittest.TestCase):
    """A stopping gateway closes its open tunnels with 1001 "going away" instead of waiting out the grace."""

    def test_stop_closes_open_tunnels_with_going_away(self):
        tmp = tempfile.mkdtemp(prefix="wasmgate-it-")
        ws = WsEchoServer().start()
        gw = Gateway(tmp).start()
        try:
            gw.create_route({"id": "r_ws", "name": "r_ws", "frontend": {"domains": ["ws.oto.tools"]},
                             "backend": {"targets": [{"hostname": "127.0.0.1", "port": ws.port}]}})
            c = WsClient(gw.proxy_port, "ws.oto.tools")
            self.assertEqual(c.status, 101)
            c.send_text("before stop")
            self.assertEqual(c.receive(), (OP_TEXT, b"before stop"))
            gw.proc.send_signal(signal.SIGTERM)
            op, payload = c.receive()
            self.assertEqual(op, OP_CLOSE)
            self.assertEqual(struct.unpack("!H", payload[:2])[0], 1001)
            c.send(OP_CLOSE, payload[:2])
            c.shutdown()
            self.assertEqual(gw.proc.wait(timeout=30), 0)
        finally:
            gw.stop()
            ws.stop()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
