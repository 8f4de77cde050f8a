// What every benchmark server shares: the configuration the runner hands over in BENCH_CONFIG, and
// the handshake over the IPC channel (send the port once listening; answer "cpu" with the process's
// CPU time; exit on "stop" or when the runner goes away, so that `--cpu-prof` gets to write its
// profile on a normal exit).
import { createPublicKey, createSecretKey } from 'node:crypto';

/**
 * @typedef {object} BenchConfig
 * @property {'HS256' | 'ES256'} alg
 * @property {string} secret       HS256: the shared secret, used as its UTF-8 bytes by every server
 * @property {string} publicKeyPem ES256: the SPKI PEM of the verification key
 * @property {string} issuer
 * @property {string} audience
 * @property {Record<string, unknown>} claims the claims inside the benchmark token
 */

/** @returns {{ config: BenchConfig, variant: 'none' | 'ours' | 'peer' | 'peer-key' }} */
export function readSetup() {
  const raw = process.env.BENCH_CONFIG;
  const variant = process.argv[2];
  if (raw === undefined || !['none', 'ours', 'peer', 'peer-key'].includes(variant ?? '')) {
    throw new Error('started by bench/http/run.mjs only: node <server>.mjs <none|ours|peer|peer-key> with BENCH_CONFIG set');
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
