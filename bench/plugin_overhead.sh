#!/usr/bin/env bash
# Wasm plugin overhead: one wasmgate in front of an nginx backend, routes on different hosts with 0, 1 and 5
# WasmAccessValidator slots, measured in the same run in alternating rounds (medians). Two variants of plugin:
#   allow    tests/fixtures/wasm/extism/allow.c `allow`: answers {"result":true} without reading its context
#            (the "trivial plugin": what the gateway adds per plugin — context JSON, VM call, output parsing)
#   execute  tests/fixtures/wasm/extism/steps.c `execute`: reads the context and looks for "foo":"bar"
# Every request carries `foo: bar` (all routes see the same request). Each plugin slot references its own
# WasmPlugin entity (Local source → File), so 5 plugins are 5 VM pools, as 5 distinct plugins would be.
#
# Two loads per route and round:
#   throughput  wrk -c CONNECTIONS (saturating): rps and p99; rps loss per plugin = (1 - rps_n/rps_0) / n
#   latency     wrk -c 1 (one request in flight, no queueing): p50 and p99; µs per plugin = (p50_n - p50_0) / n
# Under saturation p50 is queueing (≈ connections / rps), so the µs-per-plugin figure comes from the c=1 load.
# Also printed: the gateway's CPU time (utime + stime of all its threads, /proc) per request under the
# throughput load, and its increase per plugin — the steadiest of these figures on a loaded, shared machine.
# Goals (wasmgate issue 4): ≤ 3 µs p50 and ≤ 5 % rps per trivial plugin.
#
# MODE=callgrind instead counts instructions: the gateway (--threads 1) runs under valgrind's callgrind, and for
# each route REQUESTS keep-alive GETs on one connection are counted between `callgrind_control -z` and `-d`:
# Ir per request and Ir added per plugin, deterministic on a shared machine (no hardware counters here). Under
# valgrind V8 cannot reserve many wasm memories: use one variant at a time (VARIANTS defaults to allow there).
#
# usage: bench/plugin_overhead.sh [build-dir]
#   env: THREADS="1 2" (gateway --threads values, one gateway each) DURATION=5s CONNECTIONS=64 ROUNDS=3
#        VARIANTS="allow execute"   MODE=wrk|callgrind   REQUESTS=2000 and KEEP_PROFILES=<dir> (callgrind:
#        copies each route's profile there, for callgrind_annotate)
# Needs <build-dir>/wasmgate and the Extism fixtures (make build, or --target wasmgate wasm_extism_fixtures).
# Everything on loopback; every process started here is stopped here.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="$(realpath "${1:-build}")"
BIN="$BUILD/wasmgate"
FIXTURES="$BUILD/fixtures/wasm/extism"
THREADS="${THREADS:-1 2}"
DURATION="${DURATION:-5s}"
CONNECTIONS="${CONNECTIONS:-64}"
ROUNDS="${ROUNDS:-3}"
MODE="${MODE:-wrk}"
REQUESTS="${REQUESTS:-2000}"
WRAP=()
case "$MODE" in wrk|callgrind) ;; *) echo "MODE must be wrk or callgrind" >&2; exit 1 ;; esac
if [ "$MODE" = callgrind ]; then
  command -v valgrind >/dev/null || { echo "valgrind missing" >&2; exit 1; }
  THREADS=1
  VARIANTS="${VARIANTS:-allow}"
fi
VARIANTS="${VARIANTS:-allow execute}"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
command -v wrk >/dev/null || { echo "wrk missing: run make setup" >&2; exit 1; }
[ -x "$BIN" ] || { echo "$BIN missing: build it first" >&2; exit 1; }
for f in allow steps; do
  [ -f "$FIXTURES/$f.wasm" ] || { echo "$FIXTURES/$f.wasm missing: build --target wasm_extism_fixtures" >&2; exit 1; }
done
BUILD_TYPE=$(awk -F= '/^CMAKE_BUILD_TYPE:/ {print $2}' "$BUILD/CMakeCache.txt" 2>/dev/null || true)
case "$BUILD_TYPE" in Release|RelWithDebInfo) ;; *) echo "warning: $BUILD is a '$BUILD_TYPE' build" >&2 ;; esac

WORK="$(mktemp -d /tmp/wasmgate-plugin-bench.XXXXXX)"
if [ "$MODE" = callgrind ]; then
  WRAP=(valgrind --tool=callgrind --smc-check=all-non-file --dump-instr=no --callgrind-out-file="$WORK/cg.out")
fi
WG_PID=""
stop_gateway() {  # SIGTERM, then SIGKILL after 5 s (a gateway that does not stop must not hang the bench)
  [ -n "$WG_PID" ] || return 0
  kill "$WG_PID" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$WG_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$WG_PID" 2>/dev/null; then
    echo "wasmgate did not stop on SIGTERM within 5 s: SIGKILL" >&2
    kill -9 "$WG_PID" 2>/dev/null || true
  fi
  wait "$WG_PID" 2>/dev/null || true
  WG_PID=""
}
cleanup() {
  stop_gateway
  [ -f "$WORK/backend/nginx.pid" ] && kill "$(cat "$WORK/backend/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. bench/lib.sh
BACKEND_PORT=$(free_port)
start_backend_nginx "$WORK/backend" "$BACKEND_PORT"  # as in proxy_vs_nginx.sh

# Routes: r0 (no plugin), and per variant v: <v>1 (1 validator) and <v>5 (5 validators), host <route>.bench.
ROUTES="r0"
for v in $VARIANTS; do ROUTES="$ROUTES ${v}1 ${v}5"; done

setup_gateway() {  # $1 threads: starts wasmgate, creates plugins + routes, checks every route answers 200
  rm -rf "$WORK/wg" "$WORK/wg-ready.json"
  "${WRAP[@]}" "$BIN" serve --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --data "$WORK/wg" --threads "$1" \
    --admin-credentials bench:bench --log-level warn --ready-file "$WORK/wg-ready.json" 2>"$WORK/wg.log" &
  WG_PID=$!
  for _ in $(seq 1 1200); do [ -f "$WORK/wg-ready.json" ] && break; sleep 0.05; done
  [ -f "$WORK/wg-ready.json" ] || { cat "$WORK/wg.log" >&2; echo "wasmgate did not start" >&2; exit 1; }
  WG_PORT=$(python3 -c "import json;print(json.load(open('$WORK/wg-ready.json'))['proxy_port'])")
  local admin
  admin=$(python3 -c "import json;print(json.load(open('$WORK/wg-ready.json'))['admin_port'])")
  python3 - "$admin" "$WG_PORT" "$BACKEND_PORT" "$FIXTURES" "$1" "${#WRAP[@]}" $VARIANTS <<'PY'
import base64, http.client, json, sys, time, urllib.request

admin, proxy, backend, fixtures, threads, wrapped, variants = *sys.argv[1:7], sys.argv[7:]
slow = 30 if wrapped != "0" else 1  # under valgrind: first calls compile and instantiate ~30x slower
auth = "Basic " + base64.b64encode(b"bench:bench").decode()

def post(path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{admin}{path}", json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": auth})
    with urllib.request.urlopen(req) as r:
        assert r.status in (200, 201), (path, r.status)

wasm = {"allow": "allow.wasm", "execute": "steps.wasm"}
def slot(plugin_id, function):
    return {"plugin": "cp:otoroshi.next.plugins.WasmAccessValidator", "enabled": True, "include": [], "exclude": [],
            "config": {"source": {"kind": "Local", "path": plugin_id, "opts": {}}, "functionName": function}}

def route(name, plugins):
    post("/apis/proxy.otoroshi.io/v1/routes", {
        "id": "route_" + name, "name": name, "frontend": {"domains": [name + ".bench"]},
        "backend": {"targets": [{"hostname": "127.0.0.1", "port": int(backend)}]}, "plugins": plugins})

route("r0", [])
for v in variants:
    ids = []
    for i in range(1, 6):  # one entity per slot; a VM per I/O thread so calls stay inline (no pool waits)
        ids.append(f"wasm-plugin_{v}_{i}")
        post("/apis/plugins.otoroshi.io/v1/wasm-plugins", {
            "id": ids[-1], "name": f"{v} {i}", "description": "bench/plugin_overhead.sh",
            "config": {"source": {"kind": "File", "path": f"{fixtures}/{wasm[v]}", "opts": {}},
                       "memoryPages": 20, "callTimeoutMs": 1000 * slow, "instances": int(threads) + 1}})
    route(v + "1", [slot(ids[0], v)])
    route(v + "5", [slot(i, v) for i in ids])

names = ["r0"] + [v + n for v in variants for n in ("1", "5")]
deadline = time.time() + 10 * slow
for name in names:  # http.client keeps the header name's case: `foo: bar` as wrk sends it
    while True:
        c = http.client.HTTPConnection("127.0.0.1", int(proxy), timeout=5 * slow)
        c.request("GET", "/", headers={"Host": name + ".bench", "foo": "bar"})
        status = c.getresponse().status
        c.close()
        if status == 200: break
        if time.time() > deadline: sys.exit(f"route {name}: answers {status}, not 200")
        time.sleep(0.05)
PY
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$WG_PID/stat"; }  # utime + stime of all threads, clock ticks
TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))

# $1 route $2 count: that many keep-alive GETs on one connection, each must answer 200.
run_requests() {
  python3 - "$WG_PORT" "$1" "$2" <<'PY'
import http.client, sys
port, route, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
for _ in range(n):
    c.request("GET", "/", headers={"Host": route + ".bench", "foo": "bar"})
    r = c.getresponse()
    r.read()
    if r.status != 200: sys.exit(f"route {route}: answered {r.status}")
PY
}

run_callgrind() {  # prints Ir per request for every route, and per plugin over r0
  setup_gateway 1
  local out
  for r in $ROUTES; do run_requests "$r" 300; done  # warm-up: VMs created, tiers up, pools filled
  : > "$WORK/ir.txt"
  for r in $ROUTES; do
    callgrind_control -z "$WG_PID" > /dev/null 2>&1
    run_requests "$r" "$REQUESTS"
    callgrind_control -d "$WG_PID" > /dev/null 2>&1
    out=$(ls -t "$WORK"/cg.out.* | head -1)
    echo "$r $(awk '/^(summary|totals):/ {print $2; exit}' "$out")" >> "$WORK/ir.txt"
    [ -n "${KEEP_PROFILES:-}" ] && cp "$out" "$KEEP_PROFILES/callgrind.$r.out"
    echo "$r: $(tail -1 "$WORK/ir.txt" | awk -v n="$REQUESTS" '{printf "%.0f", $2 / n}') Ir/request" >&2
  done
  stop_gateway
  awk -v n="$REQUESTS" -v date="$(date -u '+%F %H:%M UTC')" '
    { ir[$1] = $2 / n; order[NR] = $1 }
    END {
      printf "\nplugin_overhead (callgrind): Ir per request, %d keep-alive GETs per route on one connection\n", n
      for (i = 1; i <= NR; i++) {
        r = order[i]; k = substr(r, length(r)); per = ""
        if (r != "r0") per = sprintf("   +%.0f Ir per plugin (%.2fx r0 per plugin)", (ir[r] - ir["r0"]) / k,
                                     (ir[r] - ir["r0"]) / k / ir["r0"])
        printf "  %-9s %9.0f%s\n", r, ir[r], per
      }
      printf "(%s)\n", date
    }' "$WORK/ir.txt"
}

# $1 route $2 connections $3 duration → "rps p50_us p99_us bad cpu_us" (bad: non-2xx + socket errors; cpu_us:
# the gateway's CPU time, all threads, per request)
run_wrk() {
  local before after
  before=$(cpu_ticks)
  wrk -t1 -c"$2" -d"$3" --latency -H "Host: $1.bench" -H "foo: bar" "http://127.0.0.1:$WG_PORT/" > "$WORK/wrk.out"
  after=$(cpu_ticks)
  awk -v ticks=$((after - before)) -v tick_us="$TICK_US" '
    function us(v) { if (v ~ /us$/) { sub(/us$/, "", v); return v }
                     if (v ~ /ms$/) { sub(/ms$/, "", v); return v * 1000 }
                     sub(/s$/, "", v); return v * 1000000 }
    /^Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = us($2) }
    $1 == "99%" { p99 = us($2) }
    /Non-2xx/ { bad += $NF }
    /Socket errors/ { gsub(/,/, ""); bad += $4 + $6 + $8 + $10 }
    /requests in/ { n = $1 }
    END { printf "%s %s %s %d %.3f\n", rps, p50, p99, bad, n ? ticks * tick_us / n : 0 }' "$WORK/wrk.out"
}

if [ "$MODE" = callgrind ]; then
  run_callgrind
  exit 0
fi

: > "$WORK/samples.txt"
for t in $THREADS; do
  setup_gateway "$t"
  for r in $ROUTES; do  # warm-up: VMs created, caches and TCP pools filled
    run_wrk "$r" "$CONNECTIONS" 2s > /dev/null
  done
  for i in $(seq 1 "$ROUNDS"); do
    line="threads=$t round $i/$ROUNDS:"
    for r in $ROUTES; do
      read -r rps p50 p99 bad cpu < <(run_wrk "$r" "$CONNECTIONS" "$DURATION")
      echo "$t $r throughput $rps $p50 $p99 $bad $cpu" >> "$WORK/samples.txt"
      read -r rps1 p501 p991 bad1 cpu1 < <(run_wrk "$r" 1 "$DURATION")
      echo "$t $r latency $rps1 $p501 $p991 $bad1 $cpu1" >> "$WORK/samples.txt"
      line="$line  $r ${rps%.*} rps ${cpu}us cpu, p50 ${p501}us"
    done
    echo "$line" >&2
  done
  stop_gateway
done

MACHINE="$(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs)"
python3 - "$WORK/samples.txt" "$DURATION" "$CONNECTIONS" "$ROUNDS" "$MACHINE" "$(date -u '+%F %H:%M UTC')" \
  "$(uptime | sed 's/.*load average: //')" $VARIANTS <<'PY'
import collections, statistics, sys

path, duration, connections, rounds, machine, date, load, *variants = sys.argv[1:]
RPS, P50, P99, CPU = 0, 1, 2, 4
samples = collections.defaultdict(list)
bad_total = 0
for line in open(path):
    t, route, mode, *values = line.split()
    samples[(t, route, mode)].append([float(v) for v in values])
    bad_total += int(float(values[3]))

def med(t, route, mode, i):
    return statistics.median(s[i] for s in samples[(t, route, mode)])

GOAL_US, GOAL_RPS = 3.0, 5.0
print(f"\nplugin_overhead: {rounds} alternating rounds × {duration} per route and load, medians; "
      f"load average at the end {load}")
print(f"  throughput: wrk -c {connections}; latency: wrk -c 1 (no queueing); cpu: gateway CPU time (all threads) "
      f"per request at -c {connections}")
if bad_total:
    print(f"  WARNING: {bad_total} non-2xx responses or socket errors: results are suspect")
rows = []
for t in sorted({k[0] for k in samples}, key=int):
    print(f"\n  --threads {t}")
    print(f"  {'route':<9} {'rps':>8} {'p99':>9} {'cpu/req':>9} {'p50 c=1':>9} {'p99 c=1':>9}")
    for route in ["r0"] + [v + n for v in variants for n in ("1", "5")]:
        print(f"  {route:<9} {med(t, route, 'throughput', RPS):>8.0f} {med(t, route, 'throughput', P99):>7.0f}us"
              f" {med(t, route, 'throughput', CPU):>7.2f}us {med(t, route, 'latency', P50):>7.1f}us"
              f" {med(t, route, 'latency', P99):>7.1f}us")
    rps0, p50_0, cpu0 = (med(t, "r0", "throughput", RPS), med(t, "r0", "latency", P50),
                         med(t, "r0", "throughput", CPU))
    for v in variants:
        per = {}
        for n in (1, 5):
            rps, p50, cpu = (med(t, f"{v}{n}", "throughput", RPS), med(t, f"{v}{n}", "latency", P50),
                             med(t, f"{v}{n}", "throughput", CPU))
            per[n] = ((p50 - p50_0) / n, (1 - rps / rps0) * 100 / n, (cpu - cpu0) / n, rps, p50)
            us, loss, cpu_us = per[n][:3]
            verdict = ("met" if us <= GOAL_US and loss <= GOAL_RPS else "MISSED") if v == "allow" else "(no goal)"
            print(f"  {v} ×{n}: per plugin {us:+.1f} µs p50, {-loss:+.1f} % rps, {cpu_us:+.2f} µs gateway CPU"
                  f"   goals ≤ {GOAL_US:g} µs and ≤ {GOAL_RPS:g} %: {verdict}")
        rows.append((t, v, rps0, p50_0, per))

print("\nmarkdown rows (bench/RESULTS.md):")
for t, v, rps0, p50_0, per in rows:
    def both(i, fmt):
        return " / ".join(format(per[n][i], fmt) for n in (1, 5))
    verdict = "met" if all(per[n][0] <= GOAL_US and per[n][1] <= GOAL_RPS for n in (1, 5)) else "missed"
    print(f"| {date} | {machine} | threads={t} {v} c={connections} {rounds}×{duration} | "
          f"{rps0:.0f} / {both(3, '.0f')} | {p50_0:.0f} / {both(4, '.0f')} µs | {both(0, '+.1f')} µs | "
          f"{both(1, '.1f')} % | {both(2, '+.2f')} µs | {verdict if v == 'allow' else '–'} |")
PY
