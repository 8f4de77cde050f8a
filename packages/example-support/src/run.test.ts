import { describe, expect, it } from 'vitest';
import { serverUrl } from './run.js';

describe('serverUrl', () => {
  it('prints the address as given, with brackets around IPv6', () => {
    expect(serverUrl('127.0.0.1', 3000)).toBe('http://127.0.0.1:3000');
    expect(serverUrl('localhost', 41234)).toBe('http://localhost:41234');
    expect(serverUrl('::1', 3000)).toBe('http://[::1]:3000');
    expect(serverUrl('::', 8080)).toBe('http://[::]:8080');
  });
});
