/**
 * A real npm registry on this machine for the release rehearsal: Verdaccio, started in a child
 * process on a free loopback port with its storage in a temporary directory and no uplink, so the
 * only `@jwt/*` packages it knows are the ones published to it during the run. A throwaway user is
 * created through the registry's own login endpoint (Verdaccio writes it to its htpasswd file),
 * and its token goes into a temporary `.npmrc`, never into the user's own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  /** The throwaway publisher's token. */
  readonly token: string;
  /** The `.npmrc` lines that publish to this registry as that user: `registry=` and the token. */
  readonly npmrc: string;
  /** Stops the server (the storage directory is the caller's to remove). */
  stop(): Promise<void>;
}

/** Tries this many free ports when another process takes the one picked before Verdaccio binds it. */
const START_ATTEMPTS = 5;
/** A hang guard for Verdaccio's start on a busy machine, not a timing assertion. */
const START_TIMEOUT_MS = 90_000;

/**
 * Starts Verdaccio with everything under `dir` (config, htpasswd, storage) and logs in a new user.
 * @example const registry = await startRegistry(mkdtempSync(join(tmpdir(), 'registry-')))
 */
export async function startRegistry(dir: string): Promise<LocalRegistry> {
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(join(dir, 'storage'))}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(join(dir, 'htpasswd'))}`,
      // No uplinks: nothing is proxied from another registry, so what is installed from here was
      // published here.
      'uplinks: {}',
      'packages:',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      '    unpublish: $authenticated',
      // The largest tarball (@jwt/core with source maps) is well under this.
      'max_body_size: 50mb',
      'web:',
      '  enable: false',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );

  const bin = join(createRequire(import.meta.url).resolve('verdaccio/package.json'), '..', 'bin', 'verdaccio');
  let child: ChildProcess | undefined;
  let url = '';
  for (let attempt = 1; child === undefined; attempt++) {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    const started = spawn(process.execPath, [bin, '--config', config, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    started.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    started.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    const up = await waitUntilUp(url, started);
    if (up) {
      child = started;
    } else {
      started.kill('SIGKILL');
      if (!/EADDRINUSE/.test(output) || attempt >= START_ATTEMPTS) throw new Error(`Verdaccio did not start on ${url}:\n${output.slice(-2000)}`);
    }
  }

  const user = `rehearsal-${randomBytes(4).toString('hex')}`;
  const response = await fetch(new URL(`-/user/org.couchdb.user:${user}`, url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ _id: `org.couchdb.user:${user}`, name: user, password: randomBytes(16).toString('hex'), type: 'user', roles: [] }),
  });
  const body = (await response.json()) as { token?: string };
  if (response.status !== 201 || typeof body.token !== 'string') {
    child.kill('SIGKILL');
    throw new Error(`Verdaccio refused to create the publishing user: ${response.status} ${JSON.stringify(body)}`);
  }
  const hostPath = url.replace(/^http:/, '');
  const running = child;
  return {
    url,
    token: body.token,
    npmrc: `registry=${url}\n${hostPath}:_authToken=${body.token}\n`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (running.exitCode !== null || running.signalCode !== null) return resolve();
        running.once('exit', () => resolve());
        running.kill('SIGTERM');
      }),
  };
}

/** Polls `/-/ping` until it answers 200; false when the process exits first or it never does. */
async function waitUntilUp(url: string, child: ChildProcess): Promise<boolean> {
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!exited && Date.now() < deadline) {
    try {
      const res = await fetch(new URL('-/ping', url));
      if (res.status === 200) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The registry's document for a package (`versions`, `dist-tags`), or undefined on 404. */
export async function packument(url: string, name: string): Promise<{ versions: Record<string, PublishedManifest>; 'dist-tags': Record<string, string> } | undefined> {
  const res = await fetch(new URL(name.replace('/', '%2f'), url));
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET ${name} from the local registry: ${res.status}`);
  return (await res.json()) as { versions: Record<string, PublishedManifest>; 'dist-tags': Record<string, string> };
}

/** The versions of a package the registry holds, sorted as published; [] when it has none. */
export async function publishedVersions(url: string, name: string): Promise<string[]> {
  return Object.keys((await packument(url, name))?.versions ?? {});
}

export interface PublishedManifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  dist: { tarball: string; shasum: string; integrity?: string };
  [field: string]: unknown;
}
