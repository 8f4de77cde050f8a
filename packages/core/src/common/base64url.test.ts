import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64url, decodeSegment, decodeSegmentText, encodeBase64url, encodeSegment, encodeSegmentText, fromUtf8, isBase64url } from './base64url.js';
import { JwtError } from './errors.js';

const malformed = (run: () => unknown) => expect(run).toThrow(expect.objectContaining({ code: 'ERR_JWT_MALFORMED' }));

describe('base64url', () => {
  it('round-trips any bytes, agreeing with Buffer, through both codecs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const expected = Buffer.from(bytes).toString('base64url');
        expect(encodeBase64url(bytes)).toBe(expected);
        expect(encodeSegment(bytes)).toBe(expected);
        expect(isBase64url(expected)).toBe(true);
        expect(decodeBase64url(expected)).toEqual(bytes);
        expect(new Uint8Array(decodeSegment(expected))).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips text as UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), (text) => {
        expect(decodeSegmentText(encodeSegmentText(text))).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses padding, the base64 alphabet, stray characters and impossible lengths', () => {
    for (const s of ['QQ==', 'QQ=', 'QUI=', 'a+b/', 'ab c', 'ab\n', 'abcde', 'A', '%%%%', 'ab.c']) {
      expect(isBase64url(s)).toBe(false);
      malformed(() => decodeBase64url(s));
      malformed(() => decodeSegment(s));
      malformed(() => decodeSegmentText(s));
    }
    expect(isBase64url('')).toBe(true);
    expect(decodeBase64url('')).toEqual(new Uint8Array(0));
  });

  it('refuses non-zero trailing bits, which lenient decoders map to the same bytes', () => {
    // "QQ" is 0x41; "QR".."QZ" decode to 0x41 too under Buffer, but only "QQ" is canonical.
    expect(Buffer.from('QR', 'base64url')).toEqual(Buffer.from('QQ', 'base64url'));
    for (const s of ['QR', 'QZ', 'Qf', 'QUJ', 'QUK', 'QUL']) {
      expect(isBase64url(s)).toBe(false);
      malformed(() => decodeSegment(s));
    }
    expect(isBase64url('QUI')).toBe(true);
  });

  it('refuses invalid UTF-8 when text is expected', () => {
    for (const bytes of [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]) {
      malformed(() => decodeSegmentText(Buffer.from(bytes).toString('base64url')));
      expect(() => fromUtf8(Uint8Array.from(bytes))).toThrow(JwtError);
    }
    // A genuine U+FFFD is fine: only invalid sequences are refused.
    expect(decodeSegmentText(encodeSegmentText('\uFFFD'))).toBe('\uFFFD');
  });
});
