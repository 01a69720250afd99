import { describe, expect, it } from 'vitest';
import { isSupportedServerVersion, parseServerVersion } from './server-version.js';

describe('server versions', () => {
  it('reads the versions servers report, with or without a v and a pre-release tag', () => {
    expect(parseServerVersion('26.1.0')).toEqual({ major: 26, minor: 1, patch: 0 });
    expect(parseServerVersion('v24.10.4')).toEqual({ major: 24, minor: 10, patch: 4 });
    expect(parseServerVersion('26.2.0-alpha.1')).toEqual({ major: 26, minor: 2, patch: 0 });
    expect(parseServerVersion('unknown')).toBeUndefined();
    expect(parseServerVersion(undefined)).toBeUndefined();
  });

  it('supports 26.1 and later only: the first with atomic appends that check streams they do not write', () => {
    const supported = (text: string): boolean => isSupportedServerVersion(parseServerVersion(text)!);
    for (const text of ['22.10.3', '23.6.0', '24.10.4', '24.10.14', '25.1.4', '26.0.3'])
      expect(supported(text)).toBe(false);
    for (const text of ['26.1.0', '26.1.1', '26.2.0', '27.0.0']) expect(supported(text)).toBe(true);
  });
});
