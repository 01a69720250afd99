import { describe, expect, it } from 'vitest';
import { toClientConnectionString } from './connection-string.js';

describe('connection strings', () => {
  it('hands esdb://, kurrent:// and kurrentdb:// to the client as kurrentdb://, the scheme it reads without a warning', () => {
    expect(toClientConnectionString('esdb://localhost:2113?tls=false')).toBe('kurrentdb://localhost:2113?tls=false');
    expect(toClientConnectionString('kurrentdb://admin:changeit@db:2113?tls=false')).toBe(
      'kurrentdb://admin:changeit@db:2113?tls=false',
    );
    expect(toClientConnectionString('kurrent://db:2113')).toBe('kurrentdb://db:2113');
    expect(toClientConnectionString('esdb+discover://a:2113,b:2113')).toBe('kurrentdb+discover://a:2113,b:2113');
  });

  it('refuses anything else without echoing it (it may hold a password)', () => {
    expect(() => toClientConnectionString('postgres://u:secret@h/db')).toThrow(
      expect.objectContaining({ code: 'EVENT_STORE.INVALID_ARGUMENT' }),
    );
    expect(() => toClientConnectionString('postgres://u:secret@h/db')).not.toThrow(/secret/);
  });
});
