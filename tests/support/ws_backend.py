"""A minimal RFC 6455 WebSocket echo server for tests. Stdlib only (socket, threading, hashlib, base64).

Each connection's handshake is answered with 101 (the first offered Sec-WebSocket-Protocol is selected), then
every message is echoed back with its opcode (text or binary; fragmented messages are reassembled), pings are
answered with pongs, and a close is answered with the same close code before the socket is closed.
  /reject      the handshake is refused with 403
Handshake requests are recorded (`server.handshakes`: a list of (path, {lower-cased header: value})) so a test
can check what the gateway forwarded.

The frame helpers (`encode_frame`, `read_frame`, `accept_key`) serve the tests' client side too.

Run alone: python3 ws_backend.py --port 9001
"""
import argparse
import base64
import hashlib
import os
import socket
import struct
import threading

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def accept_key(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def encode_frame(opcode, payload, mask, fin=True):
    """One frame; clients must mask (RFC 6455 §5.3), servers must not."""
    head = bytearray([(0x80 if fin else 0) | opcode])
    n = len(payload)
    mask_bit = 0x80 if mask else 0
    if n < 126:
        head.append(mask_bit | n)
    elif n < 1 << 16:
        head.append(mask_bit | 126)
        head += struct.pack("!H", n)
    else:
        head.append(mask_bit | 127)
        head += struct.pack("!Q", n)
    if not mask:
        return bytes(head) + payload
    key = os.urandom(4)
    return bytes(head) + key + _xor(payload, key)


def _xor(payload, key):
    """payload XOR the repeated 4-byte key, as one big-integer operation (fast for large payloads)."""
    n = len(payload)
    if n == 0:
        return b""
    stream = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")


def _read_exact(sock, n):
    data = b""
    while len(data) < n:
        piece = sock.recv(n - len(data))
        if not piece:
            raise ConnectionError("peer closed")
        data += piece
    return data


def read_frame(sock):
    """(fin, opcode, payload) of the next frame, unmasked."""
    b0, b1 = _read_exact(sock, 2)
    fin, opcode = bool(b0 & 0x80), b0 & 0x0F
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", _read_exact(sock, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", _read_exact(sock, 8))[0]
    key = _read_exact(sock, 4) if b1 & 0x80 else None
    payload = _read_exact(sock, n)
    if key:
        payload = _xor(payload, key)
    return fin, opcode, payload


def read_http_head(sock):
    """(start line, {lower-cased name: value}, bytes read past the head)."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(4096)
        if not piece:
            raise ConnectionError("peer closed during the handshake")
        data += piece
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return lines[0], headers, rest


class WsEchoServer:
    def __init__(self, host="127.0.0.1", port=0):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.handshakes = []
        self._stopping = False
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stopping = True
        try:
            self.sock.close()
        except OSError:
            pass

    def _accept_loop(self):
        while not self._stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            with conn:
                conn.settimeout(30)
                start, headers, _ = read_http_head(conn)
                path = start.split(" ")[1] if " " in start else "/"
                self.handshakes.append((path, headers))
                if path.startswith("/reject") or "sec-websocket-key" not in headers:
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    return
                answer = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Accept: {accept_key(headers['sec-websocket-key'])}\r\n")
                if "sec-websocket-protocol" in headers:
                    answer += f"Sec-WebSocket-Protocol: {headers['sec-websocket-protocol'].split(',')[0].strip()}\r\n"
                conn.sendall((answer + "\r\n").encode())
                self._echo(conn)
        except (ConnectionError, OSError):
            pass

    def _echo(self, conn):
        message, message_op = b"", None
        while True:
            fin, opcode, payload = read_frame(conn)
            if opcode == OP_CLOSE:
                conn.sendall(encode_frame(OP_CLOSE, payload[:2], mask=False))
                return
            if opcode == OP_PING:
                conn.sendall(encode_frame(OP_PONG, payload, mask=False))
                continue
            if opcode == OP_PONG:
                continue
            if opcode != OP_CONT:
                message_op, message = opcode, b""
            message += payload
            if fin:
                conn.sendall(encode_frame(message_op, message, mask=False))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=9001)
    args = parser.parse_args()
    server = WsEchoServer(port=args.port).start()
    print(f"ws echo on 127.0.0.1:{server.port}", flush=True)
    threading.Event().wait()
