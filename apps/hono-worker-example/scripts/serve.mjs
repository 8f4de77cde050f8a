#!/usr/bin/env node
/**
 * Serves the built Worker (dist/worker.mjs) locally under workerd, the open-source runtime of
 * Cloudflare Workers, from the `workerd` npm package: no Cloudflare account and no wrangler (which
 * needs Node 22). The bindings come from the same environment variables as the Node example apps.
 * Prints `listening on http://HOST:PORT` once workerd accepts connections; stops on SIGTERM/SIGINT.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
const workerd = require('workerd').default;

const host = process.env.HOST ?? '127.0.0.1';
const port = process.env.PORT ?? '8787';
if (!/^\d+$/.test(port) || Number(port) > 65535) fail(`PORT must be a whole number from 0 to 65535`);

const bindings = {};
for (const name of ['JWT_SECRET', 'JWT_ISSUER', 'JWT_AUDIENCE', 'JWT_TTL', 'JWT_CLOCK_TOLERANCE']) {
  if (process.env[name] !== undefined) bindings[name] = process.env[name];
}
// Locally, as with the Node apps, a missing secret is made up (with a warning); a deployed Worker refuses to run without one.
if (bindings.JWT_SECRET === undefined) {
  bindings.JWT_SECRET = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64url');
  process.stderr.write('warning: JWT_SECRET is not set: using a random secret made at start; tokens will not survive a restart\n');
} else if (new TextEncoder().encode(bindings.JWT_SECRET).length < 32) {
  fail(`JWT_SECRET is too short: it needs at least 32 bytes`);
}

const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
const text = (s) => JSON.stringify(s);
const config = `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = ${text(address)}, http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [ (name = "worker.mjs", esModule = embed "worker.mjs") ],
  compatibilityDate = "2025-09-01",
  bindings = [ ${Object.entries(bindings).map(([name, value]) => `(name = ${text(name)}, text = ${text(value)})`).join(', ')} ],
);
`;

const dir = mkdtempSync(join(tmpdir(), 'hono-worker-example-'));
let module;
try {
  module = readFileSync(new URL('../dist/worker.mjs', import.meta.url));
} catch {
  fail('dist/worker.mjs is missing: run `pnpm --filter hono-worker-example... build` first');
}
writeFileSync(join(dir, 'worker.mjs'), module);
// The config holds the secret: readable by this user only, and removed on exit.
writeFileSync(join(dir, 'config.capnp'), config, { mode: 0o600 });

const child = spawn(workerd, ['serve', join(dir, 'config.capnp'), '--control-fd=3'], { stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
createInterface({ input: child.stdio[3] }).on('line', (line) => {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  if (message.event === 'listen' && message.socket === 'http') {
    const shown = host.includes(':') ? `[${host}]` : host;
    process.stdout.write(`listening on http://${shown}:${message.port}\n`);
  }
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    stopping = true;
    child.kill('SIGTERM');
  });
}
child.on('exit', (code, signal) => {
  rmSync(dir, { recursive: true, force: true });
  process.exitCode = stopping ? 0 : (code ?? (signal ? 1 : 0));
});

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}
