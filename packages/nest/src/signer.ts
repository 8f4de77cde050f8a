import { Inject, Injectable } from '@nestjs/common';
import { JwtError, sign, type JwtClaims, type SignOptions } from '@jwt/core';
import { JWT_AUTH_RUNTIME, type JwtAuthRuntime } from './options.js';

/**
 * Issues tokens for login routes with the module's key and `signOptions`, so they pass the
 * module's own `JwtAuthGuard`.
 * @example
 * constructor(private readonly signer: JwtSignerService) {}
 * const token = await this.signer.sign({ sub: user.id, permissions: user.permissions })
 */
@Injectable()
export class JwtSignerService {
  constructor(@Inject(JWT_AUTH_RUNTIME) private readonly runtime: JwtAuthRuntime) {}

  /**
   * Signs `claims` as a compact JWS. `options` override the module's `signOptions` for this token
   * (e.g. a longer `expiresIn` for a refresh token); the key always stays the module's.
   */
  sign(claims: JwtClaims = {}, options?: SignOptions): Promise<string> {
    const { signer, signDefaults } = this.runtime;
    if (signer === undefined || signDefaults === undefined) {
      return Promise.reject(new JwtError('ERR_CONFIG_INVALID', {
        detail: 'JwtSignerService cannot sign: set signOptions in the JwtAuthModule options, with expiresIn (and key when the verification key is a public key, a key set or a JWKS)',
      }));
    }
    if (options === undefined) return signer.sign(claims);
    const { key, ...defaults } = signDefaults;
    return sign(claims, key, { ...defaults, ...options });
  }
}
