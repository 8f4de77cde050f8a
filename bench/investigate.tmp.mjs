import { fork } from 'node:child_process';
import autocannon from 'autocannon';
import { createSigner, secretKey, importKey } from '@jwt/core';
import { generateKeyPairSync } from 'node:crypto';
import { randomBytes } from 'node:crypto';
const [file, ...variants] = process.argv.slice(2);
const secret = randomBytes(32).toString('base64url');
const ALG = process.env.ALG ?? 'HS256';
const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signKey = ALG === 'HS256' ? secretKey(secret) : await importKey(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { alg: ALG });
const token = createSigner({ key: signKey, alg: ALG, issuer: 'i', audience: 'a', expiresIn: 3600, jwtId: true }).signSync({ sub: 'kevin', username: 'kevin', permissions: ['view', 'comment'] });
const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
const config = { alg: ALG, secret, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }), issuer: 'i', audience: 'a', claims };
const servers = [];
for (const v of variants) {
  const child = fork(new URL(`./http/servers/${file}`, import.meta.url), [v], { env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) } });
  const port = await new Promise((r) => child.once('message', (m) => r(m.port)));
  const cpu = () => new Promise((r) => { child.once('message', (m) => r(m.cpu)); child.send('cpu'); });
  servers.push({ v, child, url: `http://127.0.0.1:${port}/me`, cpu, res: [] });
}
const run = async (s, d) => { const c0 = await s.cpu(); const r = await autocannon({ url: s.url, connections: 32, duration: d, pipelining: 1, headers: { authorization: `Bearer ${token}` } }); const c1 = await s.cpu(); if (r.non2xx) throw new Error('non2xx ' + s.v); const n = r.requests.total; return { rps: n / r.duration, cpu: (c1.user + c1.system - c0.user - c0.system) / n, user: (c1.user - c0.user) / n, sys: (c1.system - c0.system) / n }; };
for (const s of servers) await run(s, 1);
for (let i = 0; i < Number(process.env.ROUNDS ?? 5); i++) for (const s of servers) s.res.push(await run(s, 1.5));
const med = (a) => { const b = [...a].sort((x, y) => x - y); return b[b.length >> 1]; };
for (const s of servers) { console.log(s.v.padEnd(10), 'rps', med(s.res.map((r) => r.rps)).toFixed(0).padStart(7), 'cpu µs/req', med(s.res.map((r) => r.cpu)).toFixed(1), 'user', med(s.res.map((r) => r.user)).toFixed(1), 'sys', med(s.res.map((r) => r.sys)).toFixed(1), s.res.map((r) => r.cpu.toFixed(0)).join(' ')); s.child.send('stop'); }
