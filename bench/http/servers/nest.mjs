// NestJS 12 on Express: GET /me answers the verified claims.
//   none      no guard, answers the token's claims as a constant
//   ours      @jwt/nest JwtAuthModule + @UseGuards(JwtAuthGuard), claims through @Claims()
//   ours-cache  the same with cache: true
//   peer      @nestjs/passport + passport-jwt, AuthGuard('jwt'), secretOrKey as the secret string
//             (HS256) or the PEM (ES256), as the Nest docs show it
//   peer-key  the same with secretOrKey as a node:crypto KeyObject, its fastest form
//   floor     a hand-written guard doing the least any verifier must (see common.mjs)
//
// Plain JavaScript so that the benchmark needs no build step: the decorators are applied with
// Reflect.decorate, as TypeScript's emitted code does.
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, Req, UnauthorizedException, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { importKey, secretKey } from '@jwt/core';
import { Claims, JwtAuthGuard, JwtAuthModule } from '@jwt/nest';
import { floorVerifier, keyObject, keyText, readSetup, ready } from './common.mjs';

const { config, variant } = readSetup();
const { alg, issuer, audience } = config;

/** Applies method and parameter decorators to `Class.prototype[method]`, then class decorators. */
function decorate(Class, classDecorators, method, methodDecorators) {
  const descriptor = Object.getOwnPropertyDescriptor(Class.prototype, method);
  Object.defineProperty(Class.prototype, method, Reflect.decorate(methodDecorators, Class.prototype, method, descriptor));
  return Reflect.decorate(classDecorators, Class);
}

const param = (index, decorator) => (target, key) => decorator(target, key, index);

let imports = [];
let providers = [];
let MeController;

if (variant === 'none') {
  const claims = config.claims;
  MeController = decorate(class {
    me() {
      return claims;
    }
  }, [Controller()], 'me', [Get('me')]);
} else if (variant === 'ours' || variant === 'ours-cache') {
  const key = alg === 'HS256' ? secretKey(config.secret) : await importKey(config.publicKeyPem, { alg });
  imports = [JwtAuthModule.forRoot({ key, algorithms: [alg], issuer, audience, cache: variant === 'ours-cache' })];
  MeController = decorate(class {
    me(claims) {
      return claims;
    }
  }, [Controller()], 'me', [Get('me'), UseGuards(JwtAuthGuard), param(0, Claims())]);
} else if (variant === 'floor') {
  const verify = floorVerifier(config);
  const FloorGuard = Reflect.decorate([Injectable()], class {
    canActivate(context) {
      const request = context.switchToHttp().getRequest();
      const claims = verify(request.headers.authorization);
      if (claims === undefined) throw new UnauthorizedException();
      request.user = claims;
      return true;
    }
  });
  MeController = decorate(class {
    me(request) {
      return request.user;
    }
  }, [Controller()], 'me', [Get('me'), UseGuards(FloorGuard), param(0, Req())]);
} else {
  const secretOrKey = variant === 'peer' ? keyText(config) : keyObject(config);
  const JwtStrategy = Reflect.decorate([Injectable()], class extends PassportStrategy(Strategy) {
    constructor() {
      super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey, algorithms: [alg], issuer, audience });
    }

    validate(payload) {
      return payload;
    }
  });
  imports = [PassportModule];
  providers = [JwtStrategy];
  MeController = decorate(class {
    me(request) {
      return request.user;
    }
  }, [Controller()], 'me', [Get('me'), UseGuards(AuthGuard('jwt')), param(0, Req())]);
}

const AppModule = Reflect.decorate([Module({ imports, providers, controllers: [MeController] })], class {});
const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
ready(app.getHttpServer().address().port, () => app.close());
