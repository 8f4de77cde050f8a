// Encrypt and decrypt ops/s for nested tokens (claims signed, then encrypted with cty "JWT")
// against jose, which does the same two steps with SignJWT + CompactEncrypt and
// compactDecrypt + jwtVerify. Target: at least 1.5x jose on Node for dir + A256GCM.
// Run after building core: `node bench/jwe.bench.mjs` (`--quick` for a short run that leaves
// README.md alone). Writes its table into bench/README.md under "JWE".
import crypto from 'node:crypto';
import os from 'node:os';
import * as core from '@jwt/core';
import * as jose from 'jose';
import { fmt, race, writeReadmeSection } from './harness.mjs';

const quick = process.argv.includes('--quick');
const opts = quick ? { rounds: 3, roundMs: 120, warmupMs: 100 } : { rounds: 5, roundMs: 300, warmupMs: 300 };
const claims = { sub: 'kevin', username: 'kevin', email: 'kevin@example.com', permissions: ['view', 'comment'], iss: 'jwt-example', aud: 'jwt-example-api' };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Signing keys for the inner token, as ours and as jose takes them (CryptoKeys, its fastest form). */
async function signingKeys(alg) {
  if (alg === 'HS256') {
    const secret = crypto.randomBytes(32);
    const ck = await crypto.webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    return { sign: core.secretKey(secret), verify: core.secretKey(secret), joseSign: ck, joseVerify: ck };
  }
  const { privateKey, publicKey } = await core.generateKeyPair(alg);
  return {
    sign: privateKey,
    verify: publicKey,
    joseSign: await jose.importJWK(await core.exportJwk(privateKey, { includePrivate: true }), alg),
    joseVerify: await jose.importJWK(await core.exportJwk(publicKey), alg),
  };
}

/** Encryption keys: ours (encrypt side, decrypt side) and jose's. */
async function encryptionKeys(alg, enc) {
  if (alg === 'dir') {
    const secret = crypto.randomBytes(32);
    const key = core.encryptionKey(secret, { enc });
    const ck = await crypto.webcrypto.subtle.importKey('raw', secret, 'AES-GCM', false, ['encrypt', 'decrypt']);
    return { encrypt: key, decrypt: key, joseEncrypt: ck, joseDecrypt: ck };
  }
  const { privateKey, publicKey } = await core.generateEncryptionKeyPair(alg, { curve: 'X25519', enc });
  const jwk = await core.exportEncryptionJwk(privateKey, { includePrivate: true });
  return {
    encrypt: publicKey,
    decrypt: privateKey,
    joseEncrypt: await jose.importJWK(await core.exportEncryptionJwk(publicKey), alg),
    joseDecrypt: await jose.importJWK(jwk, alg),
  };
}

const scenarios = [
  { label: 'dir + A256GCM, inner HS256', alg: 'dir', enc: 'A256GCM', sigAlg: 'HS256', target: 1.5 },
  { label: 'dir + A256GCM, inner ES256', alg: 'dir', enc: 'A256GCM', sigAlg: 'ES256', target: 1.5 },
  { label: 'ECDH-ES (X25519) + A256GCM, inner ES256', alg: 'ECDH-ES', enc: 'A256GCM', sigAlg: 'ES256' },
];

const rows = [];
const targets = [];
for (const s of scenarios) {
  const sk = await signingKeys(s.sigAlg);
  const ek = await encryptionKeys(s.alg, s.enc);
  const encryptor = core.createEncryptor({ key: ek.encrypt, signWith: sk.sign, expiresIn: 900 });
  const verifier = core.createVerifier({ key: sk.verify, decryptionKey: ek.decrypt, algorithms: [s.sigAlg], issuer: 'jwt-example', audience: 'jwt-example-api' });
  const joseEncrypt = async () => {
    const jws = await new jose.SignJWT(claims).setProtectedHeader({ alg: s.sigAlg, typ: 'JWT' }).setIssuedAt().setExpirationTime('15m').sign(sk.joseSign);
    return new jose.CompactEncrypt(encoder.encode(jws)).setProtectedHeader({ alg: s.alg, enc: s.enc, cty: 'JWT' }).encrypt(ek.joseEncrypt);
  };
  const joseDecrypt = async (token) => {
    const { plaintext } = await jose.compactDecrypt(token, ek.joseDecrypt, { keyManagementAlgorithms: [s.alg], contentEncryptionAlgorithms: [s.enc] });
    return jose.jwtVerify(decoder.decode(plaintext), sk.joseVerify, { algorithms: [s.sigAlg], issuer: 'jwt-example', audience: 'jwt-example-api' });
  };

  // Every contestant must accept every other's token before anything is timed.
  const ours = encryptor.encryptSync(claims);
  const theirs = await joseEncrypt();
  for (const token of [ours, theirs]) {
    if (verifier.verifySync(token).payload.sub !== 'kevin') throw new Error('ours refused a token');
    if ((await joseDecrypt(token)).payload.sub !== 'kevin') throw new Error('jose refused a token');
  }

  const encrypt = await race({
    ours: () => encryptor.encryptSync(claims),
    'ours (async)': () => encryptor.encrypt(claims),
    jose: joseEncrypt,
  }, opts);
  const decrypt = await race({
    ours: () => verifier.verifySync(ours),
    'ours (async)': () => verifier.verify(ours),
    jose: () => joseDecrypt(ours),
  }, opts);
  for (const [op, res] of [['encrypt', encrypt], ['decrypt', decrypt]]) {
    rows.push(`| ${s.label} | ${op} | ${fmt(res.ours)} | ${fmt(res['ours (async)'])} | ${fmt(res.jose)} | ${(res.ours / res.jose).toFixed(2)}x | ${(res['ours (async)'] / res.jose).toFixed(2)}x |`);
    if (s.target) targets.push(`| ${s.label} ${op}: ours >= ${s.target}x jose | ${(res.ours / res.jose).toFixed(2)}x (async API ${(res['ours (async)'] / res.jose).toFixed(2)}x) |`);
  }
  console.log(s.label, 'encrypt', encrypt, 'decrypt', decrypt);
}

const date = new Date().toISOString().slice(0, 10);
const table = [
  `Run on ${date}, Node ${process.version}, ${os.cpus().length} cores${quick ? ' (quick mode)' : ''}. Nested tokens: claims signed, then encrypted (\`cty: "JWT"\`); decrypt includes verifying the inner token and its claims. ops/s, median of interleaved rounds. "ours" is the synchronous API (\`encryptSync\` / \`verifySync\`), "ours (async)" the promise API (\`encrypt\` / \`verify\`).`,
  '',
  '| token | op | ours | ours (async) | jose | ours / jose | ours (async) / jose |',
  '|---|---|---|---|---|---|---|',
  ...rows,
  '',
  '| target | measured |',
  '|---|---|',
  ...targets,
].join('\n');
console.log(`\n${table}`);

if (!quick) writeReadmeSection({ name: 'jwe-bench', heading: 'JWE: encrypted (nested) tokens (`node bench/jwe.bench.mjs`)', table });
