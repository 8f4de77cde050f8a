import { configError } from './errors.js';

const UNITS: Record<string, number> = { s: 1, sec: 1, m: 60, min: 60, h: 3600, d: 86400, w: 604800 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)?$/;

/**
 * A duration in seconds from a number of seconds or a text such as `'15m'`, `'1h'`, `'7d'`.
 * Throws ERR_CONFIG_INVALID for anything else, including negative and non-finite numbers.
 */
export function toSeconds(value: number | string, name: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw configError(`${name} must be a finite, non-negative number of seconds`);
    return value;
  }
  const m = typeof value === 'string' ? DURATION.exec(value.trim()) : null;
  if (!m) throw configError(`${name} must be seconds or a duration such as "15m", "1h" or "7d"`);
  return Number(m[1]) * UNITS[m[2] ?? 's']!;
}
