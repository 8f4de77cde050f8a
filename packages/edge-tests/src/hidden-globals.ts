/**
 * The web-only bundles hide Node's globals from @jwt/core while its modules are evaluated (see
 * test/support/bundle.ts), so the core takes the WebCrypto path a Worker takes. The runtime itself
 * needs them back afterwards (Node's fetch uses Buffer); an entry calls this before it starts.
 */
export function restoreHiddenGlobals(): void {
  const key = Symbol.for('jwt.edge-tests.hidden');
  const hidden = (globalThis as Record<symbol, Record<string, { target: object; value: unknown }> | undefined>)[key];
  for (const [name, { target, value }] of Object.entries(hidden ?? {})) {
    Object.defineProperty(target, name, { value, configurable: true, writable: true });
  }
}

/** Arguments after the script, on Deno (`Deno.args`) and everywhere else (`process.argv`). */
export function scriptArgs(): string[] {
  const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
  return deno?.args ?? (globalThis as { process?: { argv: string[] } }).process?.argv.slice(2) ?? [];
}
