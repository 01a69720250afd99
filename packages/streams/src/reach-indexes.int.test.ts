import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureReachIndexes } from './ensure-reach-indexes.js';
import { openDomainStore } from './open-domain-store.js';
import { hasReachIndexes, indexDefinitions, REACH_INDEXES, reachIndexSql, TIMER_REACH } from './reach-indexes.js';

const clear = { encryption: false };
const names = REACH_INDEXES.map((index) => index.name);

describe('the reach indexes of a SQLite store', () => {
  let directory: string;
  let path: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'reach-indexes-'));
    path = join(directory, 'tickets.db');
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  const open = async (reachIndexes?: boolean) => {
    const opened = await openDomainStore(`sqlite:${path}`, clear, reachIndexes === undefined ? {} : { reachIndexes });
    await opened.checkpoints.close();
    await opened.store.close();
    return opened.indexesMade;
  };
  const definitions = () => {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      return indexDefinitions(db);
    } finally {
      db.close();
    }
  };

  it('are made when a store is first opened for writing, and only then', async () => {
    expect(await open()).toEqual(names);
    expect(hasReachIndexes(definitions())).toBe(true);

    expect(await open()).toEqual([]);
    expect(ensureReachIndexes(path)).toEqual([]);
  });

  it('are not made by a reader: the file is left as it was found', async () => {
    expect(await open(false)).toEqual([]);
    const found = definitions();
    expect(names.filter((name) => found.has(name))).toEqual([]);
    expect(hasReachIndexes(found)).toBe(false);
  });

  it('are made again where an earlier version defined one otherwise, and the others are left alone', async () => {
    await open();
    const db = new DatabaseSync(path);
    db.exec(
      `DROP INDEX ${TIMER_REACH.name}; CREATE INDEX ${TIMER_REACH.name} ON events (position) WHERE type = 'TimerSet'`,
    );
    db.close();
    expect(hasReachIndexes(definitions())).toBe(false);

    expect(await open()).toEqual([TIMER_REACH.name]);
    expect(definitions().get(TIMER_REACH.name)).toBe(reachIndexSql(TIMER_REACH));
    expect(hasReachIndexes(definitions())).toBe(true);
  });
});
