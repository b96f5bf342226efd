// Runs one export of an Extism plugin through the reference JS host, npm @extism/extism 1.0.3 on Node 20, and
// prints what `wasmgate call` prints for the same flags, so the two can be compared byte for byte:
//   node extism_node.mjs --wasm FILE --function NAME [--input S | --input-file F] [--config k=v]...
//                        [--allow-host GLOB]... [--wasi] [--allow-path [rw:]HOST:GUEST]... [--repeat N]
//                        [--worker] [--tools DIR]
// stdout: the output bytes, raw (with --repeat > 1, each output followed by '\n'); exit 0. On an error:
// "error: <message>" on stderr, exit 1 (outputs of earlier calls already written).
//
// The SDK 1.0.3 facts this relies on (read from its sources, dist/esm/mod.js.map):
// - One plugin, calls in sequence, no reset: vars persist across --repeat like in one wasmgate VM.
// - http_request/http_status_code exist only in the background (worker) plugin, hence --worker; the foreground
//   one logs "http_request is not enabled" and returns 0.
// - No call timeout, no get_log_level/log_trace/http_headers, and env: {} (no legacy env.extism_* imports).
// - The guest's log_* lines go to the logger; it writes them to stderr so stdout holds only outputs.
// - allowedPaths is handed to node:wasi as its `preopens`, keyed by GUEST path (the manifest's host → guest is
//   inverted here); node:wasi has no read-only preopens, so the `rw:` prefix is dropped.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const kUsage = 'usage: extism_node.mjs --wasm FILE --function NAME [--input S | --input-file F] [--config k=v]... ' +
  '[--allow-host GLOB]... [--wasi] [--allow-path [rw:]HOST:GUEST]... [--repeat N] [--worker] [--tools DIR]';

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const opts = {
    config: {}, allowedHosts: [], allowedPaths: {}, wasi: false, repeat: 1, worker: false,
    tools: process.env.WASMGATE_NODE_TOOLS || path.join(here, '..', '..', 'tools', 'node'),
  };
  for (let i = 0; i < argv.length; ++i) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${flag} expects a value\n${kUsage}`);
      return argv[++i];
    };
    switch (flag) {
      case '--wasm': opts.wasm = value(); break;
      case '--function': opts.function = value(); break;
      // Copied into an exact-size ArrayBuffer: the SDK wraps `input.buffer` whole, ignoring the view's offset
      // and length, and a small Buffer is a slice of Node's shared 8 KiB pool.
      case '--input': opts.input = new Uint8Array(Buffer.from(value(), 'utf8')); break;
      case '--input-file': opts.input = new Uint8Array(readFileSync(value())); break;
      case '--config': {
        const entry = value();
        const at = entry.indexOf('=');
        if (at <= 0) fail(`--config expects key=value, got "${entry}"`);
        opts.config[entry.slice(0, at)] = entry.slice(at + 1);
        break;
      }
      case '--allow-host': opts.allowedHosts.push(value()); break;
      case '--wasi': opts.wasi = true; break;
      case '--allow-path': {
        const entry = value().replace(/^(rw|ro):/, '');
        const at = entry.indexOf(':');
        if (at <= 0) fail(`--allow-path expects [rw:]HOST:GUEST, got "${entry}"`);
        opts.allowedPaths[entry.slice(at + 1)] = entry.slice(0, at);
        break;
      }
      case '--repeat': opts.repeat = Number(value()); break;
      case '--worker': opts.worker = true; break;
      case '--tools': opts.tools = value(); break;
      default: fail(`unknown argument "${flag}"\n${kUsage}`);
    }
  }
  if (!opts.wasm || !opts.function) fail(kUsage);
  if (!Number.isInteger(opts.repeat) || opts.repeat < 1) fail('--repeat must be at least 1');
  return opts;
}

// The guest's log lines, on stderr with their level (console would print info to stdout).
const stderrLogger = Object.fromEntries(['trace', 'debug', 'info', 'warn', 'error', 'log'].map(
  (level) => [level, (...args) => process.stderr.write(`[guest ${level}] ${args.join(' ')}\n`)]));

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  // tools/node holds the SDK (npm ci by `make setup`); resolve it from there, not from this folder.
  const requireFromTools = createRequire(path.join(path.resolve(opts.tools), 'package.json'));
  let createPlugin;
  try {
    ({ createPlugin } = requireFromTools('@extism/extism'));
  } catch (e) {
    fail(`cannot load @extism/extism from ${opts.tools} (run \`make setup\`): ${e.message}`);
  }

  let plugin;
  try {
    plugin = await createPlugin({ wasm: [{ data: readFileSync(opts.wasm) }] }, {
      useWasi: opts.wasi,
      config: opts.config,
      allowedHosts: opts.allowedHosts,
      allowedPaths: opts.allowedPaths,
      runInWorker: opts.worker,
      logger: stderrLogger,
    });
  } catch (e) {
    fail(e?.message ?? String(e));
  }

  let status = 0;
  try {
    for (let i = 0; i < opts.repeat; ++i) {
      const output = await plugin.call(opts.function, opts.input ?? new Uint8Array(0));
      if (output !== null) process.stdout.write(output.bytes());
      if (opts.repeat > 1) process.stdout.write('\n');
    }
  } catch (e) {
    process.stderr.write(`error: ${e?.message ?? String(e)}\n`);
    status = 1;
  } finally {
    await plugin.close();
  }
  // Exit once stdout has drained (process.exit would cut a pipe mid-write of a large output).
  process.stdout.write('', () => process.exit(status));
}

main().catch((e) => fail(e?.stack ?? String(e)));
