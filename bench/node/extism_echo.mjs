// The peer of vm_call_bench: the same echo fixture through Node + @extism/extism 1.0.3 (tools/node), in-thread
// (ForegroundPlugin, no WASI), the module compiled once. Measures, as medians of ROUNDS rounds:
//   echo/N       plugin.call("echo", N bytes) + plugin.reset(), per call. The reset is what keeps an instance
//                alive: the SDK never frees blocks between calls (every call adds an input and an output block,
//                and block ids overflow after 16 383), and it is what Extism hosts and wasmgate's kernel do per
//                call anyway. The input is a Uint8Array (the SDK's cheapest path: no encoding, no copy in);
//                the output is read through PluginOutput.bytes() (a view, no copy out).
//   noop         plugin.call("noop") + reset with no input: the SDK's floor.
//   createPlugin createPlugin({ wasm: [{ module }] }) from the compiled module (what instantiating costs).
// Per-call figures are CPU time of the process (process.cpuUsage: user + system, all threads, like the CPU
// column of vm_call_bench's */process_time rows) and wall time. The last line is machine-readable for bench/wasm_vs_extism.sh:
//   extism_echo {"echo_1024_us":…,"echo_65536_us":…,"noop_us":…,"create_plugin_us":…,"wall":{…},
//                "rounds_cpu":{…},…}   (medians of CPU µs; "wall": medians of wall µs; "rounds_cpu": every round)
//
// usage: node bench/node/extism_echo.mjs path/to/echo.wasm   env: ROUNDS=9 SIZES=1024,65536
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const kNodeTools = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tools', 'node', 'node_modules');

// The SDK's ESM entry, read from its package.json (ESM imports ignore NODE_PATH).
async function loadExtism() {
  const dir = join(kNodeTools, '@extism', 'extism');
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  const entry = pkg.exports?.node?.import?.default ?? pkg.module;
  const mod = await import(pathToFileURL(join(dir, entry)).href);
  return { createPlugin: mod.createPlugin, version: pkg.version };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// Runs `body` `count` times; returns [cpu µs, wall µs] per run.
async function timeLoop(count, body) {
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  for (let i = 0; i < count; ++i) await body();
  const wall = Number(process.hrtime.bigint() - wall0) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  return [(cpu.user + cpu.system) / count, wall / count];
}

// Medians over `rounds` rounds of `count` runs each, after at least `warmup` runs and kWarmupMs of them (V8
// tiers the SDK's JS host functions up to TurboFan only after many calls).
const kWarmupMs = 500;
async function measure(rounds, count, warmup, body) {
  const until = performance.now() + kWarmupMs;
  for (let i = 0; i < warmup || performance.now() < until; ++i) await body();
  const cpu = [];
  const wall = [];
  for (let r = 0; r < rounds; ++r) {
    const [c, w] = await timeLoop(count, body);
    cpu.push(c);
    wall.push(w);
  }
  return { cpu: median(cpu), wall: median(wall), rounds: cpu };
}

// Enough calls per round for ~50–100 ms at the speeds seen (~30 µs per 1 KiB echo, ~1 ms per 64 KiB).
function callsPerRound(size) {
  return Math.max(50, Math.min(5000, Math.round(100_000 / (20 + size / 16))));
}

const wasmPath = process.argv[2];
if (!wasmPath) {
  console.error('usage: node bench/node/extism_echo.mjs path/to/echo.wasm');
  process.exit(2);
}
const rounds = Number(process.env.ROUNDS ?? 9);
const sizes = (process.env.SIZES ?? '1024,65536').split(',').map(Number);

const { createPlugin, version } = await loadExtism();
const module = await WebAssembly.compile(await readFile(wasmPath));
const manifest = { wasm: [{ module }] };
const options = { useWasi: false };
const plugin = await createPlugin(manifest, options);

const result = { sdk: `@extism/extism ${version}`, node: process.version, rounds, wall: {}, rounds_cpu: {},
                 calls_per_round: {} };

for (const size of sizes) {
  const input = new Uint8Array(size).fill(0x78);
  const check = await plugin.call('echo', input);
  if (check?.bytes().length !== size || check.bytes()[size - 1] !== 0x78) {
    throw new Error(`echo of ${size} bytes returned ${check?.bytes().length} bytes`);
  }
  await plugin.reset();
  const count = callsPerRound(size);
  const m = await measure(rounds, count, count, async () => {
    const out = await plugin.call('echo', input);
    if (out.bytes().length !== size) throw new Error('short echo');
    await plugin.reset();
  });
  result[`echo_${size}_us`] = m.cpu;
  result.wall[`echo_${size}_us`] = m.wall;
  result.rounds_cpu[`echo_${size}_us`] = m.rounds;
  result.calls_per_round[`echo_${size}`] = count;
  console.error(`echo/${size}: ${m.cpu.toFixed(2)} µs cpu, ${m.wall.toFixed(2)} µs wall per call ` +
                `(rounds cpu: ${m.rounds.map((x) => x.toFixed(1)).join(' ')})`);
}

const noop = await measure(rounds, 2000, 2000, async () => {
  await plugin.call('noop');
  await plugin.reset();
});
result.noop_us = noop.cpu;
result.wall.noop_us = noop.wall;
result.rounds_cpu.noop_us = noop.rounds;
console.error(`noop: ${noop.cpu.toFixed(2)} µs cpu, ${noop.wall.toFixed(2)} µs wall per call`);
await plugin.close();

const created = await measure(rounds, 200, 200, async () => {
  const p = await createPlugin(manifest, options);
  await p.close();
});
result.create_plugin_us = created.cpu;
result.wall.create_plugin_us = created.wall;
result.rounds_cpu.create_plugin_us = created.rounds;
console.error(`createPlugin: ${created.cpu.toFixed(2)} µs cpu, ${created.wall.toFixed(2)} µs wall`);

console.log(`extism_echo ${JSON.stringify(result)}`);
