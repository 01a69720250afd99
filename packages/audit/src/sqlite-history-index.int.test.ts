import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDomainStore } from '@tickets/streams';
import { indexedScans } from './sqlite-history-index.js';

// SQLite falls back to reading the whole table, silently and correctly, when a query stops matching
// its index by a character: this holds each of what-if's scans to the index it was written for.
describe("what-if's reach scans of a SQLite store", () => {
  let directory: string;
  let db: DatabaseSync;
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'reach-scans-'));
    const path = join(directory, 'tickets.db');
    // Sealed, so that the key table a sealed store's scan looks erased keys up in is there too.
    const opened = await openDomainStore(`sqlite:${path}`, { encryption: true });
    await opened.checkpoints.close();
    await opened.store.close();
    db = new DatabaseSync(path, { readOnly: true });
  });
  afterAll(() => {
    db.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const scans = [false, true].flatMap((sealed) =>
    indexedScans(sealed).map((scan) => [`${scan.index.name}${sealed ? ' (sealed)' : ''}`, scan.sql] as const),
  );

  it.each(scans)('read %s, not the events table', (name, sql) => {
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(0, 1)
      .map((row) => String(row['detail']));
    expect(plan[0]).toMatch(
      new RegExp(`^SEARCH events USING (COVERING )?INDEX ${name.split(' ')[0]} \\(position>\\? AND position<\\?\\)$`),
    );
    // No sort: the index gives the rows in position order.
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  it.each(scans)('read the values %s keeps from it, parsing no JSON', (name, sql) => {
    const program = db.prepare(`EXPLAIN ${sql}`).all(0, 1) as { opcode: string; p1: number; p4: unknown }[];
    // The table's cursors are opened on its root page; an index's with its key description, `k(…)`.
    const table = new Set(
      program.filter((op) => op.opcode === 'OpenRead' && !String(op.p4).startsWith('k(')).map((op) => op.p1),
    );
    const fromTable = program.filter((op) => op.opcode === 'Column' && table.has(op.p1));
    const functions = program.filter((op) => op.opcode === 'Function' || op.opcode === 'PureFunc');
    if (name.startsWith('events_reach_decisions')) {
      // Its commands' times, a list of any length, come from the row: `data`, read once.
      expect(fromTable).toHaveLength(1);
      expect(functions.map((op) => op.p4)).toEqual(['->>(2)']);
    } else {
      expect(fromTable).toEqual([]);
      expect(functions).toEqual([]);
    }
  });
});
