import { DatabaseSync } from 'node:sqlite';
import type { HeadProof } from '@tickets/event-store';
import { PlanBuilder, shardOfRow, type VerifyPlan } from './verify-plan.js';

/** The plan of a SQLite file (verify-plan.ts): reads the log up to `head` once, each row's shard decided in SQL. */
export function planVerify(path: string, head: number, count: number, proofs: readonly HeadProof[]): VerifyPlan {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    db.function('verify_shard', { deterministic: false }, shardOfRow(count));
    const select = db.prepare(
      `SELECT position, verify_shard(stream, CASE type WHEN 'TicketCreated' THEN data ->> '$.customer.id'
         WHEN 'InboundAccepted' THEN data ->> '$.event.subject' END), hash
       FROM events WHERE position <= ? ORDER BY position`,
    );
    select.setReturnArrays(true);
    const plan = new PlanBuilder(count, proofs);
    for (const row of select.iterate(head)) {
      const [position, shard, stored] = row as unknown as [number, number, string | null];
      plan.accept(position, shard, stored);
    }
    return plan.finish();
  } finally {
    db.close();
  }
}
