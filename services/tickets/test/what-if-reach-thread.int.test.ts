import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES } from '@tickets/domain';
import { openDomainStore } from '@tickets/streams';
import { tempDir } from '@tickets/testing';
import { sqliteHistory } from '@tickets/audit';

// With threads, a what-if over a SQLite file finds its reach in a thread of its own, which starts the
// scan's workers (what-if-equivalence.int.test.ts holds its report equal to the one found in this
// thread). What that thread meets must reach the caller, not leave it waiting.
describe("what-if's reach found in a thread of its own", () => {
  it("rejects with the thread's error when it cannot read the file", async () => {
    using dir = tempDir();
    const path = join(dir.path, 'tickets.db');
    const opened = await openDomainStore(`sqlite:${path}`, { encryption: false });
    await Promise.all([opened.checkpoints.close(), opened.store.close()]);
    const history = sqliteHistory(path)!;
    try {
      // The history holds the file open; the thread opens it again by its path, now gone.
      renameSync(path, `${path}.moved`);
      await expect(history.reach!({ rules: DEFAULT_RULES, policy: DEFAULT_REOPEN_POLICY }, 2)).rejects.toThrow(
        /unable to open database file/,
      );
    } finally {
      await history.close();
    }
  });
});
