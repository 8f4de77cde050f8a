/** The two ways the suite talks to an app: `fetch`, and a raw socket for bytes `fetch` will not send. */
import { connect } from 'node:net';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export async function request(base: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  const init: RequestInit = { method: options.method ?? 'GET', headers: options.headers ?? {}, redirect: 'manual' };
  if (options.body !== undefined) init.body = options.body;
  const res = await fetch(new URL(path, base), init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** `Authorization: Bearer <token>` */
export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

export interface RawReply {
  /** The status of the first response, undefined when the server closed without answering. */
  status: number | undefined;
  raw: string;
}

/**
 * Writes `bytes` to a fresh connection and reads until the server closes it (send
 * `Connection: close`) or `timeoutMs` passes. For requests `fetch` refuses to make.
 */
export function rawRequest(base: string, bytes: string | Buffer, timeoutMs = 5000): Promise<RawReply> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: hostname, port: Number(port) });
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      resolve({ status: m ? Number(m[1]) : undefined, raw });
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('connect', () => socket.end(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A server may reset a connection it refuses mid-request; what it answered first still counts.
      if (chunks.length > 0 || error.code === 'ECONNRESET' || error.code === 'EPIPE') done();
      else {
        clearTimeout(timer);
        reject(error);
      }
    });
  });
}
