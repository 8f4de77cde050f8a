/**
 * Standard Schema validation with zod, on both backends: a valid claims set becomes the schema's
 * typed output; anything the schema rejects is ERR_JWT_SCHEMA_INVALID, and says nothing of the
 * claims it rejected.
 */
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createVerifier, secretKey, sign, verify, type JwtKey, type StandardSchemaV1 } from '../src/index.js';
import { BACKENDS, expectJwtError, onBackend, SECRET, tokenParts } from './helpers.js';

const Claims = z.object({
  sub: z.string().min(1),
  permissions: z.array(z.enum(['read', 'write', 'admin'])),
  tenant: z.string().optional(),
});

describe.each(BACKENDS)('schema on the %s backend', (backend) => {
  onBackend(backend);

  let key: JwtKey;
  beforeAll(() => {
    key = secretKey(SECRET);
  });

  it('valid claims become the typed schema output', async () => {
    const token = await sign({ sub: 'alice', permissions: ['read', 'write'] }, key, { expiresIn: 60 });
    const { payload } = await verify(token, key, { issuer: false, audience: false, schema: Claims });
    expectTypeOf(payload.permissions).toEqualTypeOf<('read' | 'write' | 'admin')[]>();
    expectTypeOf(payload.sub).toEqualTypeOf<string>();
    // zod strips unknown members: exp and iat are gone from the output, although they were checked.
    expect(payload).toEqual({ sub: 'alice', permissions: ['read', 'write'] });
  });

  it('claims the schema rejects fail with ERR_JWT_SCHEMA_INVALID, without echoing them', async () => {
    const cases = [
      { sub: 'alice', permissions: ['root-secret-permission-value'] },
      { sub: '', permissions: [] },
      { permissions: ['read'] },
      { sub: 'alice', permissions: 'read' },
      { sub: 'alice', permissions: ['read', 7] },
      { sub: 'alice' },
    ];
    for (const claims of cases) {
      const token = await sign(claims, key, { expiresIn: 60 });
      const error = await expectJwtError(verify(token, key, { issuer: false, audience: false, schema: Claims }), 'ERR_JWT_SCHEMA_INVALID', [...tokenParts(token), 'root-secret-permission-value']);
      expect(error.message).toBe('claims rejected by schema');
    }
  });

  it('runs after the signature and claim checks, never instead of them', async () => {
    const expired = await sign({ sub: 'alice', permissions: [] }, key, { expiresIn: 60, clock: () => Date.now() - 3_600_000 });
    await expectJwtError(verify(expired, key, { issuer: false, audience: false, schema: Claims }), 'ERR_JWT_EXPIRED');
    const forged = await sign({ sub: 'alice', permissions: ['admin'] }, secretKey(SECRET.toUpperCase()), { expiresIn: 60 });
    await expectJwtError(verify(forged, key, { issuer: false, audience: false, schema: Claims }), 'ERR_JWS_SIGNATURE_INVALID');
  });

  it('transforms apply, and async schemas work with verify but not verifySync', async () => {
    const Upper = z.object({ sub: z.string() }).transform((c) => ({ user: c.sub.toUpperCase() }));
    const token = await sign({ sub: 'alice' }, key, { expiresIn: 60 });
    const { payload } = await verify(token, key, { issuer: false, audience: false, schema: Upper });
    expect(payload.user).toBe('ALICE');
    expectTypeOf(payload.user).toEqualTypeOf<string>();

    const AsyncCheck = z.object({ sub: z.string().refine(async (s) => s === 'alice') });
    expect((await verify(token, key, { issuer: false, audience: false, schema: AsyncCheck })).payload.sub).toBe('alice');
    const bob = await sign({ sub: 'bob' }, key, { expiresIn: 60 });
    await expectJwtError(verify(bob, key, { issuer: false, audience: false, schema: AsyncCheck }), 'ERR_JWT_SCHEMA_INVALID');
    if (backend === 'node') {
      await expectJwtError(() => createVerifier({ issuer: false, audience: false, key, schema: AsyncCheck }).verifySync(token), 'ERR_CONFIG_INVALID');
      expect(createVerifier({ issuer: false, audience: false, key, schema: Claims.partial() }).verifySync(token).payload.sub).toBe('alice');
    }
  });

  it('a schema that throws is a schema failure, not a crash', async () => {
    const throwing: StandardSchemaV1<unknown, { sub: string }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => {
          throw new TypeError('boom');
        },
      },
    };
    const token = await sign({ sub: 'alice' }, key, { expiresIn: 60 });
    await expectJwtError(verify(token, key, { issuer: false, audience: false, schema: throwing }), 'ERR_JWT_SCHEMA_INVALID');
    const rejecting: StandardSchemaV1<unknown, { sub: string }> = {
      '~standard': { version: 1, vendor: 'test', validate: () => Promise.reject(new Error('down')) },
    };
    await expectJwtError(verify(token, key, { issuer: false, audience: false, schema: rejecting }), 'ERR_JWT_SCHEMA_INVALID');
  });
});
