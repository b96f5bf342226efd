"""A small HTTP/1.1 backend for tests, the demo and manual tries.

Every request is answered with JSON describing what arrived (method, path, headers, body size and sha256), so a
test can check what the gateway forwarded. A few paths change behaviour:
  /slow?ms=N        wait N ms before answering
  /stream?bytes=N   answer N bytes with chunked transfer encoding, written in 64 KiB pieces (&te=gzip: the
                    header says "gzip, chunked"; the bytes are still plain)
  /unframed?bytes=N answer N bytes with neither Content-Length nor Transfer-Encoding, then close (the body ends
                    with the connection)
  /status?code=N    answer with that status
Request bodies are read streaming (content-length or chunked) and never held whole in memory.

Run alone: python3 echo_backend.py --port 9000 [--name backend-a]
"""
import argparse
import hashlib
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CHUNK = 64 * 1024


class EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "echo-backend"

    def log_message(self, fmt, *args):  # quiet: tests read results, not logs
        pass

    def _read_body(self):
        digest = hashlib.sha256()
        size = 0
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                line = self.rfile.readline(1024)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                remaining = n
                while remaining:
                    piece = self.rfile.read(min(CHUNK, remaining))
                    if not piece:
                        raise ConnectionError("client closed mid-chunk")
                    digest.update(piece)
                    size += len(piece)
                    remaining -= len(piece)
                self.rfile.readline(16)
        else:
            remaining = int(self.headers.get("Content-Length") or 0)
            while remaining:
                piece = self.rfile.read(min(CHUNK, remaining))
                if not piece:
                    raise ConnectionError("client closed mid-body")
                digest.update(piece)
                size += len(piece)
                remaining -= len(piece)
        return size, digest.hexdigest()

    def _handle(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        size, sha = self._read_body()
        if url.path.startswith("/slow"):
            time.sleep(int(query.get("ms", ["1000"])[0]) / 1000.0)
        if url.path.startswith("/stream"):
            total = int(query.get("bytes", ["0"])[0])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            codings = query.get("te", [])
            self.send_header("Transfer-Encoding", ", ".join(codings + ["chunked"]))
            self.end_headers()
            block = b"x" * CHUNK
            sent = 0
            while sent < total:
                n = min(CHUNK, total - sent)
                self.wfile.write(b"%x\r\n" % n + block[:n] + b"\r\n")
                sent += n
            self.wfile.write(b"0\r\n\r\n")
            return
        if url.path.startswith("/unframed"):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            self.wfile.write(b"y" * int(query.get("bytes", ["0"])[0]))
            self.close_connection = True
            return
        status = int(query.get("code", ["200"])[0]) if url.path.startswith("/status") else 200
        body = json.dumps({
            "backend": self.server.name,
            "method": self.command,
            "path": url.path,
            "query": url.query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body_size": size,
            "body_sha256": sha,
        }).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class EchoServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port=0, name="echo"):
        super().__init__(("127.0.0.1", port), EchoHandler)
        self.name = name
        self.thread = None

    def handle_error(self, request, client_address):
        # A client (the gateway) that gave up on a slow answer closes its end: expected in timeout tests.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

    @property
    def port(self):
        return self.server_address[1]

    def start(self):
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--name", default="echo")
    args = parser.parse_args()
    server = EchoServer(args.port, args.name)
    print(f"echo backend '{args.name}' on http://127.0.0.1:{server.port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
