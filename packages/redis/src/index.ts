export { RedisRevocationStore } from './store.js';
export type { RedisRevocationStatus, RedisRevocationStoreOptions, UnavailablePolicy } from './store.js';
