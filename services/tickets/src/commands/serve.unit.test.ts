import { describe, expect, it } from 'vitest';
import { pageAddress } from './serve.js';

describe('the pages address in the ready line', () => {
  it('is the listen address and port, with /ui/', () => {
    expect(pageAddress('127.0.0.1', 8080)).toBe('http://127.0.0.1:8080/ui/');
    expect(pageAddress('tickets.internal', 80)).toBe('http://tickets.internal:80/ui/');
  });

  it('names localhost for a wildcard listen address, which a browser cannot open', () => {
    expect(pageAddress('0.0.0.0', 8080)).toBe('http://localhost:8080/ui/');
    expect(pageAddress('::', 8080)).toBe('http://localhost:8080/ui/');
  });

  it('brackets an IPv6 address', () => {
    expect(pageAddress('::1', 8080)).toBe('http://[::1]:8080/ui/');
  });
});
