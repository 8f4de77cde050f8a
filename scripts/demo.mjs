#!/usr/bin/env node
/**
 * A one-minute tour of @jwt/core: sign a token, read it, verify it, and watch a tampered copy and a
 * token from another key being refused. Runs against the built package (`pnpm --filter @jwt/core
 * build`); `npm run demo` builds it and falls back to this script when the Hono example app is not
 * available.
 */
import { Buffer } from 'node:buffer';

// The built ESM entry point, the file `import '@jwt/core'` resolves to in an application.
const { createSigner, createVerifier, decodeUnverified, generateSecret, isJwtError } = await import(
  new URL('../packages/core/dist/index.mjs', import.meta.url).href
);

const issuer = 'jwt-demo';
const audience = 'jwt-demo-api';
const key = generateSecret('HS256');
const signer = createSigner({ key, issuer, audience, expiresIn: '15m', jwtId: true });
const verifier = createVerifier({ key, issuer, audience, algorithms: ['HS256'] });

const token = await signer.sign({ sub: 'kevin', permissions: ['view', 'comment'] });
section('1. Signed with a fresh 256-bit HMAC secret (HS256, expires in 15 minutes)');
console.log(token);

section('2. Decoded WITHOUT verification (never use this for an access decision)');
const { header, payload } = decodeUnverified(token);
console.log('header: ', JSON.stringify(header));
console.log('payload:', JSON.stringify(payload));

section('3. Verified: signature, algorithm, exp, iss and aud checked');
const verified = await verifier.verify(token);
console.log(`accepted: sub=${verified.payload.sub} permissions=${JSON.stringify(verified.payload.permissions)}`);

// Same header and signature, but a payload that grants itself `admin`.
const [h, , s] = token.split('.');
const forged = Buffer.from(JSON.stringify({ ...payload, permissions: ['admin'] })).toString('base64url');
const tampered = `${h}.${forged}.${s}`;
section('4. Tampered copy: payload edited to grant "admin", signature kept');
console.log(tampered);
let refusedAll = await expectRefused(tampered);

section('5. A token granting "admin", signed by another key with the right iss and aud');
const impostor = createSigner({ key: generateSecret('HS256'), issuer, audience, expiresIn: '15m' });
refusedAll = (await expectRefused(await impostor.sign({ sub: 'kevin', permissions: ['admin'] }))) && refusedAll;

console.log('');
if (!refusedAll) {
  console.error('A forged token was accepted: this is a bug in @jwt/core.');
  process.exitCode = 1;
}

async function expectRefused(candidate) {
  try {
    await verifier.verify(candidate);
    console.log('ACCEPTED (unexpected)');
    return false;
  } catch (error) {
    if (!isJwtError(error)) throw error;
    console.log(`refused: ${error.code} (${error.message})`);
    return true;
  }
}

function section(title) {
  console.log(`\n${title}`);
}
