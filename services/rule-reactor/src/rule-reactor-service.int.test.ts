import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, RulesFile } from '@tickets/domain';
import { createSqliteCheckpointStore, createSqliteEventStore } from '@tickets/event-store/sqlite';
import { createIngest } from '@tickets/ingest';
import { createLogger } from '@tickets/platform';
import { messageReceived, tempDir, waitFor } from '@tickets/testing';
import { RELAY_SUBSCRIBER } from './command-relay.js';
import { REACTOR_SUBSCRIBER } from './reactor.js';
import { runRuleReactorService, type ReactorPart } from './rule-reactor-service.js';

// `tickets rule-reactor --only reactor|relay`: the two loops of the service in separate processes
// (here: separate runs) on one store, each doing its part and nothing else.

const logger = createLogger({ level: 'silent' });
const NOTE_RULES = RulesFile.parse({
  rules: [{ id: 'note', name: 'A note for every message', when: 'message.received', then: [{ type: 'add_internal_note', body: 'noted' }] }],
});

describe('rule-reactor service, one part at a time', () => {
  it('the relay alone decides nothing, the reactor alone publishes nothing, the relay then publishes what the reactor decided', async () => {
    using dir = tempDir();
    const path = join(dir.path, 'tickets.db');
    const commandsFile = join(dir.path, 'commands.ndjson');
    const store = createSqliteEventStore({ path });
    const checkpoints = createSqliteCheckpointStore({ path });
    const ingest = createIngest({ store, policy: DEFAULT_REOPEN_POLICY, logger });
    try {
      const [result] = await ingest.submit([messageReceived({ id: 'sms-1', time: '2026-03-01T10:00:00Z', body: 'Bonjour' })], 'test');
      expect(result?.status).toBe('accepted');
      const decisions = async () => (await store.readAll()).filter((e) => e.type === 'RulesEvaluated').length;

      /** Runs one part until `done` holds, then stops it as SIGTERM would. */
      const runPart = async (only: ReactorPart, done: () => Promise<boolean>) => {
        let stop!: () => void;
        const until = new Promise<void>((resolve) => (stop = resolve));
        const running = runRuleReactorService({ store: `sqlite:${path}`, rules: NOTE_RULES, policy: DEFAULT_REOPEN_POLICY, commands: `file:${commandsFile}`, kafka: null, logger, only }, until);
        await waitFor(async () => ((await done()) ? true : undefined), { what: `${only} to finish` });
        stop();
        await running;
      };

      await runPart('relay', async () => (await checkpoints.load(RELAY_SUBSCRIBER)) > 0);
      expect(await decisions()).toBe(0);
      expect(existsSync(commandsFile) ? readFileSync(commandsFile, 'utf8') : '').toBe('');

      await runPart('reactor', async () => (await decisions()) === 1 && (await checkpoints.load(REACTOR_SUBSCRIBER)) >= (await store.headPosition()) - 1);
      expect(existsSync(commandsFile) ? readFileSync(commandsFile, 'utf8') : '').toBe('');

      await runPart('relay', async () => existsSync(commandsFile) && readFileSync(commandsFile, 'utf8').trim() !== '');
      const published = readFileSync(commandsFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; data: { correlationId: string } });
      expect(published.map((c) => [c.type, c.data.correlationId])).toEqual([['ticket.note.add', 'sms-1']]);
    } finally {
      await ingest.close();
      await checkpoints.close();
      await store.close();
    }
  });
});
