/** JWS algorithms this library signs and verifies. `none` is not one of them, by design. */
export type JwsAlgorithm =
  | 'HS256' | 'HS384' | 'HS512'
  | 'RS256' | 'RS384' | 'RS512'
  | 'PS256' | 'PS384' | 'PS512'
  | 'ES256' | 'ES384' | 'ES512'
  | 'EdDSA';

export type AlgorithmFamily = 'HS' | 'RS' | 'PS' | 'ES' | 'EdDSA';

export interface AlgorithmInfo {
  readonly family: AlgorithmFamily;
  /** Hash name as WebCrypto spells it. */
  readonly hash: 'SHA-256' | 'SHA-384' | 'SHA-512';
  /** Hash name as node:crypto spells it. */
  readonly nodeHash: 'sha256' | 'sha384' | 'sha512';
  /** Digest size in bytes: the minimum HMAC secret length (RFC 7518 section 3.2). */
  readonly hashBytes: number;
  /** ES*: the curve and the exact raw signature length. */
  readonly curve?: 'P-256' | 'P-384' | 'P-521';
  readonly signatureBytes?: number;
}

const SHA = {
  256: { hash: 'SHA-256', nodeHash: 'sha256', hashBytes: 32 },
  384: { hash: 'SHA-384', nodeHash: 'sha384', hashBytes: 48 },
  512: { hash: 'SHA-512', nodeHash: 'sha512', hashBytes: 64 },
} as const;

export const ALGORITHMS: Readonly<Record<JwsAlgorithm, AlgorithmInfo>> = {
  HS256: { family: 'HS', ...SHA[256] },
  HS384: { family: 'HS', ...SHA[384] },
  HS512: { family: 'HS', ...SHA[512] },
  RS256: { family: 'RS', ...SHA[256] },
  RS384: { family: 'RS', ...SHA[384] },
  RS512: { family: 'RS', ...SHA[512] },
  PS256: { family: 'PS', ...SHA[256] },
  PS384: { family: 'PS', ...SHA[384] },
  PS512: { family: 'PS', ...SHA[512] },
  ES256: { family: 'ES', ...SHA[256], curve: 'P-256', signatureBytes: 64 },
  ES384: { family: 'ES', ...SHA[384], curve: 'P-384', signatureBytes: 96 },
  ES512: { family: 'ES', ...SHA[512], curve: 'P-521', signatureBytes: 132 },
  EdDSA: { family: 'EdDSA', ...SHA[512] },
};

export const JWS_ALGORITHMS = Object.freeze(Object.keys(ALGORITHMS) as JwsAlgorithm[]);

export function isJwsAlgorithm(value: unknown): value is JwsAlgorithm {
  return typeof value === 'string' && Object.hasOwn(ALGORITHMS, value);
}
