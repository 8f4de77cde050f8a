// Koa 3 with @koa/router: GET /me answers the verified claims.
//   none      no authentication, answers the token's claims as a constant
//   ours      @jwt/koa jwt(), claims on ctx.state.user
//   ours-cache  the same with cache: true
//   peer      koa-jwt with the secret string (HS256) or the PEM (ES256), as its docs show it
//   peer-key  koa-jwt with a node:crypto KeyObject, its fastest form
//   floor     a hand-written middleware doing the least any verifier must (see common.mjs)
import Router from '@koa/router';
import Koa from 'koa';
import koaJwt from 'koa-jwt';
import { importKey, secretKey } from '@jwt/core';
import { jwt } from '@jwt/koa';
import { floorVerifier, keyObject, keyText, readSetup, ready } from './common.mjs';

const { config, variant } = readSetup();
const { alg, issuer, audience } = config;
const router = new Router();

if (variant === 'none') {
  const claims = config.claims;
  router.get('/me', (ctx) => {
    ctx.body = claims;
  });
} else if (variant === 'floor') {
  const verify = floorVerifier(config);
  const auth = async (ctx, next) => {
    const claims = verify(ctx.get('Authorization'));
    if (claims === undefined) {
      ctx.status = 401;
      ctx.body = { error: 'invalid_token' };
      return;
    }
    ctx.state.user = claims;
    await next();
  };
  router.get('/me', auth, (ctx) => {
    ctx.body = ctx.state.user;
  });
} else {
  const auth = variant === 'ours' || variant === 'ours-cache'
    ? jwt({ key: alg === 'HS256' ? secretKey(config.secret) : await importKey(config.publicKeyPem, { alg }), algorithms: [alg], issuer, audience, cache: variant === 'ours-cache' })
    : koaJwt({ secret: variant === 'peer' ? keyText(config) : keyObject(config), algorithms: [alg], issuer, audience });
  router.get('/me', auth, (ctx) => {
    ctx.body = ctx.state.user;
  });
}

const app = new Koa();
app.use(router.routes());
const server = app.listen(0, '127.0.0.1', () => {
  ready(server.address().port, () => new Promise((resolve) => server.close(() => resolve())));
});
