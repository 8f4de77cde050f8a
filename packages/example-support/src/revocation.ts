/**
 * Chooses the revocation store from the configuration. One place to extend when more stores exist.
 */
import { MemoryRevocationStore, type RevocationStore } from '@jwt/core';
import type { ExampleConfig } from './config.js';

export interface ExampleRevocation {
  store: RevocationStore;
  /** Releases connections at shutdown. */
  close(): Promise<void>;
}

export async function createRevocation(config: ExampleConfig): Promise<ExampleRevocation> {
  switch (config.revocation.kind) {
    case 'memory': {
      // A subject cutoff must outlive every token it covers; the tokens this app issues live `ttl` seconds.
      const store = new MemoryRevocationStore({ maxTokenLifetime: config.ttl });
      return { store, close: async () => undefined };
    }
  }
}
