export { RedisRevocationStore } from './store.js';
export type { RedisRevocationStatus, RedisRevocationStoreOptions, UnavailablePolicy } from './store.js';
export { REFRESH_SCRIPT, RedisRefreshStore } from './refresh-store.js';
export type { RedisRefreshStoreOptions } from './refresh-store.js';
