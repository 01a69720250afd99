import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, RulesFile } from '@tickets/domain';
import { createSqliteCheckpointStore, createSqliteEventStore } from '@tickets/event-store/sqlite';
import { createIngest } from '@tickets/ingest';
import { createLogger } from '@tickets/platform';
import { messageReceived, tempDir, waitFor } from '@tickets/testing';
import { RELAY_SUBSCRIBER } from './command-relay.js';
import { runRuleReactorService } from './rule-reactor-service.js';

// `tickets rule-reactor` as its own process (here: its own run) on a store another process's ingest
// writes: it publishes the commands the ingest recorded, and decides nothing itself.

const logger = createLogger({ level: 'silent' });
const NOTE_RULES = RulesFile.parse({
  rules: [
    {
      id: 'note',
      name: 'A note for every message',
      when: 'message.received',
      then: [{ type: 'add_internal_note', body: 'noted' }],
    },
  ],
});

describe('rule-reactor service', () => {
  it('publishes the commands the ingest recorded with its decision, once, and writes nothing to the event streams', async () => {
    using dir = tempDir();
    const path = join(dir.path, 'tickets.db');
    const commandsFile = join(dir.path, 'commands.ndjson');
    const store = createSqliteEventStore({ path });
    const checkpoints = createSqliteCheckpointStore({ path });
    const ingest = createIngest({ store, rules: NOTE_RULES, policy: DEFAULT_REOPEN_POLICY, logger });
    const published = () =>
      existsSync(commandsFile)
        ? readFileSync(commandsFile, 'utf8')
            .trim()
            .split('\n')
            .filter((l) => l !== '')
        : [];
    /** Runs the service until `done` holds, then stops it as SIGTERM would. */
    const runService = async (done: () => Promise<boolean>) => {
      let stop!: () => void;
      const until = new Promise<void>((resolve) => (stop = resolve));
      const running = runRuleReactorService(
        { store: `sqlite:${path}`, commands: `file:${commandsFile}`, kafka: null, logger },
        until,
      );
      await waitFor(async () => ((await done()) ? true : undefined), { what: 'the relay to finish' });
      stop();
      await running;
    };
    try {
      const [result] = await ingest.submit(
        [messageReceived({ id: 'sms-1', time: '2026-03-01T10:00:00Z', body: 'Bonjour' })],
        'test',
      );
      expect(result?.status).toBe('accepted');
      // The decision is in the store as soon as the ingest answered: no other process had to run.
      expect((await store.readAll()).filter((e) => e.type === 'RulesEvaluated')).toHaveLength(1);
      const head = await store.headPosition();

      const lastTicketEvent = (await store.readAll({ streamPrefixes: ['ticket-'] })).at(-1)!.position;
      await runService(async () => (await checkpoints.load(RELAY_SUBSCRIBER)) >= lastTicketEvent);
      const commands = published().map((line) => JSON.parse(line) as { type: string; data: { correlationId: string } });
      expect(commands.map((c) => [c.type, c.data.correlationId])).toEqual([['ticket.note.add', 'sms-1']]);
      expect(await store.headPosition()).toBe(head);

      // Started again: its checkpoint says all is published, so nothing goes out twice.
      await runService(async () => true);
      expect(published()).toHaveLength(1);
    } finally {
      await ingest.close();
      await checkpoints.close();
      await store.close();
    }
  });
});
