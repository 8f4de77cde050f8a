import { describe, expect, it } from 'vitest';
import { toSeconds } from './duration.js';

describe('toSeconds', () => {
  it('reads seconds and unit durations', () => {
    expect(toSeconds(0, 'x')).toBe(0);
    expect(toSeconds(90, 'x')).toBe(90);
    expect(toSeconds(1.5, 'x')).toBe(1.5);
    const cases: [string, number][] = [['30', 30], ['30s', 30], ['30 sec', 30], ['15m', 900], ['2min', 120], ['1h', 3600], ['7d', 604800], ['2w', 1209600], ['1.5h', 5400], [' 5m ', 300]];
    for (const [text, seconds] of cases) expect(toSeconds(text, 'x')).toBe(seconds);
  });

  it('refuses negative, non-finite and unreadable values, naming the option', () => {
    for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY, '-5m', '5 years', '', 'm', '1e3', '5mm', null, {}]) {
      expect(() => toSeconds(value as never, 'expiresIn')).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringContaining('expiresIn') }));
    }
  });
});
