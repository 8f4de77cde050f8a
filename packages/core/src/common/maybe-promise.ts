/**
 * The Node backend answers synchronously and WebCrypto with promises. Chaining through `then`
 * keeps the synchronous path free of promise allocations (and usable by verifySync).
 */
export type MaybePromise<T> = T | Promise<T>;

export function andThen<T, U>(value: MaybePromise<T>, fn: (v: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}
