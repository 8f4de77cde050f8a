import { Catch, HttpException, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { INVALID_REQUEST, NOT_FOUND, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, type ExampleResponse } from '@jwt/example-support';
import { isJwtAuthException } from '@jwt/nest';

/**
 * Gives Nest's own 4xx answers (unknown route, body too large, unreadable or of an unparsable type) the contract's JSON
 * bodies. Authentication failures pass through untouched: the default filter already answers them
 * with the adapter's RFC 6750 body, and the guard has set `WWW-Authenticate`.
 */
@Catch(HttpException)
export class ContractExceptionFilter extends BaseExceptionFilter {
  override catch(exception: HttpException, host: ArgumentsHost): void {
    const status = exception.getStatus();
    if (isJwtAuthException(exception) || status < 400 || status >= 500) {
      super.catch(exception, host);
      return;
    }
    // Fastify refuses a Content-Type it cannot even parse (`application/json, text/plain`) with its
    // own 415 before the route runs: the same answer the service gives any non-JSON body.
    const answer: ExampleResponse = status === 404 ? NOT_FOUND : status === 413 ? PAYLOAD_TOO_LARGE : status === 415 ? UNSUPPORTED_MEDIA_TYPE : INVALID_REQUEST;
    const adapter = this.httpAdapterHost?.httpAdapter ?? this.applicationRef;
    if (adapter === undefined) {
      super.catch(exception, host);
      return;
    }
    adapter.reply(host.switchToHttp().getResponse(), answer.body, answer.status);
  }
}
