import { describe, expect, it } from 'vitest';
import { toClientConnectionString } from './connection-string.js';

describe('connection strings', () => {
  it('passes esdb:// through and spells kurrentdb:// the way the 6.x client reads it', () => {
    expect(toClientConnectionString('esdb://localhost:2113?tls=false')).toBe('esdb://localhost:2113?tls=false');
    expect(toClientConnectionString('kurrentdb://admin:changeit@db:2113?tls=false')).toBe('esdb://admin:changeit@db:2113?tls=false');
    expect(toClientConnectionString('kurrent://db:2113')).toBe('esdb://db:2113');
    expect(toClientConnectionString('kurrentdb+discover://a:2113,b:2113')).toBe('esdb+discover://a:2113,b:2113');
  });

  it('refuses anything else without echoing it (it may hold a password)', () => {
    expect(() => toClientConnectionString('postgres://u:secret@h/db')).toThrow(expect.objectContaining({ code: 'EVENT_STORE.INVALID_ARGUMENT' }));
    expect(() => toClientConnectionString('postgres://u:secret@h/db')).not.toThrow(/secret/);
  });
});
