import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { MAX_JSON_DEPTH, parseJsonObject } from './json.js';

const malformed = (text: string) => expect(() => parseJsonObject(text)).toThrow(expect.objectContaining({ code: 'ERR_JWT_MALFORMED' }));

describe('parseJsonObject', () => {
  it('returns objects, refuses every other JSON value and non-JSON', () => {
    expect(parseJsonObject('{"a":[1,{"b":null}]}')).toEqual({ a: [1, { b: null }] });
    for (const text of ['[]', '"s"', '1', 'null', 'true', '', '{', '{"a":1}x', "{'a':1}", 'NaN', '{"a":NaN}']) malformed(text);
  });

  it('refuses __proto__ members at any depth, however escaped', () => {
    for (const text of ['{"__proto__":{}}', '{"\\u005f_proto__":1}', '{"a":{"__proto__":null}}', '{"a":[[{"__proto__":1}]]}']) malformed(text);
    expect(parseJsonObject('{"constructor":1,"prototype":2,"__proto":3}')).toEqual({ constructor: 1, prototype: 2, __proto: 3 });
  });

  it(`allows nesting up to ${MAX_JSON_DEPTH} levels, not more`, () => {
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    expect(() => parseJsonObject(nested(MAX_JSON_DEPTH))).not.toThrow();
    malformed(nested(MAX_JSON_DEPTH + 1));
    malformed(`{"a":${'['.repeat(1000)}${']'.repeat(1000)}}`);
  });

  it('does not carry the parser message, which quotes the text, in the error', () => {
    try {
      parseJsonObject('{"password":"hunter2" x}');
      expect.unreachable();
    } catch (error) {
      expect(inspect(error, { depth: 5 })).not.toContain('hunter2');
      expect((error as Error).cause).toBeUndefined();
    }
  });
});
