"""`wasmgate call` through the real binary, with the Extism fixtures built from tests/fixtures/wasm/extism."""
import os
import subprocess
import unittest

from harness import BIN

BUILD = os.environ.get("WASMGATE_BUILD_DIR") or os.path.join(os.path.dirname(BIN))
FIXTURES = os.path.join(BUILD, "fixtures", "wasm", "extism")


def call(*args, timeout=60):
    return subprocess.run([BIN, "call", *args], capture_output=True, text=True, timeout=timeout)


class CallCliTest(unittest.TestCase):
    def fixture(self, name):
        path = os.path.join(FIXTURES, name + ".wasm")
        self.assertTrue(os.path.exists(path), f"fixture not built: {path}")
        return path

    def test_echo_prints_the_output_and_exits_0(self):
        r = call("--wasm", self.fixture("echo"), "--function", "echo", "--input", '{"hello":"world"}')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), '{"hello":"world"}')

    def test_config_and_vars_persist_across_repeat(self):
        r = call("--wasm", self.fixture("count_vowels"), "--function", "count_vowels", "--input", "banana",
                 "--config", "vowels=a", "--repeat", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.strip().splitlines()
        self.assertEqual(len(lines), 3)
        self.assertIn('"count":3', lines[0])
        self.assertIn('"total":9', lines[2])

    def test_endless_loop_ends_at_the_deadline_with_exit_1(self):
        r = call("--wasm", self.fixture("loop"), "--function", "spin", "--timeout-ms", "200")
        self.assertEqual(r.returncode, 1)
        self.assertIn("timeout", r.stderr)

    def test_missing_export_names_the_exports(self):
        r = call("--wasm", self.fixture("echo"), "--function", "nope")
        self.assertEqual(r.returncode, 1)
        self.assertIn("nope", r.stderr)
        self.assertIn("echo", r.stderr)

    def test_bad_bytes_are_a_clear_load_error(self):
        bad = os.path.join(BUILD, "not-a-module.wasm")
        with open(bad, "wb") as f:
            f.write(b"hello")
        r = call("--wasm", bad, "--function", "execute")
        self.assertEqual(r.returncode, 1)
        self.assertIn("invalid wasm", r.stderr)


if __name__ == "__main__":
    unittest.main()
