export { ConfigError, DEFAULTS, MIN_SECRET_BYTES, loadConfig } from './config.js';
export type { Environment, ExampleConfig, LoadConfigOptions, RevocationConfig, SigningConfig } from './config.js';
export { resolveKeys } from './keys.js';
export type { ExampleKeys } from './keys.js';
export { createRevocation } from './revocation.js';
export type { ExampleRevocation } from './revocation.js';
export { runExampleApp, serverUrl } from './run.js';
export type { RunExampleAppOptions, RunningServer } from './run.js';
export {
  INVALID_REQUEST,
  NOT_FOUND,
  PAYLOAD_TOO_LARGE,
  UNSUPPORTED_MEDIA_TYPE,
  authFailure,
  createExampleService,
} from './service.js';
export type { ExampleAuthOptions, ExampleClaims, ExampleResponse, ExampleService, ExampleServiceOptions } from './service.js';
export { DEMO_USERS, MAX_BODY_BYTES, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, REALM, TOKEN_COOKIE, isJsonContentType, isRoutablePath, parseFields } from './contract.js';
export type { DemoUser } from './contract.js';
export { UserStore } from './users.js';
export type { Authentication, PasswordChange } from './users.js';
