#!/usr/bin/env bash
# WASM runtime: wasmgate's Vm vs Node + @extism/extism 1.0.3, same echo fixture (tests/fixtures/wasm/extism/echo.c),
# same machine, same run, PASSES alternating passes of ROUNDS rounds each, medians over all rounds. Prints:
#   per-call µs for echo 1 KiB and 64 KiB in/out, wasmgate vs Node, and the ratio Node/wasmgate (goal >= 5x)
#   echo 1 KiB overhead over a noop call, both through Vm::call (goal <= 1 µs)
#   instantiate: Vm::create from compiled modules vs createPlugin from a compiled WebAssembly.Module
#   cold load (compile + instantiate, fresh process) of the >= 1 MB big_switch module, without and with the
#   code cache (goal <= 10 ms from the cache), medians of COLD_RUNS processes each
# and a markdown row for bench/RESULTS.md. Times are CPU time of the process (all threads) on both sides, which
# a shared, loaded machine distorts less than wall time; wall-time medians are printed alongside.
#
# usage: bench/wasm_vs_extism.sh [build-dir]   env: PASSES=3 ROUNDS=3 COLD_RUNS=5 JOBS=2 MIN_TIME=0.2
# Builds only `--target vm_call_bench engine_coldload wasm_fixtures_big` in the (configured) build dir.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
PASSES="${PASSES:-3}"
ROUNDS="${ROUNDS:-3}"
COLD_RUNS="${COLD_RUNS:-5}"
MIN_TIME="${MIN_TIME:-0.2}"
[ -f "$BUILD/CMakeCache.txt" ] || { echo "$BUILD is not a configured build dir (make configure)" >&2; exit 1; }
command -v node >/dev/null || { echo "node missing: run make setup" >&2; exit 1; }
[ -d tools/node/node_modules/@extism/extism ] || { echo "@extism/extism missing: run make setup" >&2; exit 1; }
BUILD_TYPE=$(awk -F= '/^CMAKE_BUILD_TYPE:/ {print $2}' "$BUILD/CMakeCache.txt")
case "$BUILD_TYPE" in Release|RelWithDebInfo) ;; *) echo "warning: $BUILD is a '$BUILD_TYPE' build" >&2 ;; esac

cmake --build "$BUILD" --target vm_call_bench engine_coldload wasm_fixtures_big -j "${JOBS:-2}" >&2
ECHO_WASM="$BUILD/fixtures/wasm/extism/echo.wasm"
BIG_WASM="$BUILD/fixtures/wasm/big_switch.wasm"

WORK="$(mktemp -d /tmp/wasmgate-wasm-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# Per-call rows of vm_call_bench (process CPU time, see its header) and the same questions asked of Node.
FILTER='^(EngineFloor|VmNoop/0|VmEcho/1024|VmEcho/65536|VmEchoZeroCopy/1024|VmInstantiate)/process_time$'
for pass in $(seq 1 "$PASSES"); do
  "$BUILD/bench/vm_call_bench" --benchmark_filter="$FILTER" --benchmark_repetitions="$ROUNDS" \
    --benchmark_min_time="$MIN_TIME" --benchmark_format=json > "$WORK/wg.$pass.json" 2> "$WORK/wg.err" ||
    { cat "$WORK/wg.err" >&2; exit 1; }
  ROUNDS="$ROUNDS" node --no-warnings bench/node/extism_echo.mjs "$ECHO_WASM" 2> "$WORK/node.err" |
    sed -n 's/^extism_echo //p' > "$WORK/node.$pass.json" || { cat "$WORK/node.err" >&2; exit 1; }
  echo "pass $pass/$PASSES done" >&2
done

# Cold loads: one process each. The cache is primed once (--wait: until TurboFan's code is written).
for _ in $(seq 1 "$COLD_RUNS"); do "$BUILD/bench/engine_coldload" "$BIG_WASM" >> "$WORK/cold.off"; done
"$BUILD/bench/engine_coldload" --cache-dir "$WORK/cache" --wait "$BIG_WASM" > /dev/null
for _ in $(seq 1 "$COLD_RUNS"); do
  "$BUILD/bench/engine_coldload" --cache-dir "$WORK/cache" "$BIG_WASM" >> "$WORK/cold.on"
done

MACHINE="$(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs)"
python3 - "$WORK" "$PASSES" "$ROUNDS" "$COLD_RUNS" "$MACHINE" "$(date '+%F %H:%M %Z')" <<'PY'
import glob, json, re, statistics, sys

work, passes, rounds, cold_runs, machine, date = sys.argv[1:]
median = statistics.median

# wasmgate: every repetition of every pass, in µs.
wg_cpu, wg_wall = {}, {}
for path in sorted(glob.glob(f"{work}/wg.*.json")):
    for b in json.load(open(path))["benchmarks"]:
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        scale = {"ns": 1e-3, "us": 1, "ms": 1e3, "s": 1e6}[b["time_unit"]]
        name = b["run_name"].removesuffix("/process_time")
        wg_cpu.setdefault(name, []).append(b["cpu_time"] * scale)
        wg_wall.setdefault(name, []).append(b["real_time"] * scale)

# Node: every round of every pass (CPU), and each pass's wall median.
node_cpu, node_wall = {}, {}
for path in sorted(glob.glob(f"{work}/node.*.json")):
    text = open(path).read().strip()
    if not text:
        sys.exit(f"the Node peer printed no result ({path}): run node bench/node/extism_echo.mjs by hand")
    r = json.loads(text)
    sdk = f'{r["sdk"]} on Node {r["node"]}'
    for key, values in r["rounds_cpu"].items():
        node_cpu.setdefault(key, []).extend(values)
    for key, value in r["wall"].items():
        node_wall.setdefault(key, []).append(value)

def wg(name):
    if name not in wg_cpu:
        sys.exit(f"vm_call_bench gave no {name}")
    return median(wg_cpu[name]), median(wg_wall[name])

def node(key):
    return median(node_cpu[key]), median(node_wall[key])

def cold(path):  # medians: compile + instantiate wall ms, the same in process CPU ms, compile ms, V8 start ms
    rows = []
    for line in open(path):
        f = {k: float(re.search(rf"\b{k} ([\d.]+) ms", line).group(1)) for k in ("engine", "compile", "instantiate")}
        cpu = [float(x) for x in re.findall(r"\(cpu ([\d.]+) ms\)", line)]
        cached = re.search(r"from_cache=(\d)", line).group(1) == "1"
        rows.append((f["compile"] + f["instantiate"], sum(cpu), f["compile"], f["engine"], cached))
    mb = float(re.search(r"module ([\d.]+) MB", open(path).readline()).group(1))
    return [median(r[i] for r in rows) for i in range(4)] + [sum(r[4] for r in rows), mb]

floor = wg("EngineFloor")
noop = wg("VmNoop/0")
e1, e64, zc1 = wg("VmEcho/1024"), wg("VmEcho/65536"), wg("VmEchoZeroCopy/1024")
inst = wg("VmInstantiate")
n1, n64, nnoop, ncreate = node("echo_1024_us"), node("echo_65536_us"), node("noop_us"), node("create_plugin_us")
r1, r64 = n1[0] / e1[0], n64[0] / e64[0]
overhead = e1[0] - noop[0]
off, on = cold(f"{work}/cold.off"), cold(f"{work}/cold.on")

def us(v):
    return f"{v:.2f}" if v < 100 else f"{v:.0f}"

print()
print(f"wasm_vs_extism: {date}, {machine}; wasmgate Vm vs {sdk}")
print(f"  medians of {int(passes) * int(rounds)} rounds ({passes} alternating passes); CPU µs per call (wall µs)")
print(f"  {'':28} {'wasmgate':>18} {'Node + Extism':>18} {'Node/wg':>8}")
print(f"  {'echo 1 KiB in/out':28} {us(e1[0]):>10} ({us(e1[1]):>5}) {us(n1[0]):>10} ({us(n1[1]):>5}) {r1:7.1f}x  (goal >= 5x)")
print(f"  {'echo 64 KiB in/out':28} {us(e64[0]):>10} ({us(e64[1]):>5}) {us(n64[0]):>10} ({us(n64[1]):>5}) {r64:7.1f}x  (goal >= 5x)")
print(f"  {'noop call':28} {us(noop[0]):>10} ({us(noop[1]):>5}) {us(nnoop[0]):>10} ({us(nnoop[1]):>5}) {nnoop[0] / noop[0]:7.1f}x")
print(f"  {'instantiate (module compiled)':28} {us(inst[0]):>10} ({us(inst[1]):>5}) {us(ncreate[0]):>10} ({us(ncreate[1]):>5}) {ncreate[0] / inst[0]:7.2f}x")
print(f"  echo 1 KiB overhead over noop (both Vm::call): {overhead:.2f} µs (goal <= 1 µs) "
      f"{'ok' if overhead <= 1 else 'MISSED by %.2f µs' % (overhead - 1)}")
print(f"    = {zc1[0] - noop[0]:.2f} µs host side (1 KiB in, 1 KiB out: echo_zero_copy - noop) "
      f"+ {e1[0] - zc1[0]:.2f} µs guest PDK copy loops (echo - echo_zero_copy, ~257 kernel calls)")
print(f"    noop Vm::call {noop[0]:.2f} µs; bare engine call of the guest's noop {floor[0]:.2f} µs")
print(f"  cold load of big_switch.wasm ({off[5]:.2f} MB), compile + instantiate in a fresh process, wall ms "
      f"(process CPU ms), median of {cold_runs}; V8 start not included:")
print(f"    no cache   {off[0]:7.1f} ms ({off[1]:.1f} ms cpu; compile {off[2]:.1f} ms; V8 start {off[3]:.1f} ms)")
print(f"    from cache {on[0]:7.1f} ms ({on[1]:.1f} ms cpu; compile {on[2]:.1f} ms; {on[4]}/{cold_runs} runs hit the "
      f"cache) (goal <= 10 ms) {'ok' if on[0] <= 10 else 'MISSED by %.1f ms' % (on[0] - 10)}")
print(f"| {date} | {machine} | {us(e1[0])} / {us(n1[0])} µs, {r1:.1f}x | {us(e64[0])} / {us(n64[0])} µs, {r64:.1f}x "
      f"| {overhead:.2f} µs | {us(inst[0])} / {us(ncreate[0])} µs "
      f"| {off[0]:.1f} ms ({off[1]:.1f} cpu) / {on[0]:.1f} ms ({on[1]:.1f} cpu) |")
PY
