import { JwtError } from './errors.js';

/** JSON nesting deeper than this is refused: no real claims set comes close. */
export const MAX_JSON_DEPTH = 32;

export type JsonObject = { [key: string]: unknown };

/**
 * Parses a JOSE header or claims set: a JSON object, no `__proto__` member at any depth
 * (so that no later merge can pollute a prototype), bounded nesting.
 */
export function parseJsonObject(text: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // No cause: V8's SyntaxError quotes the text around the fault, i.e. a piece of the token.
    throw new JwtError('ERR_JWT_MALFORMED', { detail: 'token malformed: not JSON' });
  }
  if (!isPlainObject(value)) throw new JwtError('ERR_JWT_MALFORMED');
  checkTree(value, 0);
  return value;
}

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkTree(value: object, depth: number): void {
  if (depth >= MAX_JSON_DEPTH) throw new JwtError('ERR_JWT_MALFORMED', { detail: 'token malformed: nesting too deep' });
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null) checkTree(item, depth + 1);
    return;
  }
  if (Object.hasOwn(value, '__proto__')) throw new JwtError('ERR_JWT_MALFORMED', { detail: 'token malformed: forbidden member name' });
  for (const key in value) {
    const item = (value as JsonObject)[key];
    if (typeof item === 'object' && item !== null) checkTree(item, depth + 1);
  }
}
