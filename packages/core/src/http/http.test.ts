import { describe, expect, it } from 'vitest';
import { ERROR_CODES, JwtError, type JwtErrorCode } from '../common/errors.js';
import { authErrorResponse, extractToken, grantedPermissions, rawHeaderValues, readCookie, requirePermissionsOf } from './http.js';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl';

function schemeError(run: () => unknown): void {
  expect(run).toThrow(JwtError);
  expect(run).toThrow(expect.objectContaining({ code: 'ERR_AUTH_SCHEME_INVALID' }));
}

describe('extractToken', () => {
  it('reads one Bearer token, the scheme in any case', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect(extractToken({ authorization: `${scheme} ${TOKEN}` })).toBe(TOKEN);
    }
    // RFC 7235: one or more spaces after the scheme; trailing spaces are tolerated.
    expect(extractToken({ authorization: `Bearer   ${TOKEN}` })).toBe(TOKEN);
    expect(extractToken({ authorization: `Bearer ${TOKEN}  ` })).toBe(TOKEN);
    // token68 allows "~", "+", "/" and trailing "=" (the verifier judges them later).
    expect(extractToken({ authorization: 'Bearer a~b+c/d==' })).toBe('a~b+c/d==');
  });

  it('refuses every other Authorization header with ERR_AUTH_SCHEME_INVALID', () => {
    const refused = [
      'Basic dXNlcjpwYXNzd29yZA==',
      'Digest username="a"',
      'Token abc',
      'Bearer',
      'Bearer ',
      'Bearer    ',
      `Bearer ${TOKEN} ${TOKEN}`,
      `Bearer ${TOKEN},${TOKEN}`,
      `Bearer${TOKEN}`,
      ` Bearer ${TOKEN}`,
      `Bearer\t${TOKEN}`,
      `Bearer ${TOKEN}\n`,
      `Bearer "${TOKEN}"`,
      `Bearer =${TOKEN}`,
      `${TOKEN}`,
      'Bearer tok\u00e9n',
    ];
    for (const authorization of refused) schemeError(() => extractToken({ authorization }));
  });

  it('returns undefined when there is no token at all', () => {
    expect(extractToken({})).toBeUndefined();
    expect(extractToken({ authorization: null, cookie: null })).toBeUndefined();
    // A cookie is ignored unless a cookie name is configured.
    expect(extractToken({ cookie: `access_token=${TOKEN}` })).toBeUndefined();
  });

  it('falls back to the configured cookie only without an Authorization header', () => {
    const options = { cookie: 'access_token' };
    expect(extractToken({ cookie: `theme=dark; access_token=${TOKEN}`, method: 'GET' }, options)).toBe(TOKEN);
    expect(extractToken({ authorization: 'Bearer from-header', cookie: `access_token=${TOKEN}` }, options)).toBe('from-header');
    // A bad Authorization header is refused, never silently replaced by the cookie.
    schemeError(() => extractToken({ authorization: 'Basic dXNlcjpwYXNz', cookie: `access_token=${TOKEN}` }, options));
    expect(extractToken({ cookie: 'access_token=' }, options)).toBeUndefined();
    expect(extractToken({ cookie: 'other=1' }, options)).toBeUndefined();
    expect(extractToken({ cookie: `xaccess_token=${TOKEN}; access_tokenx=${TOKEN}` }, options)).toBeUndefined();
  });
});

describe('rawHeaderValues', () => {
  const raw = ['Host', 'example.test', 'AUTHORIZATION', `Bearer ${TOKEN}`, 'Accept', '*/*'];

  it('finds a header sent once, whatever the case of its name', () => {
    expect(rawHeaderValues(raw, 'authorization')).toBe(`Bearer ${TOKEN}`);
    expect(rawHeaderValues(raw, 'Authorization')).toBe(`Bearer ${TOKEN}`);
    expect(rawHeaderValues(raw, 'host')).toBe('example.test');
  });

  it('returns every value of a repeated header, so extractToken refuses the pair', () => {
    const repeated = [...raw, 'authorization', 'Basic dXNlcjpwYXNz'];
    expect(rawHeaderValues(repeated, 'authorization')).toEqual([`Bearer ${TOKEN}`, 'Basic dXNlcjpwYXNz']);
    expect(() => extractToken({ authorization: rawHeaderValues(repeated, 'authorization') })).toThrow(expect.objectContaining({ code: 'ERR_AUTH_SCHEME_INVALID' }));
    expect(extractToken({ authorization: rawHeaderValues(raw, 'authorization') })).toBe(TOKEN);
  });

  it('absent, empty and malformed lists: undefined or the empty value, never a throw', () => {
    expect(rawHeaderValues(raw, 'cookie')).toBeUndefined();
    expect(rawHeaderValues([], 'authorization')).toBeUndefined();
    // A name without its value (an odd-length list) is not a header.
    expect(rawHeaderValues(['Authorization'], 'authorization')).toBeUndefined();
    expect(rawHeaderValues(['Authorization', ''], 'authorization')).toBe('');
    expect(rawHeaderValues([1, 2, 'Authorization-X', 'v'] as unknown as string[], 'authorization')).toBeUndefined();
  });
});

describe('readCookie', () => {
  it('finds a cookie among others, unquotes and percent-decodes it, first occurrence winning', () => {
    expect(readCookie('a=1; b=2;c=3', 'b')).toBe('2');
    expect(readCookie(' a = 1 ', 'a')).toBe('1');
    expect(readCookie('a="quoted value"', 'a')).toBe('quoted value');
    expect(readCookie('a=x%2By%3D', 'a')).toBe('x+y=');
    expect(readCookie('a=first; a=second', 'a')).toBe('first');
    expect(readCookie('a=b=c', 'a')).toBe('b=c');
  });

  it('never throws on malformed headers: bad pairs are skipped, bad escapes kept as sent', () => {
    expect(readCookie('a=%E0%A4%A', 'a')).toBe('%E0%A4%A');
    expect(readCookie(';;;=;;', 'a')).toBeUndefined();
    expect(readCookie('novalue; a=1', 'a')).toBe('1');
    expect(readCookie('=1; a', 'a')).toBeUndefined();
    expect(readCookie('a="', 'a')).toBe('"');
    expect(readCookie('', 'a')).toBeUndefined();
    expect(readCookie('\u0000\uffff=\u0000', 'a')).toBeUndefined();
  });

  it('ignores a Cookie header over 16 KiB', () => {
    expect(readCookie(`a=1; pad=${'x'.repeat(16 * 1024)}`, 'a')).toBeUndefined();
    expect(readCookie(`a=1; pad=${'x'.repeat(1024)}`, 'a')).toBe('1');
  });
});

describe('authErrorResponse', () => {
  it('a missing token: 401 missing_token with a bare challenge', () => {
    expect(authErrorResponse(new JwtError('ERR_JWT_MISSING'), { realm: 'jwt-example' })).toEqual({
      status: 401,
      code: 'ERR_JWT_MISSING',
      wwwAuthenticate: 'Bearer realm="jwt-example"',
      body: { error: 'missing_token' },
    });
    expect(authErrorResponse(new JwtError('ERR_JWT_MISSING')).wwwAuthenticate).toBe('Bearer realm="api"');
  });

  it('a missing permission: 403 insufficient_scope', () => {
    expect(authErrorResponse(new JwtError('ERR_INSUFFICIENT_SCOPE'), { realm: 'jwt-example' })).toEqual({
      status: 403,
      code: 'ERR_INSUFFICIENT_SCOPE',
      wwwAuthenticate: 'Bearer realm="jwt-example", error="insufficient_scope"',
      body: { error: 'insufficient_scope' },
    });
  });

  it('an expired token: 401 invalid_token with the fixed description, twice over', () => {
    expect(authErrorResponse(new JwtError('ERR_JWT_EXPIRED'), { realm: 'jwt-example' })).toEqual({
      status: 401,
      code: 'ERR_JWT_EXPIRED',
      wwwAuthenticate: 'Bearer realm="jwt-example", error="invalid_token", error_description="token expired"',
      body: { error: 'invalid_token', error_description: 'token expired' },
    });
  });

  it('every other code: 401 invalid_token with that code\'s fixed description', () => {
    for (const code of Object.keys(ERROR_CODES) as JwtErrorCode[]) {
      if (code === 'ERR_JWT_MISSING' || code === 'ERR_INSUFFICIENT_SCOPE') continue;
      const r = authErrorResponse(new JwtError(code, { detail: `detail with a secret ${TOKEN}` }));
      const description = ERROR_CODES[code];
      expect(r.status).toBe(401);
      expect(r.code).toBe(code);
      expect(r.body).toEqual({ error: 'invalid_token', error_description: description });
      expect(r.wwwAuthenticate).toBe(`Bearer realm="api", error="invalid_token", error_description="${description}"`);
      // The description is the code's, never the error's own message.
      expect(JSON.stringify(r)).not.toContain(TOKEN);
      expect(description).not.toMatch(/["\\]/);
    }
  });

  it('anything that is not a JwtError is an invalid token, never a 500', () => {
    for (const error of [new TypeError(`boom ${TOKEN}`), 'a string', undefined, null, 42, { code: 'ERR_JWT_EXPIRED' }]) {
      const r = authErrorResponse(error);
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: 'invalid_token', error_description: 'token malformed' });
      expect(JSON.stringify(r)).not.toContain(TOKEN);
    }
  });

  it('strips quotes and backslashes from the realm', () => {
    expect(authErrorResponse(new JwtError('ERR_JWT_MISSING'), { realm: 'a"b\\c' }).wwwAuthenticate).toBe('Bearer realm="abc"');
  });
});

describe('requirePermissionsOf', () => {
  const claims = { permissions: ['view', 'comment'], scope: 'read  write', roles: 'admin' };
  const refused = (run: () => void) => expect(run).toThrow(expect.objectContaining({ code: 'ERR_INSUFFICIENT_SCOPE' }));

  it('needs every listed permission by default, one of them with mode "any"', () => {
    expect(() => requirePermissionsOf(claims, ['view'])).not.toThrow();
    expect(() => requirePermissionsOf(claims, ['view', 'comment'])).not.toThrow();
    refused(() => requirePermissionsOf(claims, ['admin']));
    refused(() => requirePermissionsOf(claims, ['view', 'admin']));
    expect(() => requirePermissionsOf(claims, ['view', 'admin'], { mode: 'any' })).not.toThrow();
    refused(() => requirePermissionsOf(claims, ['admin', 'delete'], { mode: 'any' }));
    refused(() => requirePermissionsOf(claims, ['View']));
  });

  it('reads a space-separated scope string from another claim', () => {
    expect(() => requirePermissionsOf(claims, ['read', 'write'], { claim: 'scope' })).not.toThrow();
    refused(() => requirePermissionsOf(claims, ['read write'], { claim: 'scope' }));
    refused(() => requirePermissionsOf(claims, ['view'], { claim: 'scope' }));
    expect(() => requirePermissionsOf(claims, ['admin'], { claim: 'roles' })).not.toThrow();
  });

  it('grants nothing from a missing, malformed or inherited claim', () => {
    refused(() => requirePermissionsOf({}, ['view']));
    refused(() => requirePermissionsOf({ permissions: { view: true } }, ['view']));
    refused(() => requirePermissionsOf({ permissions: [['view']] }, ['view']));
    refused(() => requirePermissionsOf({ permissions: [] }, ['view']));
    refused(() => requirePermissionsOf({}, ['toString'], { claim: 'constructor' }));
    expect(grantedPermissions({ permissions: ['view', 1, null, 'edit'] })).toEqual(['view', 'edit']);
    expect(grantedPermissions({ scope: ' a  b ' }, 'scope')).toEqual(['a', 'b']);
    expect(grantedPermissions({}, '__proto__')).toEqual([]);
  });

  it('refuses an empty or malformed requirement as a configuration error', () => {
    for (const required of [[], [''], 'admin', [1], undefined]) {
      expect(() => requirePermissionsOf(claims, required as never)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    }
  });
});

describe('extractToken: repeated and empty headers', () => {
  it('reads a header given as a one-value list', () => {
    expect(extractToken({ authorization: [`Bearer ${TOKEN}`] })).toBe(TOKEN);
  });

  it('refuses an Authorization header sent more than once, whatever comes first', () => {
    schemeError(() => extractToken({ authorization: [`Bearer ${TOKEN}`, 'Basic dXNlcjpwYXNz'] }));
    schemeError(() => extractToken({ authorization: [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`] }));
  });

  it('refuses a present but empty Authorization header instead of falling back to the cookie', () => {
    schemeError(() => extractToken({ authorization: '', cookie: `access_token=${TOKEN}` }, { cookie: 'access_token' }));
  });

  it('falls back to the cookie only when the header is absent (undefined or null)', () => {
    expect(extractToken({ authorization: undefined, cookie: `access_token=${TOKEN}`, method: 'GET' }, { cookie: 'access_token' })).toBe(TOKEN);
    expect(extractToken({ authorization: null, cookie: `access_token=${TOKEN}`, method: 'GET' }, { cookie: 'access_token' })).toBe(TOKEN);
  });
});

describe('extractToken: cookies on cross-site requests', () => {
  const cookie = `access_token=${TOKEN}`;
  const crossSite = (run: () => unknown) => expect(run).toThrow(expect.objectContaining({ code: 'ERR_CROSS_SITE_REQUEST' }));

  it('refuses a cookie token on a state-changing cross-site or same-site request', () => {
    for (const site of ['cross-site', 'same-site', 'Cross-Site']) {
      for (const method of ['POST', 'put', 'DELETE', 'PATCH']) {
        crossSite(() => extractToken({ cookie, method, secFetchSite: site }, { cookie: 'access_token' }));
      }
    }
  });

  it('accepts a cookie token on safe methods from anywhere, and on others when Sec-Fetch-Site says same-origin or none', () => {
    expect(extractToken({ cookie, method: 'GET', secFetchSite: 'cross-site' }, { cookie: 'access_token' })).toBe(TOKEN);
    expect(extractToken({ cookie, method: 'HEAD', secFetchSite: 'same-site' }, { cookie: 'access_token' })).toBe(TOKEN);
    expect(extractToken({ cookie, method: 'options', origin: 'https://evil.example', host: 'api.example' }, { cookie: 'access_token' })).toBe(TOKEN);
    expect(extractToken({ cookie, method: 'POST', secFetchSite: 'same-origin' }, { cookie: 'access_token' })).toBe(TOKEN);
    expect(extractToken({ cookie, method: 'POST', secFetchSite: 'none' }, { cookie: 'access_token' })).toBe(TOKEN);
    // Sec-Fetch-Site decides when present, whatever the Origin says.
    expect(extractToken({ cookie, method: 'POST', secFetchSite: 'Same-Origin', origin: 'https://evil.example', host: 'api.example' }, { cookie: 'access_token' })).toBe(TOKEN);
    crossSite(() => extractToken({ cookie, method: 'POST', secFetchSite: 'cross-site', origin: 'https://api.example', host: 'api.example' }, { cookie: 'access_token' }));
    crossSite(() => extractToken({ cookie, method: 'POST', secFetchSite: 'unknown-value' }, { cookie: 'access_token' }));
  });

  it('without Sec-Fetch-Site, accepts a cookie token on a POST only when the Origin names the request\'s Host', () => {
    const post = (origin: string | null | undefined, host: string | null | undefined) =>
      () => extractToken({ cookie, method: 'POST', secFetchSite: undefined, origin, host }, { cookie: 'access_token' });
    expect(post('http://127.0.0.1:3000', '127.0.0.1:3000')()).toBe(TOKEN);
    expect(post('https://api.example', 'api.example')()).toBe(TOKEN);
    expect(post('https://api.example', 'API.example:443')()).toBe(TOKEN);
    expect(post('http://api.example', 'api.example:80')()).toBe(TOKEN);
    expect(post('http://[::1]:8080', '[::1]:8080')()).toBe(TOKEN);
    expect(extractToken({ cookie, method: 'POST', secFetchSite: '', origin: 'https://api.example', host: 'api.example' }, { cookie: 'access_token' })).toBe(TOKEN);
    // The twins: another host, another port, another scheme's default port, no Origin, `null`,
    // malformed values, a Host that smuggles another host, no Host.
    for (const [origin, host] of [
      ['https://evil.example', 'api.example'],
      ['https://api.example.evil.example', 'api.example'],
      ['http://127.0.0.1:3001', '127.0.0.1:3000'],
      ['https://api.example', 'api.example:80'],
      ['http://api.example', 'api.example:443'],
      [undefined, 'api.example'],
      [null, 'api.example'],
      ['', 'api.example'],
      ['null', 'api.example'],
      ['api.example', 'api.example'],
      ['https://api.example/', 'api.example'],
      ['https://api.example/path', 'api.example'],
      ['https://user@api.example', 'api.example'],
      ['ftp://api.example', 'api.example'],
      ['https://api.example, https://evil.example', 'api.example'],
      ['https://api.example', 'evil.example@api.example'],
      ['https://api.example', 'api.example/x'],
      ['https://api.example', 'api%2Eexample'],
      ['https://api.example', ''],
      ['https://api.example', undefined],
    ] as const) {
      crossSite(post(origin, host));
    }
  });
  it('treats a source without a method as state-changing: an adapter that forgets it fails closed', () => {
    crossSite(() => extractToken({ cookie }, { cookie: 'access_token' }));
    crossSite(() => extractToken({ cookie, method: '' }, { cookie: 'access_token' }));
    expect(extractToken({ cookie, secFetchSite: 'same-origin' }, { cookie: 'access_token' })).toBe(TOKEN);
    expect(extractToken({ cookie, method: 'get' }, { cookie: 'access_token' })).toBe(TOKEN);
  });

  it('never applies to the Authorization header, which a cross-site page cannot set', () => {
    expect(extractToken({ authorization: `Bearer ${TOKEN}`, method: 'POST', secFetchSite: 'cross-site' })).toBe(TOKEN);
  });

  it('answers a cross-site refusal as 401 invalid_token with a fixed description', () => {
    const r = authErrorResponse(new JwtError('ERR_CROSS_SITE_REQUEST'), { realm: 'x' });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'invalid_token', error_description: 'cross-site request refused' });
  });
});
