/**
 * The attack cases of packages/core/test/attacks.test.ts, rewritten with Web APIs: every known way
 * to abuse a token or a key fails with one exact JwtError code, and no error prints the token or
 * key material.
 */
import { createVerifier, decodeUnverified, exportJwk, generateKeyPair, importKey, keySet, publicKeyOf, secretKey, sign, verify, type JwtKey, type VerifyOptions } from '@jwt/core';
import { equal, ok, rejects } from '../assert.js';
import { pem } from '../fixtures.js';
import type { Runner } from '../runner.js';
import { b64, bytesOf, craftHs, craftJson, future, hmac, OTHER_SECRET, pemLines, SECRET, spkiPemOf, toDer, tokenParts, unb64, unb64Text } from '../tokens.js';

interface Keys {
  hs: JwtKey;
  rsaPrivate: JwtKey;
  rsaPublic: JwtKey;
  spkiPem: string;
  rsaJwk: Record<string, string>;
  ecSpkiPem: string;
  ecPrivate: JwtKey;
  secrets: string[];
}

async function makeKeys(): Promise<Keys> {
  const rsaPrivate = await importKey(pem('rsa-2048.key.pem'), { alg: 'RS256' });
  const rsaJwk = (await exportJwk(publicKeyOf(rsaPrivate))) as Record<string, string>;
  const bare = { kty: 'RSA', n: rsaJwk.n!, e: rsaJwk.e! };
  const spkiPem = await spkiPemOf(bare, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' });
  const ecPrivate = await importKey(pem('ec-p256.key.pem'));
  const ecJwk = await exportJwk(publicKeyOf(ecPrivate));
  const ecSpkiPem = await spkiPemOf({ kty: 'EC', crv: 'P-256', x: ecJwk.x!, y: ecJwk.y! }, { name: 'ECDSA', namedCurve: 'P-256' });
  return {
    hs: secretKey(SECRET),
    rsaPrivate,
    rsaPublic: await importKey(spkiPem),
    spkiPem,
    rsaJwk: bare,
    ecSpkiPem,
    ecPrivate,
    secrets: [SECRET, ...pemLines(spkiPem), ...pemLines(pem('rsa-2048.key.pem')), bare.n.slice(0, 40)],
  };
}

export function attackCases(runner: Runner): void {
  let made: Promise<Keys> | undefined;
  const keys = (): Promise<Keys> => (made ??= makeKeys());

  runner.group('attacks', (test) => {
    test('alg none in every spelling, with every signature and every key', async () => {
      const { hs, rsaPublic } = await keys();
      for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
        const input = `${b64(JSON.stringify({ alg, typ: 'JWT' }))}.${b64(JSON.stringify({ sub: 'admin', exp: future() }))}`;
        for (const signature of ['', b64(await hmac(SECRET, input)), b64('0123456789abcdef0123456789abcdef')]) {
          const token = `${input}.${signature}`;
          for (const key of [hs, rsaPublic]) await rejects(verify(token, key, { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED', [...tokenParts(token), SECRET]);
          await rejects(verify(token, keySet([hs, rsaPublic]), { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
          await rejects(verify(token, hs, { issuer: false, audience: false, algorithms: ['HS256'] }), 'ERR_JWS_ALG_NOT_ALLOWED');
          await rejects(verify(token, () => hs, { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
        }
      }
      // Negative twin: the same claims, correctly signed with HS256, verify.
      equal((await verify(await craftJson({ alg: 'HS256', typ: 'JWT' }, { sub: 'admin', exp: future() }), hs, { issuer: false, audience: false })).payload.sub, 'admin', 'sub');
    });

    test('unknown, lower-cased and non-string alg values are refused', async () => {
      const { hs } = await keys();
      const payload = { exp: future() };
      for (const alg of ['hs256', 'HS1', 'RSA-OAEP', '']) await rejects(verify(await craftJson({ alg }, payload), hs, { issuer: false, audience: false }), 'ERR_JWS_ALG_UNSUPPORTED');
      for (const alg of [undefined, null, 256, ['HS256'], { name: 'HS256' }, true]) await rejects(verify(await craftJson({ alg, typ: 'JWT' }, payload), hs, { issuer: false, audience: false }), 'ERR_JWT_MALFORMED');
    });

    test('HMAC with a public key: secretKey() refuses every public-key form', async () => {
      const k = await keys();
      const forms = [k.spkiPem, `\n\n   \t${k.spkiPem}`, k.spkiPem.replace(/\n/g, '\r\n'), pem('rsa-2048.cert.pem'), k.ecSpkiPem, JSON.stringify(k.rsaJwk), JSON.stringify(k.rsaJwk, null, 2), pem('rsa-2048.key.pem')];
      for (const form of forms) {
        await rejects(() => secretKey(form), 'ERR_KEY_INVALID', k.secrets);
        // The bytes of a key file (what readFileSync hands over) are refused too.
        await rejects(() => secretKey(bytesOf(form)), 'ERR_KEY_INVALID', k.secrets);
        await rejects(importKey(bytesOf(form)), 'ERR_KEY_INVALID', k.secrets);
      }
      // Negative twin: random bytes and an ordinary long passphrase are secrets.
      const random = crypto.getRandomValues(new Uint8Array(64));
      equal(secretKey(random).algorithms.join(), 'HS256,HS384,HS512', 'random secret algorithms');
      equal(secretKey(SECRET).kind, 'secret', 'passphrase kind');
    });

    test('HMAC with a public key: a verifier given a public key refuses HS tokens made with it', async () => {
      const k = await keys();
      const forms: [string, unknown, string][] = [
        ['SPKI PEM', k.spkiPem, k.spkiPem],
        ['SPKI PEM with CRLF', k.spkiPem.replace(/\n/g, '\r\n'), k.spkiPem.replace(/\n/g, '\r\n')],
        ['certificate PEM', pem('rsa-2048.cert.pem'), pem('rsa-2048.cert.pem')],
        ['EC SPKI PEM', k.ecSpkiPem, k.ecSpkiPem],
        ['JWK text', JSON.stringify(k.rsaJwk), JSON.stringify(k.rsaJwk)],
        ['JWK object', { ...k.rsaJwk }, JSON.stringify(k.rsaJwk)],
      ];
      for (const [name, key, hmacWith] of forms) {
        const token = await craftJson({ alg: 'HS256', typ: 'JWT' }, { sub: 'admin', exp: future() }, hmacWith);
        const verifier = createVerifier({ issuer: false, audience: false, key: key as string });
        await rejects(verifier.verify(token), 'ERR_JWS_ALG_NOT_ALLOWED', [...tokenParts(token), ...k.secrets]);
        // Listing HS256 does not make a public key an HMAC secret.
        await rejects(createVerifier({ issuer: false, audience: false, key: key as string, algorithms: ['HS256', 'RS256', 'ES256'] }).verify(token), 'ERR_JWS_ALG_NOT_ALLOWED');
        for (const [alg, hash] of [['HS384', 'SHA-384'], ['HS512', 'SHA-512']] as const) {
          await rejects(verifier.verify(await craftHs(JSON.stringify({ alg }), JSON.stringify({ exp: future() }), hmacWith, hash)), 'ERR_JWS_ALG_NOT_ALLOWED');
        }
        // Negative twin: the same verifier accepts a genuine token from the matching private key.
        const signer = name.startsWith('EC') ? k.ecPrivate : k.rsaPrivate;
        equal((await verifier.verify(await sign({ sub: 'ok' }, signer, { expiresIn: 60 }))).payload.sub, 'ok', `${name}: genuine token`);
      }
      // A key set holding public keys refuses an HS token whose HMAC key is one of their JWKs.
      const { publicKey } = await generateKeyPair('ES256');
      const confused = await craftJson({ alg: 'HS256', kid: publicKey.kid }, { exp: future() }, JSON.stringify(await exportJwk(publicKey)));
      await rejects(verify(confused, keySet([publicKey, k.rsaPublic]), { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
    });

    test('kid selection: unknown kid, empty kid, kid of another key type, non-string kid', async () => {
      const { hs, spkiPem } = await keys();
      const set = keySet([secretKey(SECRET, { kid: 'a' }), await importKey(spkiPem, { kid: 'b' })]);
      await rejects(verify(await craftJson({ alg: 'HS256', kid: 'zzz' }, { exp: future() }), set, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
      await rejects(verify(await craftJson({ alg: 'HS256', kid: '' }, { exp: future() }), set, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
      equal((await verify(await craftJson({ alg: 'HS256', kid: 'a' }, { sub: 'x', exp: future() }), set, { issuer: false, audience: false })).payload.sub, 'x', 'kid a');
      await rejects(verify(await craftJson({ alg: 'HS256', kid: 'b' }, { exp: future() }), set, { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
      await rejects(verify(await craftJson({ alg: 'HS256', kid: 'a' }, { exp: future() }, OTHER_SECRET), set, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
      for (const kid of [1, null, ['a'], { a: 1 }, true]) await rejects(verify(await craftJson({ alg: 'HS256', kid }, { exp: future() }), keySet([hs]), { issuer: false, audience: false }), 'ERR_JWT_MALFORMED');
      await rejects(verify(await craftJson({ alg: 'HS256' }, { exp: future() }), () => [], { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    });

    test('crit: undeclared refused, declared accepted, malformed refused; b64 refused in any form', async () => {
      const { hs } = await keys();
      const token = await craftJson({ alg: 'HS256', crit: ['urn:example:policy'], 'urn:example:policy': 'strict' }, { exp: future() });
      await rejects(verify(token, hs, { issuer: false, audience: false }), 'ERR_JWS_CRIT_UNSUPPORTED');
      equal((await verify(token, hs, { issuer: false, audience: false, crit: ['urn:example:policy'] })).header['urn:example:policy'], 'strict', 'declared crit');
      await rejects(verify(await craftJson({ alg: 'HS256', crit: ['urn:example:policy'] }, { exp: future() }), hs, { issuer: false, audience: false, crit: ['urn:example:policy'] }), 'ERR_JWS_CRIT_UNSUPPORTED');
      for (const crit of [[], 'exp', [1], [''], {}, null]) await rejects(verify(await craftJson({ alg: 'HS256', crit }, { exp: future() }), hs, { issuer: false, audience: false, crit: ['exp'] }), 'ERR_JWT_MALFORMED');
      for (const header of [{ alg: 'HS256', b64: false, crit: ['b64'] }, { alg: 'HS256', b64: false }, { alg: 'HS256', b64: true, crit: ['b64'] }]) {
        const t = await craftJson(header, { exp: future() });
        await rejects(verify(t, hs, { issuer: false, audience: false }), 'ERR_JWS_CRIT_UNSUPPORTED');
        await rejects(verify(t, hs, { issuer: false, audience: false, crit: ['b64'] }), 'ERR_JWS_CRIT_UNSUPPORTED');
      }
    });

    for (const alg of ['HS256', 'RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const) {
      const pair = async (): Promise<{ signing: JwtKey; verifying: JwtKey; token: string }> => {
        const k = await keys();
        let signing: JwtKey;
        let verifying: JwtKey;
        if (alg === 'HS256') {
          signing = verifying = k.hs;
        } else if (alg === 'RS256' || alg === 'PS256') {
          signing = await importKey(pem('rsa-2048.key.pem'), { alg });
          verifying = await importKey(k.spkiPem, { alg });
        } else {
          const generated = await generateKeyPair(alg);
          signing = generated.privateKey;
          verifying = generated.publicKey;
        }
        return { signing, verifying, token: await sign({ sub: 'alice', role: 'user' }, signing, { expiresIn: 600 }) };
      };

      test(`tampering with ${alg}: header, payload and signature bits, truncation, extension, swaps`, async () => {
        const { signing, verifying, token } = await pair();
        equal((await verify(token, verifying, { issuer: false, audience: false })).payload.role, 'user', 'untouched token');
        const [h, p, s] = token.split('.') as [string, string, string];
        const header = JSON.parse(unb64Text(h)) as Record<string, unknown>;
        const payload = JSON.parse(unb64Text(p)) as Record<string, unknown>;
        const withSig = (sig: Uint8Array): string => `${h}.${p}.${b64(sig)}`;
        const sig = unb64(s);
        const cases = [
          `${b64(JSON.stringify({ ...header, typ: 'at+jwt' }))}.${p}.${s}`,
          `${b64(JSON.stringify({ ...header, kid: 'other' }))}.${p}.${s}`,
          `${h}.${b64(JSON.stringify({ ...payload, role: 'admin' }))}.${s}`,
          `${h}.${b64(JSON.stringify({ ...payload, exp: (payload.exp as number) + 3600 }))}.${s}`,
          withSig(sig.subarray(0, sig.length - 1)),
          withSig(sig.subarray(1)),
          withSig(sig.subarray(0, sig.length >> 1)),
          withSig(Uint8Array.from([...sig, 0])),
          withSig(Uint8Array.from([...sig, ...sig])),
          withSig(new Uint8Array(0)),
        ];
        for (const i of [0, 1, sig.length >> 1, sig.length - 1]) {
          const flipped = sig.slice();
          flipped[i] = flipped[i]! ^ 0x80;
          cases.push(withSig(flipped));
        }
        for (const t of cases) await rejects(verify(t, verifying, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID', tokenParts(t));
        // Another genuine token's signature covers neither this header and payload nor the reverse.
        const other = (await sign({ sub: 'bob', role: 'admin' }, signing, { expiresIn: 600 })).split('.') as [string, string, string];
        await rejects(verify(`${h}.${p}.${other[2]}`, verifying, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
        await rejects(verify(`${other[0]}.${other[1]}.${s}`, verifying, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
        if (alg.startsWith('ES')) {
          await rejects(verify(withSig(new Uint8Array(sig.length)), verifying, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
          await rejects(verify(withSig(new Uint8Array(sig.length).fill(0xff)), verifying, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
          // JWS ECDSA signatures are raw r || s: the same signature DER-encoded is refused.
          await rejects(verify(withSig(toDer(sig)), verifying, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
        }
      });
    }

    test('malformed shapes: segment counts, empty segments, characters outside base64url', async () => {
      const { hs } = await keys();
      const [h, p, s] = (await craftJson({ alg: 'HS256', typ: 'JWT' }, { sub: 'alice', exp: future() })).split('.') as [string, string, string];
      const shapes = ['', '.', '..', '...', 'abc', h, `${h}.${p}`, `${h}.${p}.${s}.`, `${h}.${p}.${s}.${s}`, `.${p}.${s}`, `..${s}`, `.${p}.`, `${h}.${p}.${s}\n`, ` ${h}.${p}.${s}`];
      const swap = (seg: string, ch: string): string => `${seg.slice(0, 4)}${ch}${seg.slice(5)}`;
      for (const ch of ['+', '/', '*', ' ', '%', 'é', '\u0000', '\n']) shapes.push(`${swap(h, ch)}.${p}.${s}`, `${h}.${swap(p, ch)}.${s}`, `${h}.${p}.${swap(s, ch)}`);
      for (const t of shapes) await rejects(verify(t, hs, { issuer: false, audience: false }), 'ERR_JWT_MALFORMED', tokenParts(t));
      await rejects(verify(await craftHs('{"alg":"HS256"}', ''), hs, { issuer: false, audience: false }), 'ERR_JWT_MALFORMED');
      equal((await verify(`${h}.${p}.${s}`, hs, { issuer: false, audience: false })).payload.sub, 'alice', 'intact token');
    });

    test('malformed shapes: base64 padding and non-canonical trailing bits', async () => {
      const { hs } = await keys();
      const t = await craftHs('{"alg":"HS256","x":12}', `{"exp":${future()},"x":"a"}`);
      const parts = t.split('.') as [string, string, string];
      const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      let checked = 0;
      for (let i = 0; i < 3; i++) {
        const seg = parts[i]!;
        if (seg.length % 4 === 0) continue;
        checked++;
        const padded = [...parts];
        padded[i] = seg + '='.repeat((4 - (seg.length % 4)) % 4 || 1);
        await rejects(verify(padded.join('.'), hs, { issuer: false, audience: false }), 'ERR_JWT_MALFORMED');
        // The next letter differs only in bits a lenient decoder drops: same bytes, other text.
        const bumped = [...parts];
        bumped[i] = seg.slice(0, -1) + ALPHA[ALPHA.indexOf(seg.at(-1)!) + 1]!;
        await rejects(verify(bumped.join('.'), hs, { issuer: false, audience: false }), 'ERR_JWT_MALFORMED');
      }
      ok(checked >= 2, 'at least two segments had trailing bits to test');
      equal((await verify(t, hs, { issuer: false, audience: false })).payload.x, 'a', 'canonical token');
    });

    test('malformed shapes: headers and payloads that are not JSON objects, invalid UTF-8', async () => {
      const { hs } = await keys();
      for (const header of ['not json', '', '[]', '["HS256"]', '"HS256"', 'null', '1', 'true', '{"alg":"HS256"', '{"alg":"HS256"}}', "{'alg':'HS256'}"]) {
        await rejects(verify(await craftHs(header, `{"exp":${future()}}`), hs, { issuer: false, audience: false }), 'ERR_JWT_MALFORMED');
      }
      for (const payload of ['not json', '[]', '"a string"', 'null', '42', 'true', '{"exp":1', `{"exp":${future()}} x`]) {
        await rejects(verify(await craftHs('{"alg":"HS256"}', payload), hs, { issuer: false, audience: false, requireExp: false }), 'ERR_JWT_MALFORMED');
      }
      await rejects(verify(`${b64(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]))}.${b64(`{"exp":${future()}}`)}.AAAA`, hs, { issuer: false, audience: false }), 'ERR_JWT_MALFORMED');
      const input = `${b64('{"alg":"HS256"}')}.${b64(Uint8Array.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]))}`;
      await rejects(verify(`${input}.${b64(await hmac(SECRET, input))}`, hs, { issuer: false, audience: false, requireExp: false }), 'ERR_JWT_MALFORMED');
    });

    test('__proto__ members anywhere are refused; constructor is an ordinary name', async () => {
      const { hs } = await keys();
      const exp = future();
      const payloads = [
        `{"exp":${exp},"__proto__":{"admin":true}}`,
        `{"exp":${exp},"\\u005f_proto__":{"admin":true}}`,
        `{"exp":${exp},"user":{"__proto__":{"admin":true}}}`,
        `{"exp":${exp},"list":[{"a":1},{"__proto__":{"admin":true}}]}`,
      ];
      for (const payload of payloads) await rejects(verify(await craftHs('{"alg":"HS256"}', payload), hs, { issuer: false, audience: false }), 'ERR_JWT_MALFORMED');
      await rejects(verify(await craftHs('{"alg":"HS256","__proto__":{"alg":"none"}}', `{"exp":${exp}}`), hs, { issuer: false, audience: false }), 'ERR_JWT_MALFORMED');
      ok(({} as Record<string, unknown>).admin === undefined, 'Object.prototype untouched');
      const fine = await verify(await craftHs('{"alg":"HS256"}', `{"exp":${exp},"constructor":{"prototype":1}}`), hs, { issuer: false, audience: false });
      equal(JSON.stringify(fine.payload.constructor), '{"prototype":1}', 'constructor claim');
    });

    test('1000-deep nesting is refused; moderate nesting is fine', async () => {
      const { hs } = await keys();
      const deep = await craftHs('{"alg":"HS256"}', `{"exp":${future()},"x":${'['.repeat(1000)}${']'.repeat(1000)}}`);
      await rejects(verify(deep, hs, { issuer: false, audience: false, maxTokenLength: 100_000 }), 'ERR_JWT_MALFORMED');
      const deepObject = await craftHs('{"alg":"HS256"}', `{"exp":${future()},"x":${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}}`);
      await rejects(verify(deepObject, hs, { issuer: false, audience: false, maxTokenLength: 100_000 }), 'ERR_JWT_MALFORMED');
      const moderate = await craftHs('{"alg":"HS256"}', `{"exp":${future()},"x":${'{"a":'.repeat(10)}1${'}'.repeat(10)}}`);
      ok((await verify(moderate, hs, { issuer: false, audience: false })).payload.x !== undefined, 'moderate nesting verifies');
    });

    test('claim types: time claims, iss/sub/jti and aud of the wrong type', async () => {
      const { hs } = await keys();
      const check = async (claims: string): Promise<void> => {
        await rejects(verify(await craftHs('{"alg":"HS256"}', claims), hs, { issuer: false, audience: false, requireExp: false }), 'ERR_JWT_CLAIM_INVALID');
      };
      for (const name of ['exp', 'nbf', 'iat']) {
        const base = name === 'exp' ? '' : `"exp":${future()},`;
        for (const value of ['"9999999999"', '1e400', 'null', 'true', '[]', '{}', '""']) await check(`{${base}"${name}":${value}}`);
      }
      for (const name of ['iss', 'sub', 'jti']) for (const value of ['1', 'null', '["a"]']) await check(`{"exp":${future()},"${name}":${value}}`);
      for (const value of ['1', 'null', '{"a":"api"}', '["api",1]', '[["api"]]']) await check(`{"exp":${future()},"aud":${value}}`);
      const t = await craftHs('{"alg":"HS256"}', `{"exp":${future()},"aud":["other","api"]}`);
      equal(JSON.stringify((await verify(t, hs, { issuer: false, audience: 'api' })).payload.aud), '["other","api"]', 'aud list');
    });

    test('sizes: over 8192 characters refused before decoding; custom limits honoured', async () => {
      const { hs } = await keys();
      await rejects(verify('a'.repeat(8193), hs, { issuer: false, audience: false }), 'ERR_JWT_TOO_LARGE');
      await rejects(verify('*'.repeat(5_000_000), hs, { issuer: false, audience: false }), 'ERR_JWT_TOO_LARGE');
      await rejects(verify('a'.repeat(8192), hs, { issuer: false, audience: false }), 'ERR_JWT_MALFORMED');
      const big = await craftHs('{"alg":"HS256"}', JSON.stringify({ exp: future(), pad: 'x'.repeat(7000) }));
      ok(big.length > 8192, 'big token over the limit');
      await rejects(verify(big, hs, { issuer: false, audience: false }), 'ERR_JWT_TOO_LARGE', tokenParts(big));
      equal(((await verify(big, hs, { issuer: false, audience: false, maxTokenLength: 16_384 })).payload.pad as string).length, 7000, 'pad length');
      await rejects(() => decodeUnverified(big), 'ERR_JWT_TOO_LARGE');
      const small = await craftJson({ alg: 'HS256' }, { sub: 'alice', exp: future() });
      await rejects(verify(small, hs, { issuer: false, audience: false, maxTokenLength: small.length - 1 }), 'ERR_JWT_TOO_LARGE');
      for (const maxTokenLength of [15, 0, -1, 100.5, Number.NaN]) await rejects(verify(small, hs, { maxTokenLength } as VerifyOptions), 'ERR_CONFIG_INVALID');
    });

    test('input that is not a string is refused by every entry point', async () => {
      const { hs } = await keys();
      const t = await craftJson({ alg: 'HS256' }, { sub: 'alice', exp: future() });
      for (const input of [undefined, null, 42, {}, [], [t], bytesOf(t), new String(t), () => t, Symbol('t')]) {
        await rejects(verify(input as never, hs, { issuer: false, audience: false }), 'ERR_JWT_MALFORMED');
        await rejects(createVerifier({ issuer: false, audience: false, key: hs, cache: true }).verify(input as never), 'ERR_JWT_MALFORMED');
        await rejects(() => decodeUnverified(input as never), 'ERR_JWT_MALFORMED');
      }
    });
  });
}
