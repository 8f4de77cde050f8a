export { TEST_SECRET, appEntry, spawnApp, startApp } from './app.js';
export type { AppExit, RunningApp, StartOptions } from './app.js';
export { bearer, rawRequest, request } from './http.js';
export type { RawReply, Reply, RequestOptions } from './http.js';
export { runContractSuite } from './suite.js';
export { runRefreshSuite } from './refresh-suite.js';
export type { RefreshSuiteOptions } from './refresh-suite.js';
export type { ContractSuiteOptions } from './suite.js';
export { AUDIENCE, ISSUER, OTHER_SECRET, craft, craftJson, decode, goodClaims, joseToken, rsaToken } from './tokens.js';
