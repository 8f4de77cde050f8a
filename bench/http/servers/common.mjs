// What every benchmark server shares: the configuration the runner hands over in BENCH_CONFIG, and
// the handshake over the IPC channel (send the port once listening; answer "cpu" with the process's
// CPU time; exit on "stop" or when the runner goes away, so that `--cpu-prof` gets to write its
// profile on a normal exit).
import { createHmac, createPublicKey, createSecretKey, timingSafeEqual, verify } from 'node:crypto';

/**
 * @typedef {object} BenchConfig
 * @property {'HS256' | 'ES256'} alg
 * @property {string} secret       HS256: the shared secret, used as its UTF-8 bytes by every server
 * @property {string} publicKeyPem ES256: the SPKI PEM of the verification key
 * @property {string} issuer
 * @property {string} audience
 * @property {Record<string, unknown>} claims the claims inside the benchmark token
 */

/** @returns {{ config: BenchConfig, variant: 'none' | 'ours' | 'ours-cache' | 'peer' | 'peer-key' | 'floor' }} */
export function readSetup() {
  const raw = process.env.BENCH_CONFIG;
  const variant = process.argv[2];
  if (raw === undefined || !['none', 'ours', 'ours-cache', 'peer', 'peer-key', 'floor'].includes(variant ?? '')) {
    throw new Error('started by bench/http/run.mjs only: node <server>.mjs <none|ours|ours-cache|peer|peer-key|floor> with BENCH_CONFIG set');
  }
  return { config: JSON.parse(raw), variant };
}

/** The verification key as the peers' documented form takes it: the secret string, or the PEM. */
export function keyText(config) {
  return config.alg === 'HS256' ? config.secret : config.publicKeyPem;
}

/** The same key as a node:crypto KeyObject, the fastest form jsonwebtoken-based peers take. */
export function keyObject(config) {
  return config.alg === 'HS256' ? createSecretKey(Buffer.from(config.secret, 'utf8')) : createPublicKey(config.publicKeyPem);
}

/**
 * The floor: the least work any correct verifier does per request with node:crypto, written
 * inline for this benchmark (not a library anyone should use: no size limit, no header check, no
 * strict base64url, no nbf/iat, no error codes). Returns the claims, or undefined to refuse.
 */
export function floorVerifier(config) {
  const key = keyObject(config);
  const now = () => Date.now() / 1000;
  const check = (claims) => (claims.exp > now() && claims.iss === config.issuer && claims.aud === config.audience ? claims : undefined);
  return (authorization) => {
    if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) return undefined;
    const token = authorization.slice(7);
    const d1 = token.indexOf('.');
    const d2 = token.lastIndexOf('.');
    if (d1 <= 0 || d2 <= d1) return undefined;
    const input = token.slice(0, d2);
    const signature = Buffer.from(token.slice(d2 + 1), 'base64url');
    if (config.alg === 'HS256') {
      const mac = createHmac('sha256', key).update(input).digest();
      if (mac.length !== signature.length || !timingSafeEqual(mac, signature)) return undefined;
    } else if (!verify('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }, signature)) {
      return undefined;
    }
    try {
      return check(JSON.parse(Buffer.from(token.slice(d1 + 1, d2), 'base64url').toString('utf8')));
    } catch {
      return undefined;
    }
  };
}

/** Reports the listening port to the runner and stops cleanly when told to. */
export function ready(port, close) {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Exit even if keep-alive sockets linger: the runner has finished with this server.
    const timer = setTimeout(() => process.exit(0), 500);
    timer.unref();
    Promise.resolve()
      .then(close)
      .catch(() => undefined)
      .finally(() => process.exit(0));
  };
  process.on('message', (message) => {
    if (message === 'stop') stop();
    // The runner reads the CPU time spent per request: unlike req/s, it hardly moves when other
    // processes compete for the cores.
    else if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.send?.({ port });
}
