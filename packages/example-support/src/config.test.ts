import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig, type ExampleConfig, type SigningConfig } from './config.js';

/** The secret variant of the signing configuration; any other fails the test. */
function secretSigning(config: ExampleConfig): Extract<SigningConfig, { kind: 'secret' }> {
  if (config.signing.kind !== 'secret') throw new Error(`expected a secret, got ${config.signing.kind}`);
  return config.signing;
}

const SECRET = 'config-test-secret-0123456789-abcdef';

function fails(env: Record<string, string>, pattern: RegExp): ConfigError {
  let caught: unknown;
  try {
    loadConfig(env, { defaultPort: 3000 });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  expect((caught as ConfigError).message).toMatch(pattern);
  return caught as ConfigError;
}

describe('loadConfig', () => {
  it('applies the contract defaults, with the app its own port', () => {
    const config = loadConfig({ JWT_SECRET: SECRET }, { defaultPort: 3001 });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3001, issuer: 'jwt-example', audience: 'jwt-example-api', ttl: 900, clockTolerance: 5 });
    expect(DEFAULTS).toMatchObject({ host: '127.0.0.1', issuer: 'jwt-example', audience: 'jwt-example-api', ttl: 900, clockTolerance: 5 });
    expect(config.revocation).toEqual({ kind: 'memory' });
    expect(config.warnings).toEqual([]);
  });

  it('reads every variable', () => {
    const config = loadConfig(
      { HOST: '0.0.0.0', PORT: '0', JWT_SECRET: SECRET, JWT_ISSUER: 'iss', JWT_AUDIENCE: 'aud', JWT_TTL: '60', JWT_CLOCK_TOLERANCE: '0' },
      { defaultPort: 3000 },
    );
    expect(config).toMatchObject({ host: '0.0.0.0', port: 0, issuer: 'iss', audience: 'aud', ttl: 60, clockTolerance: 0 });
    expect(config.signing).toEqual({ kind: 'secret', secret: new TextEncoder().encode(SECRET), generated: false });
  });

  it('uses JWT_SECRET as UTF-8 bytes: 32 bytes is enough even in fewer characters', () => {
    const secret = 'é'.repeat(16); // 16 characters, 32 bytes
    expect(secretSigning(loadConfig({ JWT_SECRET: secret }, { defaultPort: 3000 })).secret.length).toBe(32);
  });

  it('refuses a JWT_SECRET under 32 bytes, naming the variable and not the value', () => {
    const error = fails({ JWT_SECRET: 'short-secret-value' }, /JWT_SECRET.*at least 32 bytes.*has 18/);
    expect(error.message).not.toContain('short-secret-value');
    fails({ JWT_SECRET: '' }, /JWT_SECRET/);
    fails({ JWT_SECRET: 'x'.repeat(31) }, /has 31/);
  });

  it('makes a random secret with a warning when JWT_SECRET is unset', () => {
    const a = loadConfig({}, { defaultPort: 3000 });
    const b = loadConfig({}, { defaultPort: 3000 });
    expect(secretSigning(a).generated).toBe(true);
    expect(secretSigning(a).secret.length).toBeGreaterThanOrEqual(32);
    expect(secretSigning(a).secret).not.toEqual(secretSigning(b).secret);
    expect(a.warnings).toHaveLength(1);
    expect(a.warnings[0]).toMatch(/JWT_SECRET.*random.*restart/);
  });

  it.each([
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['PORT', '80a'],
    ['PORT', '1.5'],
    ['JWT_TTL', '0'],
    ['JWT_TTL', 'abc'],
    ['JWT_TTL', '999999999'],
    ['JWT_CLOCK_TOLERANCE', '601'],
    ['JWT_CLOCK_TOLERANCE', '-5'],
    ['HOST', ''],
    ['JWT_ISSUER', '  '],
    ['JWT_AUDIENCE', ''],
  ])('refuses %s=%j', (name, value) => {
    fails({ JWT_SECRET: SECRET, [name]: value }, new RegExp(name));
  });

  it('accepts the bounds of each number', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, PORT: '65535', JWT_TTL: '1', JWT_CLOCK_TOLERANCE: '600' }, { defaultPort: 3000 })).toMatchObject({ port: 65535, ttl: 1, clockTolerance: 600 });
  });
});

describe('loadConfig: JWT_REFRESH_TTL', () => {
  it('defaults to 14 days and reads the variable', () => {
    expect(loadConfig({ JWT_SECRET: SECRET }, { defaultPort: 3000 }).refreshTtl).toBe(1_209_600);
    expect(DEFAULTS.refreshTtl).toBe(1_209_600);
    expect(loadConfig({ JWT_SECRET: SECRET, JWT_REFRESH_TTL: ' 3600 ' }, { defaultPort: 3000 }).refreshTtl).toBe(3600);
    expect(loadConfig({ JWT_SECRET: SECRET, JWT_REFRESH_TTL: '1' }, { defaultPort: 3000 }).refreshTtl).toBe(1);
    expect(loadConfig({ JWT_SECRET: SECRET, JWT_REFRESH_TTL: '31536000' }, { defaultPort: 3000 }).refreshTtl).toBe(31_536_000);
  });

  it.each(['0', '-1', 'abc', '1.5', '', '31536001'])('refuses JWT_REFRESH_TTL=%j, naming the variable', (value) => {
    fails({ JWT_SECRET: SECRET, JWT_REFRESH_TTL: value }, /JWT_REFRESH_TTL/);
  });
});
