"""Extism conformance: the same guests through `wasmgate call` and through the reference JS host (npm
@extism/extism 1.0.3 on Node 20, driven by extism_node.mjs with the same flags). Each case asserts identical stdout
and exit status; for guest errors, that both fail and that the guest's error_set text is in both stderrs.

Guests: the C fixtures (build*/fixtures/wasm/extism, tests/fixtures/wasm/extism/*.c), the AssemblyScript ones
(build*/fixtures/wasm/as, tests/fixtures/wasm/as/*.ts with @extism/as-pdk) and a wasi-libc one
(build*/fixtures/wasm/wasi, tests/fixtures/wasm/wasi/wasi_files.c; node:wasi is the JS host's WASI).

Where the JS SDK 1.0.3 cannot run a case, the case runs on wasmgate only against a golden output, and says why:
- it lacks the imports log_trace, get_log_level and http_headers, so a module importing any of them does not even
  instantiate (C pdk_calls.c, C http.c);
- it links `env: {}`, so the legacy env.extism_* guests (C legacy_echo.c) do not instantiate;
- it has no call timeout: its foreground plugin runs the guest on Node's main thread and nothing interrupts an
  endless loop;
- it has no memory cap (no manifest memory.maxPages): a memory bomb only stops at wasm32's 4 GiB after seconds to
  minutes of growing, or commits gigabytes (kernel/heap allocations);
- it ignores the export's return code (callBlock runs func() and never reads the result), so "return 3 without
  error_set" succeeds there while Extism reports an error;
- a trap after error_set is reported as the bare trap (the error block is dropped).
Other SDK 1.0.3 deviations the cases stay clear of: an empty config value fails the call there ("failed to store
output"; wasmgate answers handle 0, as for an absent key); output_set's length is ignored (the whole block is the output); its
allowedHosts globs are minimatch ("{a,b}" expands), wasmgate's follow Extism's Rust runtime (no braces); vars do not
persist across calls of a worker plugin, so only the HTTP cases use one.

Environment: WASMGATE_BIN, WASMGATE_BUILD_DIR (fixtures), NODE (node binary), WASMGATE_NODE_TOOLS (tools/node, with
node_modules from `make setup`). Stdlib only.
"""
import http.server
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
BIN = os.environ.get("WASMGATE_BIN") or os.path.join(REPO, "build", "wasmgate")
BUILD = os.environ.get("WASMGATE_BUILD_DIR") or os.path.dirname(BIN)
NODE = os.environ.get("NODE") or shutil.which("node") or "node"
TOOLS = os.environ.get("WASMGATE_NODE_TOOLS") or os.path.join(REPO, "tools", "node")
RUNNER = os.path.join(HERE, "extism_node.mjs")
C_DIR = os.path.join(BUILD, "fixtures", "wasm", "extism")
WASI_DIR = os.path.join(BUILD, "fixtures", "wasm", "wasi")
AS_DIR = os.path.join(BUILD, "fixtures", "wasm", "as")
TIMEOUT_S = 60  # per process; every case takes well under a second on either host


def fixture(lang, name):
    path = os.path.join({"c": C_DIR, "wasi": WASI_DIR}.get(lang, AS_DIR), name + ".wasm")
    if not os.path.exists(path):
        raise AssertionError(f"fixture not built: {path} (build the wasm_extism_fixtures and wasm_as_fixtures targets)")
    return path


def call_args(wasm, function, input=None, input_file=None, config=(), hosts=(), repeat=1):
    """The flags both hosts take: wasmgate call's and extism_node.mjs's are the same."""
    args = ["--wasm", wasm, "--function", function]
    if input is not None:
        args += ["--input", input]
    if input_file is not None:
        args += ["--input-file", input_file]
    for entry in config:
        args += ["--config", entry]
    for host in hosts:
        args += ["--allow-host", host]
    if repeat != 1:
        args += ["--repeat", str(repeat)]
    return args


def wasmgate_argv(args, extra=()):
    return [BIN, "call", *args, *extra]


def node_argv(args, worker=False):
    return [NODE, "--no-warnings", RUNNER, "--tools", TOOLS, *args, *(["--worker"] if worker else [])]


def run(argv):
    return subprocess.run(argv, capture_output=True, timeout=TIMEOUT_S)


def run_both(args, worker=False, extra=()):
    """Runs the case on both hosts at once (half the wall time); returns (wasmgate, node) CompletedProcesses."""
    argvs = (wasmgate_argv(args, extra), node_argv(args, worker))
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for argv in argvs]
    results = []
    for argv, proc in zip(argvs, procs):
        try:
            out, err = proc.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        results.append(subprocess.CompletedProcess(argv, proc.returncode, out, err))
    return results


class ConformanceCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(BIN):
            raise AssertionError(f"wasmgate binary not found: {BIN}")
        if not os.path.isdir(os.path.join(TOOLS, "node_modules", "@extism", "extism")):
            raise AssertionError(f"{TOOLS}/node_modules/@extism/extism is missing: run `make setup`")
        if shutil.which(NODE) is None:
            raise AssertionError(f"node not found ({NODE}): run `make setup`")

    def assert_same(self, args, worker=False, extra=()):
        """Both hosts succeed with byte-identical stdout; returns it."""
        ours, ref = run_both(args, worker, extra)
        self.assertEqual(ref.returncode, 0, f"node: {ref.stderr.decode(errors='replace')}")
        self.assertEqual(ours.returncode, 0, f"wasmgate: {ours.stderr.decode(errors='replace')}")
        self.assertEqual(ours.stdout, ref.stdout, f"outputs differ for {args}")
        return ours.stdout

    def assert_both_fail(self, args, message=None, node_message=None, worker=False, extra=()):
        """Both hosts exit 1; `message` (the guest's error_set text) is in both stderrs, unless node_message says
        what the JS host reports instead. Returns the two stderrs, decoded."""
        ours, ref = run_both(args, worker, extra)
        ours_err, ref_err = ours.stderr.decode(errors="replace"), ref.stderr.decode(errors="replace")
        self.assertEqual(ours.returncode, 1, f"wasmgate should fail: {ours.stdout!r} {ours_err}")
        self.assertEqual(ref.returncode, 1, f"node should fail: {ref.stdout!r} {ref_err}")
        self.assertEqual(ours.stdout, ref.stdout)
        if message is not None:
            self.assertIn(message, ours_err)
            self.assertIn(node_message if node_message is not None else message, ref_err)
        return ours_err, ref_err

    def wasmgate_only(self, args, extra=()):
        return run(wasmgate_argv(args, extra))

    def assert_wasmgate_output(self, args, expected, extra=()):
        r = self.wasmgate_only(args, extra)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        self.assertEqual(r.stdout, expected)

    def assert_wasmgate_fails(self, args, message, extra=()):
        r = self.wasmgate_only(args, extra)
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, 1, f"wasmgate should fail: {r.stdout!r} {err}")
        self.assertIn(message, err)
        return err


def utf8_text_of_length(n):
    """Valid UTF-8 text of exactly n bytes, with multi-byte characters (argv carries it to both hosts)."""
    text, size = "", 0
    for ch in "Grüße aus Genève — voilà déjà vu! " * (n // 10 + 1):
        width = len(ch.encode())
        if size + width > n:
            break
        text, size = text + ch, size + width
    return text + "." * (n - size)


class EchoTest(ConformanceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="wasmgate-conformance-")
        cls.binary = bytes(range(256)) * 256  # 64 KiB: NUL, invalid UTF-8, every byte value
        cls.binary_file = os.path.join(cls.tmp, "binary.bin")
        with open(cls.binary_file, "wb") as f:
            f.write(cls.binary)
        cls.empty_file = os.path.join(cls.tmp, "empty.bin")
        open(cls.empty_file, "wb").close()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_echo_returns_the_input_on_both_hosts(self):
        kib = utf8_text_of_length(1024)
        self.assertEqual(len(kib.encode()), 1024)
        for lang in ("c", "as"):
            wasm = fixture(lang, "echo")
            with self.subTest(lang=lang, input="none"):
                self.assertEqual(self.assert_same(call_args(wasm, "echo")), b"")
            with self.subTest(lang=lang, input="empty file"):
                self.assertEqual(self.assert_same(call_args(wasm, "echo", input_file=self.empty_file)), b"")
            with self.subTest(lang=lang, input="1 byte"):
                self.assertEqual(self.assert_same(call_args(wasm, "echo", input="x")), b"x")
            with self.subTest(lang=lang, input="1 KiB UTF-8"):
                self.assertEqual(self.assert_same(call_args(wasm, "echo", input=kib)), kib.encode())
            with self.subTest(lang=lang, input="64 KiB binary"):
                out = self.assert_same(call_args(wasm, "echo", input_file=self.binary_file))
                self.assertEqual(out, self.binary)

    def test_zero_copy_echo_and_input_size_agree(self):
        out = self.assert_same(call_args(fixture("c", "echo"), "echo_zero_copy", input_file=self.binary_file))
        self.assertEqual(out, self.binary)
        for lang in ("c", "as"):
            with self.subTest(lang=lang):
                out = self.assert_same(call_args(fixture(lang, "echo"), "input_size", input_file=self.binary_file))
                self.assertEqual(out, b"65536")

    def test_large_output_and_void_exports_agree(self):
        out = self.assert_same(call_args(fixture("c", "memory_bomb"), "big_output", input="1048576"))
        self.assertEqual(out, bytes(1 << 20))
        self.assertEqual(self.assert_same(call_args(fixture("c", "echo"), "echo_void", input="hi")), b"hi")
        self.assertEqual(self.assert_same(call_args(fixture("c", "echo"), "noop", input="hi")), b"")

    def test_missing_export_fails_naming_it(self):
        self.assert_both_fail(call_args(fixture("c", "echo"), "no_such_export"), "no_such_export")

    def test_repeat_prints_one_output_per_line(self):
        out = self.assert_same(call_args(fixture("as", "echo"), "echo", input="abc", repeat=3))
        self.assertEqual(out, b"abc\nabc\nabc\n")


class CountVowelsTest(ConformanceCase):
    def test_var_total_persists_across_repeated_calls(self):
        outputs = {}
        for lang in ("c", "as"):
            with self.subTest(lang=lang):
                outputs[lang] = self.assert_same(
                    call_args(fixture(lang, "count_vowels"), "count_vowels", input="Hello, World!", repeat=3))
                self.assertEqual(outputs[lang].decode().splitlines()[2],
                                 '{"count":3,"total":9,"vowels":"aeiouAEIOU"}')
        self.assertEqual(outputs["c"], outputs["as"], "the C and AssemblyScript guests are the same program")

    def test_config_vowels_replaces_the_default_set(self):
        for lang in ("c", "as"):
            with self.subTest(lang=lang):
                out = self.assert_same(call_args(fixture(lang, "count_vowels"), "count_vowels", input="banana",
                                                 config=["vowels=a", "unused=x"], repeat=2))
                self.assertEqual(out, b'{"count":3,"total":3,"vowels":"a"}\n{"count":3,"total":6,"vowels":"a"}\n')

    def test_counts_bytes_of_utf8_input_and_config(self):
        for lang in ("c", "as"):
            with self.subTest(lang=lang):
                self.assert_same(call_args(fixture(lang, "count_vowels"), "count_vowels", input="déjà vu, où ça",
                                           config=["vowels=aeiouéàù"]))


class ErrorsTest(ConformanceCase):
    def test_error_set_with_return_1_fails_with_the_guest_message(self):
        for lang in ("c", "as"):
            with self.subTest(lang=lang):
                self.assert_both_fail(call_args(fixture(lang, "errors"), "fail"), "something bad happened: déjà vu")

    def test_error_set_with_return_0_still_fails(self):
        for lang in ("c", "as"):
            with self.subTest(lang=lang):
                self.assert_both_fail(call_args(fixture(lang, "errors"), "error_without_rc"), "set but returned 0")

    def test_trap_after_error_set_fails_on_both(self):
        # The JS SDK reports the bare trap ("unreachable"); wasmgate reports the trap with the guest's message.
        self.assert_both_fail(call_args(fixture("c", "errors"), "trap_after_error"), "partial failure",
                              node_message="unreachable")
        self.assert_both_fail(call_args(fixture("as", "errors"), "throw_error"), "thrown from AssemblyScript",
                              node_message="unreachable")

    def test_traps_fail_on_both(self):
        for function in ("trap", "oob", "oob_kernel"):
            with self.subTest(function=function):
                self.assert_both_fail(call_args(fixture("c", "errors"), function))

    def test_nonzero_return_without_message_fails_on_wasmgate(self):
        # wasmgate only: the JS SDK 1.0.3 never reads the export's return code, so this "succeeds" there.
        for lang in ("c", "as"):
            with self.subTest(lang=lang):
                self.assert_wasmgate_fails(call_args(fixture(lang, "errors"), "fail_rc_only"), "returned 3")

    def test_ok_export_of_the_errors_guest_succeeds(self):
        for lang in ("c", "as"):
            with self.subTest(lang=lang):
                self.assertEqual(self.assert_same(call_args(fixture(lang, "errors"), "ok")), b"ok")


class PdkCallsTest(ConformanceCase):
    """Config, vars and logs through as-pdk (both hosts); the C guest imports log_trace and get_log_level, which the
    JS SDK 1.0.3 lacks, so it runs on wasmgate only."""

    def test_config_get_returns_the_value_or_none(self):
        wasm = fixture("as", "pdk_calls")
        self.assertEqual(self.assert_same(call_args(wasm, "config", input="greeting", config=["greeting=héllo"])),
                         "héllo".encode())
        self.assertEqual(self.assert_same(call_args(wasm, "config", input="missing", config=["greeting=x"])),
                         b"<none>")

    def test_vars_set_get_delete(self):
        wasm = fixture("as", "pdk_calls")
        self.assertEqual(self.assert_same(call_args(wasm, "var_get", input="never-set")), b"<none>")
        self.assertEqual(self.assert_same(call_args(wasm, "var_set", input="a=1", repeat=2)), b"\n\n")
        self.assertEqual(self.assert_same(call_args(wasm, "var_delete", input="a")), b"")
        self.assert_both_fail(call_args(wasm, "var_set", input="no-separator"), "var_set: expected name=value")

    def test_log_calls_succeed_and_reach_stderr(self):
        ours, ref = run_both(call_args(fixture("as", "pdk_calls"), "log", input="a guest log line"))
        self.assertEqual((ours.returncode, ours.stdout), (0, b"logged"), ours.stderr)
        self.assertEqual((ref.returncode, ref.stdout), (0, b"logged"), ref.stderr)
        self.assertIn(b"a guest log line", ours.stderr)
        self.assertIn(b"a guest log line", ref.stderr)

    def test_c_guest_on_wasmgate(self):
        wasm = fixture("c", "pdk_calls")
        self.assert_wasmgate_output(call_args(wasm, "config", input="k", config=["k=v"]), b"v")
        self.assert_wasmgate_output(call_args(wasm, "config", input="absent"), b"<none>")
        self.assert_wasmgate_output(call_args(wasm, "var_get", input="absent"), b"<none>")
        # get_log_level: 0 trace … 4 error
        self.assert_wasmgate_output(call_args(wasm, "log", input="m"), b"2", extra=["--log-level", "info"])
        self.assert_wasmgate_output(call_args(wasm, "log", input="m"), b"4", extra=["--log-level", "error"])
        r = self.wasmgate_only(call_args(wasm, "config_bad_handle"))
        self.assertEqual(r.returncode, 1, r.stdout)


class LegacyTest(ConformanceCase):
    """The pre-1.0 env.extism_* ABI: wasmgate only — the JS SDK 1.0.3 links `env: {}`, so the guest does not
    instantiate there."""

    def test_legacy_guest_on_wasmgate(self):
        wasm = fixture("c", "legacy_echo")
        text = "legacy héllo: 8-byte words, then a tail"
        self.assert_wasmgate_output(call_args(wasm, "echo", input=text), text.encode())
        self.assert_wasmgate_output(call_args(wasm, "config", input="greeting", config=["greeting=hi"]), b"hi")
        self.assert_wasmgate_fails(call_args(wasm, "fail"), "legacy failure")


class WasiTest(ConformanceCase):
    """A wasi-libc reactor with one read-only preopen: file reads, the `..` escape (ENOTCAPABLE on both: node:wasi's
    uvwasi refuses it too), empty args and environ."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="wasmgate-conformance-wasi-")
        cls.data = os.path.join(cls.tmp, "data")
        os.mkdir(cls.data)
        with open(os.path.join(cls.data, "hello.txt"), "w") as f:
            f.write("hello from a preopen")
        with open(os.path.join(cls.tmp, "secret.txt"), "w") as f:
            f.write("must not leak")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def wasi_args(self, function, input=None):
        return call_args(fixture("wasi", "wasi_files"), function, input) + ["--wasi", "--allow-path",
                                                                             f"{self.data}:/data"]

    def test_reads_a_file_inside_the_preopen(self):
        self.assertEqual(self.assert_same(self.wasi_args("read_file", "/data/hello.txt")), b"hello from a preopen")

    def test_dotdot_escape_is_not_capable_on_both(self):
        self.assert_both_fail(self.wasi_args("read_file", "/data/../secret.txt"),
                              "open /data/../secret.txt: errno 76 (Capabilities insufficient)")

    def test_args_and_environ_are_empty_on_both(self):
        self.assertEqual(self.assert_same(self.wasi_args("args_environ")), b"args=0/0 environ=0/0 HOME=unset")


class LoopbackHandler(http.server.BaseHTTPRequestHandler):
    """GET /hello: a fixed body; GET /header: the X-Conformance request header; anything else: 404."""

    def do_GET(self):
        found = self.path in ("/hello", "/header")
        if self.path == "/header":
            body = (self.headers.get("X-Conformance") or "<absent>").encode()
        else:
            body = b"hello from loopback\n" if found else b"no such path"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class HttpTest(ConformanceCase):
    """http_request to a loopback server. The JS SDK 1.0.3 has http only in its background (worker) plugin, hence
    worker=True; the C guest imports http_headers, which that SDK lacks, so it runs on wasmgate only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), LoopbackHandler)
        cls.port = cls.server.server_address[1]
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def request(self, path, port=None, headers="{}"):
        return '{"url":"http://127.0.0.1:%d%s","method":"GET","headers":%s}' % (port or self.port, path, headers)

    def test_allowed_host_gets_status_and_body(self):
        wasm = fixture("as", "http")
        for hosts in (["127.0.0.1"], ["127.0.0.*"], ["example.com", "127.0.0.1"]):
            with self.subTest(hosts=hosts):
                out = self.assert_same(call_args(wasm, "fetch", input=self.request("/hello"), hosts=hosts), worker=True)
                self.assertEqual(out, b"200\nhello from loopback\n")
        out = self.assert_same(call_args(wasm, "fetch", input=self.request("/nope"), hosts=["127.0.0.1"]), worker=True)
        self.assertEqual(out, b"404\nno such path")

    def test_request_headers_reach_the_server(self):
        out = self.assert_same(call_args(fixture("as", "http"), "fetch", hosts=["127.0.0.1"],
                                         input=self.request("/header", headers='{"X-Conformance":"yes 42"}')),
                               worker=True)
        self.assertEqual(out, b"200\nyes 42")

    def test_unreachable_server_fails_the_call(self):
        with socket.socket() as s:  # a port nothing listens on (bound, then closed)
            s.bind(("127.0.0.1", 0))
            closed_port = s.getsockname()[1]
        self.assert_both_fail(call_args(fixture("as", "http"), "fetch", hosts=["127.0.0.1"],
                                        input=self.request("/hello", port=closed_port)), worker=True)

    def test_disallowed_host_fails_the_call(self):
        wasm = fixture("as", "http")
        for hosts in ([], ["example.com"]):
            with self.subTest(hosts=hosts):
                self.assert_both_fail(call_args(wasm, "fetch", input=self.request("/hello"), hosts=hosts),
                                      "is not allowed", worker=True)

    def test_c_guest_on_wasmgate(self):
        wasm = fixture("c", "http")
        self.assert_wasmgate_output(call_args(wasm, "fetch", input=self.request("/hello"), hosts=["127.0.0.1"]),
                                    b"200\nhello from loopback\n")
        self.assert_wasmgate_fails(call_args(wasm, "fetch", input=self.request("/hello")), "is not allowed")


class LimitsTest(ConformanceCase):
    def test_deep_recursion_fails_on_both(self):
        for lang in ("c", "as"):
            with self.subTest(lang=lang):
                self.assert_both_fail(call_args(fixture(lang, "recursion"), "recurse"),
                                      "Maximum call stack size exceeded")

    def test_endless_loop_ends_at_the_deadline_on_wasmgate(self):
        # wasmgate only: the JS SDK 1.0.3 has no call timeout, and its foreground plugin runs the guest on Node's
        # main thread, so nothing can stop the loop there.
        for lang in ("c", "as"):
            with self.subTest(lang=lang):
                self.assert_wasmgate_fails(call_args(fixture(lang, "loop"), "spin"), "timeout",
                                           extra=["--timeout-ms", "300"])

    def test_memory_bombs_fail_at_the_memory_budget_on_wasmgate(self):
        # wasmgate only: the JS SDK 1.0.3 has no memory cap, so a bomb there runs 10 to 50 s until wasm32's 4 GiB
        # or its 65536-block address space runs out (the AssemblyScript heap bomb commits 4 GiB on the way).
        for lang, function in (("c", "grow_guest"), ("c", "alloc_kernel"), ("as", "grow_guest"), ("as", "grow_heap")):
            with self.subTest(lang=lang, function=function):
                self.assert_wasmgate_fails(call_args(fixture(lang, "memory_bomb"), function), "trapped",
                                           extra=["--memory-pages", "64"])


if __name__ == "__main__":
    unittest.main()
