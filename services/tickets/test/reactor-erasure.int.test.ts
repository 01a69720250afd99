import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES, ticketIdFor, ticketStream } from '@tickets/domain';
import { createLogger } from '@tickets/platform';
import { createMemorySink } from '@tickets/rule-reactor';
import { eraseCustomer } from '@tickets/streams';
import { agentEvent, MARIE, messageReceived, SMS_SOURCE, tempDir } from '@tickets/testing';
import { openRuntime, type Runtime } from '../src/runtime.js';

// A long-running rule-reactor keeps tickets it decided on in memory, decrypted. Once their customer
// is erased, deciding on those copies would write the erased name and phone again — under the
// customer's new key, in rule decisions and auto-reply commands. It must read them afresh instead.

let dir: ReturnType<typeof tempDir>;
let runtime: Runtime;
const TICKET = ticketIdFor(SMS_SOURCE, 'first');

beforeEach(async () => {
  dir = tempDir();
  runtime = await openRuntime({
    store: `sqlite:${join(dir.path, 'tickets.db')}`,
    rules: DEFAULT_RULES,
    policy: DEFAULT_REOPEN_POLICY,
    sink: createMemorySink(),
    logger: createLogger({ level: 'silent' }),
    pii: { encryption: true },
  });
});

afterEach(async () => {
  await runtime.close();
  dir[Symbol.dispose]();
});

async function submit(event: unknown): Promise<void> {
  const [result] = await runtime.ingest.submit([event], 'test');
  expect(result?.status).toBe('accepted');
  await runtime.settle();
}

it('decides on what the store reads after an erasure, not on the decrypted copy it held before', async () => {
  await submit(
    messageReceived({ id: 'first', time: '2026-03-02T08:00:00Z', body: 'Bonjour, ma commande est en retard' }),
  );
  await submit(
    messageReceived({ id: 'second', time: '2026-03-02T08:05:00Z', body: 'Numéro 4521', customer: { id: MARIE.id } }),
  );
  // The reactor has decided on the ticket twice (and keeps it, folded): its decisions hold Marie's name.
  expect(JSON.stringify(await runtime.store.readStream(ticketStream(TICKET)))).toContain(MARIE.name);

  await eraseCustomer(runtime.pii, { customerId: MARIE.id, requestedBy: 'test' }, new Date('2026-03-02T08:30:00Z'));
  await submit(agentEvent('ticket.closed', { id: 'close', time: '2026-03-02T09:00:00Z', ticketId: TICKET }));
  // She writes again, giving nothing personal: the reply reopens the ticket and the reopen rule
  // fires, sending an auto-reply to the phone the ticket holds.
  await submit(
    messageReceived({
      id: 'again',
      time: '2026-03-02T10:00:00Z',
      body: 'Une autre question',
      customer: { id: MARIE.id },
    }),
  );

  const after = (await runtime.store.readStream(ticketStream(TICKET))).filter(
    (r) => r.metadata.causationId !== undefined && r.type === 'RulesEvaluated',
  );
  const decision = after.at(-1);
  expect(decision?.metadata.causationId).not.toBe(undefined);
  const text = JSON.stringify(decision);
  expect(text).toContain('sms-reopened');
  expect(text).not.toContain(MARIE.name);
  expect(text).not.toContain(MARIE.phone);
});
