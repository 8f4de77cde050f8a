import { ForbiddenException, UnauthorizedException } from '@nestjs/common';
import type { AuthErrorResponse, JwtError, JwtErrorCode } from '@jwt/core';

/** What both authentication exceptions carry, for exception filters that rebuild the answer. */
export interface JwtAuthFailure {
  /** The `@jwt/core` error code behind the failure, e.g. `ERR_JWT_EXPIRED`. */
  readonly code: JwtErrorCode;
  /** The RFC 6750 `WWW-Authenticate` value the guard already set on the response. */
  readonly wwwAuthenticate: string;
  /** The JSON body: `{ error }` or `{ error, error_description }`. */
  getResponse(): AuthErrorResponse['body'];
}

// Subclasses of Nest's own 401/403 exceptions, so filters written for passport
// (`@Catch(UnauthorizedException)`) keep catching them.

/** 401: the token is missing, unreadable, invalid, expired or revoked. */
export class JwtUnauthorizedException extends UnauthorizedException implements JwtAuthFailure {
  readonly code: JwtErrorCode;
  readonly wwwAuthenticate: string;

  constructor(answer: AuthErrorResponse, cause?: JwtError) {
    super(answer.body, cause === undefined ? {} : { cause });
    this.code = answer.code;
    this.wwwAuthenticate = answer.wwwAuthenticate;
  }

  override getResponse(): AuthErrorResponse['body'] {
    return super.getResponse() as AuthErrorResponse['body'];
  }
}

/** 403 `insufficient_scope`: a valid token without the permissions the route requires. */
export class JwtForbiddenException extends ForbiddenException implements JwtAuthFailure {
  readonly code: JwtErrorCode;
  readonly wwwAuthenticate: string;

  constructor(answer: AuthErrorResponse, cause?: JwtError) {
    super(answer.body, cause === undefined ? {} : { cause });
    this.code = answer.code;
    this.wwwAuthenticate = answer.wwwAuthenticate;
  }

  override getResponse(): AuthErrorResponse['body'] {
    return super.getResponse() as AuthErrorResponse['body'];
  }
}

/** True for either exception the guard throws. */
export function isJwtAuthException(error: unknown): error is (JwtUnauthorizedException | JwtForbiddenException) {
  return error instanceof JwtUnauthorizedException || error instanceof JwtForbiddenException;
}
