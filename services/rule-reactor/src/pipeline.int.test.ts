import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  commandId,
  customerStream,
  DEFAULT_REOPEN_POLICY,
  DEFAULT_RULES,
  domainEventId,
  inboundKey,
  initialCustomerState,
  RulesFile,
  ticketIdFor,
  ticketStream,
  type Command,
  type InboundEventInput,
  type ReopenPolicy,
  type RulesFileInput,
  type TicketEvent,
  type TicketEventOf,
  type TicketState,
} from '@tickets/domain';
import type { CheckpointStore, EventStore, RecordedEvent } from '@tickets/event-store';
import {
  createSqliteCheckpointStore,
  createSqliteEventStore,
  type SqliteCheckpointStore,
  type SqliteEventStore,
} from '@tickets/event-store/sqlite';
import { createIngest, type Ingest, type IngestResult } from '@tickets/ingest';
import { createLogger } from '@tickets/platform';
import { createProjector, createSqliteTicketReadModel, type Projector, type TicketReadModel } from '@tickets/projector';
import { foldCustomerRecords } from '@tickets/streams';
import { agentEvent, messageReceived, SMS_SOURCE, tempDir, waitFor, type CustomerFixture } from '@tickets/testing';
import { createCommandRelay, RELAY_SUBSCRIBER, type CommandRelay } from './command-relay.js';
import type { CommandSink } from './sinks/command-sink.port.js';
import { createMemorySink, type MemorySink } from './sinks/memory-sink.js';

// Integration specification of the automation side on a real SQLite file: the ingest (which decides
// routing and rules in one transaction), the command relay and the projector composed as the
// `tickets` runtime composes them, with a memory sink.

const logger = createLogger({ level: 'silent' });
const SEED_FILE = fileURLToPath(new URL('../../../examples/seed-sms-story.ndjson', import.meta.url));
const seedStory = (): InboundEventInput[] =>
  readFileSync(SEED_FILE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as InboundEventInput);

const AUTO_REPLY = 'Merci pour votre suivi ! Nous avons bien reçu votre message et nous reviendrons vers vous sous peu';
const T = ticketIdFor(SMS_SOURCE, 'sms-1');
const T2 = ticketIdFor(SMS_SOURCE, 'sms-4');

type RulesEvaluatedData = TicketEventOf<'RulesEvaluated'>['data'];

interface Pipeline {
  readonly store: SqliteEventStore;
  readonly checkpoints: SqliteCheckpointStore;
  readonly readModel: TicketReadModel;
  readonly ingest: Ingest;
  readonly projector: Projector;
  readonly relay: CommandRelay;
  readonly sink: MemorySink;
  /** Relay and projector: everything committed is published and projected. */
  settle(): Promise<void>;
  /** One submit per event, in order: as if POSTed one by one. */
  feed(events: readonly unknown[]): Promise<IngestResult[]>;
  close(): Promise<void>;
}

interface PipelineOptions {
  readonly rules?: RulesFile;
  readonly policy?: ReopenPolicy;
  /** The store's wall clock (recorded_at only): replays must not depend on it. */
  readonly clock?: () => Date;
}

/** The runtime's composition, on one connection per module, as `openRuntime` does. */
function openPipeline(path: string, options: PipelineOptions = {}): Pipeline {
  const rules = options.rules ?? DEFAULT_RULES;
  const policy = options.policy ?? DEFAULT_REOPEN_POLICY;
  const store = createSqliteEventStore({ path, ...(options.clock === undefined ? {} : { clock: options.clock }) });
  const checkpoints = createSqliteCheckpointStore({ path });
  const readModel = createSqliteTicketReadModel({ path });
  const sink = createMemorySink();
  const ingest = createIngest({ store, rules, policy, logger });
  const projector = createProjector({ store, readModel, logger });
  const relay = createCommandRelay({ store, checkpoints, sink, logger });
  const settle = async (): Promise<void> => {
    await relay.catchUp();
    await projector.catchUp();
  };
  return {
    store,
    checkpoints,
    readModel,
    ingest,
    projector,
    relay,
    sink,
    settle,
    async feed(events) {
      const results: IngestResult[] = [];
      for (const event of events) {
        const [result] = await ingest.submit([event]);
        if (result === undefined) throw new Error('ingest returned no result');
        results.push(result);
      }
      await settle();
      return results;
    },
    async close() {
      await ingest.close();
      await sink.close();
      await readModel.close();
      await checkpoints.close();
      await store.close();
    },
  };
}

async function allEvents(store: EventStore): Promise<RecordedEvent[]> {
  return store.readAll({ maxCount: 1_000_000 });
}

async function decisions(store: EventStore): Promise<(RecordedEvent & { data: RulesEvaluatedData })[]> {
  const events = await store.readAll({ streamPrefixes: ['ticket-'], maxCount: 1_000_000 });
  return events.filter((e) => e.type === 'RulesEvaluated') as (RecordedEvent & { data: RulesEvaluatedData })[];
}

const isRuleMade = (e: RecordedEvent): boolean => {
  const data = e.data as { by?: { type: string }; closedBy?: { type: string } };
  return data.by?.type === 'rule' || data.closedBy?.type === 'rule';
};

/** The decision recorded for the `nth` event of this type on the ticket that was not made by a rule. */
async function decisionFor(
  store: EventStore,
  ticketId: string,
  triggerType: TicketEvent['type'],
  nth = 0,
): Promise<RulesEvaluatedData> {
  const stream = await store.readStream(ticketStream(ticketId));
  const trigger = stream.filter((e) => e.type === triggerType && !isRuleMade(e))[nth];
  const found = stream.find(
    (e) => e.type === 'RulesEvaluated' && (e.data as RulesEvaluatedData).trigger.eventId === trigger?.id,
  );
  if (trigger === undefined || found === undefined)
    throw new Error(`no decision for ${triggerType} #${nth} on ${ticketId}`);
  return found.data as RulesEvaluatedData;
}

const rulesFile = (input: RulesFileInput): RulesFile => RulesFile.parse(input);
const byId = (commands: readonly Command[]): Map<string, Command> => new Map(commands.map((c) => [c.id, c]));

describe('rules decided by the ingest on SQLite, composed with relay and projector', () => {
  let dir: ReturnType<typeof tempDir>;
  let pipeline: Pipeline;
  const path = () => join(dir.path, 'tickets.db');

  beforeEach(() => {
    dir = tempDir();
    pipeline = openPipeline(path());
  });
  afterEach(async () => {
    await pipeline.close();
    dir[Symbol.dispose]();
  });

  it('the seed story: one auto-reply on the reopen, the thanks rule closes and stops, the follow-up is flagged', async () => {
    const results = await pipeline.feed(seedStory());
    expect(results.map((r) => r.status)).toEqual(Array(8).fill('accepted'));
    // The seed's agent events name the ticket the first SMS created: ids are derived, not random.
    expect(T).toBe('tk_sliajvihenz6piuibdygjmqqg4');

    const commands = pipeline.sink.commands;
    expect(commands.map((c) => [c.type, c.data.ruleId, c.subject])).toEqual([
      ['ticket.tag.add', 'sms-reopened', T],
      ['ticket.assign', 'sms-reopened', T],
      ['message.send', 'sms-reopened', T],
      ['ticket.close', 'sms-thanks-autoclose', T],
      ['ticket.tag.add', 'sms-thanks-autoclose', T],
      ['ticket.tag.add', 'sms-follow-up-check', T2],
      ['ticket.note.add', 'sms-follow-up-check', T2],
    ]);

    // Exactly one auto-reply: for sms-2 (the reopen), none for "Merci !" (stopped) or the follow-up.
    const replies = commands.filter((c) => c.type === 'message.send');
    const sms2Message = domainEventId(inboundKey(SMS_SOURCE, 'sms-2'), 1);
    expect(replies).toEqual([
      {
        specversion: '1.0',
        id: commandId('sms-reopened', sms2Message, 2),
        source: 'urn:tickets:rule-reactor',
        subject: T,
        time: '2026-03-03T07:00:00.000Z',
        datacontenttype: 'application/json',
        type: 'message.send',
        data: {
          ruleId: 'sms-reopened',
          causationId: sms2Message,
          correlationId: 'sms-2',
          channel: 'sms',
          to: '+33612345678',
          body: AUTO_REPLY,
          // «reçu» is not GSM-7: UCS-2, 98 characters → 2 segments.
          segments: 2,
          encoding: 'UCS-2',
          // The shipped rules set no timer and no SLA policy covers the ticket (Kafka contract 1.3.0).
          ticket: { timers: [], sla: [] },
        },
      },
    ]);
    expect(commands.find((c) => c.type === 'ticket.note.add')?.data).toMatchObject({
      body: expect.stringContaining(`(${T})`),
    });

    // "Merci !" reopened the ticket; the thanks rule fired and stopped the reopen rule.
    const thanks = await decisionFor(pipeline.store, T, 'MessageReceived', 2);
    expect(thanks.evaluations.map((e) => [e.ruleId, e.outcome, e.stoppedBy])).toEqual([
      ['sms-thanks-autoclose', 'fired', undefined],
      ['sms-reopened', 'skipped_stop', 'sms-thanks-autoclose'],
    ]);

    expect(await pipeline.readModel.get(T)).toMatchObject({
      status: 'closed',
      closedAt: '2026-03-03T11:00:00.000Z',
      reopenDeadline: '2026-03-04T11:00:00.000Z',
      tags: ['auto-closed-thanks', 'reopened-sms'],
      team: 'SMS Support',
      reopenCount: 2,
      messageCount: 5,
    });
    expect(await pipeline.readModel.get(T2)).toMatchObject({
      status: 'open',
      followUpOf: T,
      subject: 'SMS from Marie Dupont',
      tags: ['new-sms-follow-up-check'],
    });
    const customer = await pipeline.store.readStream(customerStream('cus_marie'));
    expect(customer.filter((e) => e.type === 'AutoReplyRecorded')).toHaveLength(1);
  });

  it('the seed story posted as one batch ends as when posted one by one', async () => {
    const oneByOne = await pipeline.feed(seedStory());
    const expected = {
      commands: [...pipeline.sink.commands],
      states: await pipeline.readModel.all(),
      events: await allEvents(pipeline.store),
    };
    await pipeline.close();
    pipeline = openPipeline(join(dir.path, 'batch.db'));
    const batched = await pipeline.ingest.submit(seedStory());
    await pipeline.settle();
    expect(batched).toEqual(oneByOne);
    expect(pipeline.sink.commands).toEqual(expected.commands);
    expect(await pipeline.readModel.all()).toEqual(expected.states);
    // Event for event, ids and metadata included (positions aside: one commit instead of eight).
    const strip = (events: RecordedEvent[]) => events.map(({ position: _position, ...rest }) => rest);
    expect(strip(await allEvents(pipeline.store))).toEqual(strip(expected.events));
  });

  it('"Merci !" then a question a second later, posted back to back: the question opens a follow-up only when it is one', async () => {
    // The reply closes the ticket (thanks rule) in the same decision as its routing, so the
    // question that follows it finds the ticket closed — and inside the 24 h window, reopens it.
    const story = seedStory();
    const merci = story.find(
      (e) => (e as { data?: { message?: { body?: string } } }).data?.message?.body === 'Merci !',
    ) as InboundEventInput & { time: string };
    const question = messageReceived({
      id: 'sms-right-after',
      time: new Date(Date.parse(merci.time) + 1_000).toISOString(),
      body: 'Et ma commande 4521 ?',
    });
    const results = await Promise.all([
      pipeline.ingest.submit(story.slice(0, story.indexOf(merci) + 1)),
      pipeline.ingest.submit([question]),
    ]);
    await pipeline.settle();
    expect(results.flat().map((r) => r.status)).toEqual(Array(results.flat().length).fill('accepted'));
    const last = results[1]![0]!;
    expect(last).toMatchObject({ status: 'accepted', ticketId: T, routing: 'reopen' });
    expect(await pipeline.readModel.get(T)).toMatchObject({ status: 'open', reopenCount: 3 });
  });

  it('invariant 5: a redelivery never produces a second, different command and changes nothing', async () => {
    await pipeline.feed(seedStory());
    const published = [...pipeline.sink.commands];
    const head = await pipeline.store.headPosition();
    const stored = await allEvents(pipeline.store);

    // At most one decision per triggering event.
    const triggers = (await decisions(pipeline.store)).map((d) => d.data.trigger.eventId);
    expect(new Set(triggers).size).toBe(triggers.length);
    expect(new Set(published.map((c) => c.id)).size).toBe(published.length);

    // The relay starts over from 0 (a lost checkpoint): the same ids with the same content, twice.
    for (const attempt of [1, 2]) {
      await pipeline.checkpoints.save(RELAY_SUBSCRIBER, 0);
      const sink = createMemorySink();
      await createCommandRelay({
        store: pipeline.store,
        checkpoints: pipeline.checkpoints,
        sink,
        logger,
        batchSize: 3,
      }).catchUp();
      expect(sink.commands, `replay ${attempt}`).toEqual(published);
    }

    // The whole story delivered again, one by one and as a batch: duplicates, nothing written.
    expect((await pipeline.feed(seedStory())).map((r) => r.status)).toEqual(Array(8).fill('duplicate'));
    expect((await pipeline.ingest.submit(seedStory())).map((r) => r.status)).toEqual(Array(8).fill('duplicate'));
    await pipeline.settle();
    expect(pipeline.sink.commands).toEqual(published);
    expect(await pipeline.store.headPosition()).toBe(head);
    expect(await allEvents(pipeline.store)).toEqual(stored);
  });

  it('rules never trigger rules: no decision is ever recorded for a change a rule made', async () => {
    // Rules on every trigger a rule-made change could raise, so a leak would show as a decision.
    const rules = rulesFile({
      rules: [
        ...DEFAULT_RULES.rules,
        {
          id: 'tag-on-update',
          name: 'Tag every update',
          when: 'ticket.updated',
          then: [{ type: 'add_tag', tag: 'updated' }],
        },
        {
          id: 'assign-on-close',
          name: 'Assign closed tickets',
          when: 'ticket.closed',
          then: [
            { type: 'assign_team', team: 'Closers' },
            { type: 'add_internal_note', body: 'closed' },
          ],
        },
        {
          id: 'tag-on-reopen',
          name: 'Tag reopens',
          when: 'ticket.reopened',
          then: [{ type: 'add_tag', tag: 'was-reopened' }],
        },
      ],
    });
    await pipeline.close();
    pipeline = openPipeline(path(), { rules });
    await pipeline.feed([
      ...seedStory(),
      agentEvent('ticket.tagged', {
        id: 'agent-tag',
        time: '2026-03-05T10:00:00Z',
        ticketId: T2,
        data: { add: ['vip'] },
      }),
      agentEvent('ticket.assigned', {
        id: 'agent-assign',
        time: '2026-03-05T10:05:00Z',
        ticketId: T2,
        data: { team: 'Billing' },
      }),
    ]);

    const events = await pipeline.store.readAll({ streamPrefixes: ['ticket-'], maxCount: 1_000_000 });
    const byEventId = new Map(events.map((e) => [e.id, e]));
    const ruleMade = events.filter(isRuleMade);
    expect(new Set(ruleMade.map((e) => e.type))).toEqual(new Set(['TagsChanged', 'TicketAssigned', 'TicketClosed']));

    const recorded = await decisions(pipeline.store);
    for (const decision of recorded) {
      const trigger = byEventId.get(decision.data.trigger.eventId);
      expect(trigger, `trigger of ${decision.id}`).toBeDefined();
      expect(isRuleMade(trigger!), `${trigger!.type} ${trigger!.id} is rule-made`).toBe(false);
      expect(trigger!.type).not.toBe('RulesEvaluated');
    }
    const triggers = recorded.map((d) => d.data.trigger.eventId);
    expect(new Set(triggers).size).toBe(triggers.length);

    // The extra rules are live: they fired on the agent's changes.
    const fired = (d: RulesEvaluatedData) => d.evaluations.filter((e) => e.outcome === 'fired').map((e) => e.ruleId);
    expect(fired(await decisionFor(pipeline.store, T2, 'TagsChanged'))).toEqual(['tag-on-update']);
    expect(fired(await decisionFor(pipeline.store, T, 'TicketClosed'))).toEqual(['assign-on-close']);
    expect(fired(await decisionFor(pipeline.store, T, 'TicketReopened'))).toEqual(['tag-on-reopen']);
  });

  describe('auto-reply guards', () => {
    const JEAN: CustomerFixture = { id: 'cus_jean', name: 'Jean Martin', phone: '+33698765432' };
    const first = (id: string, time: string) =>
      messageReceived({ id, time, body: "Bonjour, j'ai un souci", customer: JEAN });
    const close = (ticketId: string, time: string) =>
      agentEvent('ticket.closed', { time, ticketId, customerId: JEAN.id });
    const write = (id: string, time: string, body: string) => messageReceived({ id, time, body, customer: JEAN });
    const autoReplyOutcome = (d: RulesEvaluatedData) =>
      d.evaluations.find((e) => e.ruleId === 'sms-reopened')?.actions.find((a) => a.type === 'send_auto_reply');
    const J = ticketIdFor(SMS_SOURCE, 'j-1');

    it('rate limit: a second reopen one minute after an auto-reply gets none (rate_limited, recorded); after 5 minutes it does', async () => {
      await pipeline.feed([
        first('j-1', '2026-03-02T08:00:00Z'),
        close(J, '2026-03-02T08:01:00Z'),
        write('j-2', '2026-03-02T08:02:00Z', 'Encore une question'),
        close(J, '2026-03-02T08:02:30Z'),
        write('j-3', '2026-03-02T08:03:00Z', 'Et une autre chose'),
        close(J, '2026-03-02T08:04:00Z'),
        write('j-4', '2026-03-02T08:08:00Z', 'Toujours là ?'),
      ]);
      const outcomes = await Promise.all(
        [1, 2, 3].map(async (n) => autoReplyOutcome(await decisionFor(pipeline.store, J, 'MessageReceived', n))),
      );
      expect(outcomes.map((o) => [o?.status, o?.reason])).toEqual([
        ['emitted', undefined],
        ['suppressed', 'rate_limited'],
        ['emitted', undefined],
      ]);
      expect(outcomes[1]?.detail).toContain('2026-03-02T08:02:00.000Z');
      const sends = pipeline.sink.commands.filter((c) => c.type === 'message.send');
      expect(sends.map((c) => c.time)).toEqual(['2026-03-02T08:02:00.000Z', '2026-03-02T08:08:00.000Z']);
    });

    it('opt-out: after "STOP" no auto-reply on sms (opted_out, recorded); "START" restores it', async () => {
      await pipeline.feed([
        first('j-1', '2026-03-02T08:00:00Z'),
        close(J, '2026-03-02T08:10:00Z'),
        write('j-stop', '2026-03-02T08:20:00Z', 'STOP'),
        close(J, '2026-03-02T08:30:00Z'),
        write('j-2', '2026-03-02T09:00:00Z', 'Toujours là ?'),
        write('j-start', '2026-03-02T09:05:00Z', 'START'),
        close(J, '2026-03-02T09:10:00Z'),
        write('j-3', '2026-03-02T09:20:00Z', 'Une autre question'),
      ]);
      const reopens = [1, 2, 4];
      const outcomes = await Promise.all(
        reopens.map(async (n) => autoReplyOutcome(await decisionFor(pipeline.store, J, 'MessageReceived', n))),
      );
      expect(outcomes.map((o) => [o?.status, o?.reason])).toEqual([
        ['suppressed', 'opted_out'],
        ['suppressed', 'opted_out'],
        ['emitted', undefined],
      ]);
      const sends = pipeline.sink.commands.filter((c) => c.type === 'message.send');
      expect(sends.map((c) => [c.time, c.data.correlationId])).toEqual([['2026-03-02T09:20:00.000Z', 'j-3']]);
      const consent = (await pipeline.store.readStream(customerStream(JEAN.id))).map((e) => e.type);
      expect(consent.filter((t) => t !== 'CustomerRouted')).toEqual([
        'CustomerOptedOut',
        'CustomerOptedIn',
        'AutoReplyRecorded',
      ]);
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// Crashes and replays on a longer history: the seed story plus generated traffic.

/** A small deterministic PRNG (mulberry32): the same seed, the same traffic and the same crashes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const CUSTOMERS: CustomerFixture[] = [1, 2, 3].map((n) => ({
  id: `cus_${n}`,
  name: `Client ${n}`,
  phone: `+3360000000${n}`,
  email: `client${n}@example.com`,
}));
// Mostly real questions; thanks (auto-close) and consent keywords now and then.
const BODIES = [
  "Bonjour, ma commande n'est pas arrivée",
  'Vous pouvez me rappeler ?',
  'Où en est mon remboursement ?',
  'Merci !',
  'thanks 👍',
  'ok parfait merci',
  "merci mais ma commande n'est pas arrivée",
  'Toujours rien reçu',
  '¿Dónde está mi pedido?',
  'STOP',
  'START',
];
const CHANNELS = ['sms', 'sms', 'sms', 'email', 'chat'] as const;
const MINUTE = 60_000;
// Traffic comes in bursts: seconds apart inside a chunk (a customer reopening twice within the
// auto-reply rate limit), hours or days between chunks (around and past the reopen windows), and
// sometimes back in time (a late delivery).
const BURST_GAPS = [10_000, 30_000, MINUTE, 2 * MINUTE];
const CHUNK_GAPS = [
  10 * MINUTE,
  60 * MINUTE,
  6 * 60 * MINUTE,
  20 * 60 * MINUTE,
  23 * 60 * MINUTE,
  25 * 60 * MINUTE,
  3 * 1440 * MINUTE,
  -30 * MINUTE,
];

/**
 * The next generated inbound event. Agent events act on the customer's current ticket on the
 * channel, read from the store (routing is the ingest's, so it is known as soon as it is submitted).
 */
async function generateEvent(
  random: () => number,
  n: number,
  clock: number,
  who: CustomerFixture,
  channel: 'sms' | 'email' | 'chat',
  store: EventStore,
  history: readonly unknown[],
  forced?: 'message' | 'close',
): Promise<unknown> {
  if (forced === undefined && history.length > 0 && random() < 0.05) return pick(random, history); // a redelivery
  const time = new Date(clock).toISOString();
  const routes = foldCustomerRecords(
    await store.readStream(customerStream(who.id)),
    initialCustomerState(who.id),
  ).routes;
  const ticketId = routes[channel];
  const roll = forced === 'message' ? 0 : forced === 'close' ? 0.6 : random();
  if (ticketId === undefined || roll < 0.5) {
    return messageReceived({
      id: `gen-${n}`,
      source: channel === 'sms' ? SMS_SOURCE : `https://${channel}.example/inbound`,
      time,
      body: forced === undefined ? pick(random, BODIES) : 'Vous pouvez me rappeler ?',
      customer: who,
      channel,
      integration: channel === 'sms' ? 'postscript' : null,
    });
  }
  const base = { id: `gen-${n}`, time, ticketId, customerId: who.id };
  if (roll < 0.8) return agentEvent('ticket.closed', base);
  if (roll < 0.86)
    return agentEvent('ticket.tagged', { ...base, data: { add: [pick(random, ['vip', 'billing', 'late'])] } });
  if (roll < 0.92)
    return agentEvent('ticket.assigned', {
      ...base,
      data: { team: pick(random, ['Billing', 'SMS Support', 'Logistics']) },
    });
  return agentEvent('message.sent', {
    ...base,
    data: { message: { id: `reply-${n}`, body: 'On regarde ça.' }, author: { type: 'agent', id: 'agent-lea' } },
  });
}

interface RunResult {
  /** The inbound events in arrival order, in the chunks after which the pipeline settled. */
  readonly chunks: readonly (readonly unknown[])[];
  readonly states: TicketState[];
  readonly commands: readonly Command[];
  readonly events: RecordedEvent[];
}

/** The clean run: the seed story, then generated traffic in chunks, settling after each chunk. */
async function cleanRun(path: string, seed: number, generated: number): Promise<RunResult> {
  const random = prng(seed);
  const pipeline = openPipeline(path);
  try {
    const story = seedStory();
    const chunks: unknown[][] = story.map((event) => [event]);
    for (const event of story) await pipeline.feed([event]);
    let clock = Date.parse('2026-03-06T08:00:00Z');
    const history: unknown[] = [...story];
    for (let n = 0; n < generated;) {
      const chunk: unknown[] = [];
      // Mostly one customer and channel per burst, so closes and replies follow each other closely.
      const regular = pick(random, CUSTOMERS);
      const usual = pick(random, CHANNELS);
      // Now and then a customer writes back twice within minutes of two closes (the rate limit).
      const script = random() < 0.15 ? (['close', 'message', 'close', 'message'] as const) : undefined;
      clock += pick(random, CHUNK_GAPS);
      const size = script?.length ?? 1 + Math.floor(random() * 8);
      for (let step = 0; step < size && n < generated; step++, n++) {
        clock += pick(random, BURST_GAPS);
        const who = script !== undefined || random() < 0.7 ? regular : pick(random, CUSTOMERS);
        const channel = script !== undefined ? 'sms' : random() < 0.7 ? usual : pick(random, CHANNELS);
        const event = await generateEvent(random, n, clock, who, channel, pipeline.store, history, script?.[step]);
        chunk.push(event);
        history.push(event);
        await pipeline.ingest.submit([event]);
      }
      chunks.push(chunk);
      await pipeline.settle();
    }
    return {
      chunks,
      states: await pipeline.readModel.all(),
      commands: [...pipeline.sink.commands],
      events: await allEvents(pipeline.store),
    };
  } finally {
    await pipeline.close();
  }
}

/** Thrown instead of the operation it replaces: the process died right there. */
class SimulatedCrash extends Error {}

/** Lets `budget` side effects through, then fails the next one (and every later one). */
class Fuse {
  constructor(
    private budget: number,
    /** Tells the rest of the process it is dying (the live loops stop with it). */
    private readonly onBlow: () => void = () => undefined,
  ) {}
  trip(what: string): void {
    if (this.budget-- > 0) return;
    this.onBlow();
    throw new SimulatedCrash(`crash before ${what}`);
  }
}

/** `target` with some methods replaced; every other member still reaches the real object. */
function overriding<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get: (real, property) => {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof T];
      const value: unknown = Reflect.get(real, property, real);
      return typeof value === 'function' ? value.bind(real) : value;
    },
  });
}

const fusedStore = (store: EventStore, fuse: Fuse): EventStore =>
  overriding(store, {
    append: async (stream, events, options) => (fuse.trip('append'), store.append(stream, events, options)),
    appendMany: async (appends) => (fuse.trip('appendMany'), store.appendMany(appends)),
  });
const fusedCheckpoints = (checkpoints: CheckpointStore, fuse: Fuse): CheckpointStore =>
  overriding(checkpoints, {
    save: async (subscriber, position) => (
      fuse.trip(`checkpoint ${subscriber}`),
      checkpoints.save(subscriber, position)
    ),
  });
// The sink outlives every crashed process: it is the downstream consumer, so closing it is not ours.
const fusedSink = (sink: CommandSink, fuse: Fuse): CommandSink =>
  overriding(sink, {
    publish: async (commands) => (fuse.trip('publish'), sink.publish(commands)),
    close: async () => undefined,
  });
const fusedReadModel = (readModel: TicketReadModel, fuse: Fuse): TicketReadModel =>
  overriding(readModel, {
    commit: async (rows, checkpoint, expected) => (
      fuse.trip('read model commit'),
      readModel.commit(rows, checkpoint, expected)
    ),
  });

interface Settled {
  readonly crashes: number;
  /** Whether the last process followed the store with `run(signal)` rather than `catchUp()`. */
  readonly live: boolean;
}

/**
 * Settles like the runtime, but each "process" dies after a few side effects (a checkpoint saved,
 * commands published, a projection committed) and a fresh one, with new
 * connections and small random batch sizes, takes over from what the file says. A process either
 * catches up in turn (`catchUp`, as `settle` does) or runs the three loops side by side (`run`, as
 * `serve` does) until they are all idle, then stops them.
 */
async function settleThroughCrashes(path: string, random: () => number, delivered: CommandSink): Promise<Settled> {
  for (let crashes = 0; crashes < 10_000; crashes++) {
    const live = random() < 0.3;
    const stop = new AbortController();
    const randomFuse = () =>
      new Fuse(random() < 0.15 ? Number.POSITIVE_INFINITY : Math.floor(random() * 6), () => stop.abort());
    // One fuse per component, so each of them gets to die at any of its steps, not only the first.
    const [relayFuse, projectorFuse] = [randomFuse(), randomFuse()];
    const batchSize = 1 + Math.floor(random() * 4);
    const store = createSqliteEventStore({ path, pollIntervalMs: 10 });
    const checkpoints = createSqliteCheckpointStore({ path });
    const readModel = createSqliteTicketReadModel({ path });
    const relay = createCommandRelay({
      store,
      checkpoints: fusedCheckpoints(checkpoints, relayFuse),
      sink: fusedSink(delivered, relayFuse),
      logger,
      batchSize,
    });
    const projector = createProjector({
      store,
      readModel: fusedReadModel(readModel, projectorFuse),
      logger,
      batchSize,
    });
    try {
      if (live) {
        if (await followUntilIdle({ store, checkpoints, readModel, stop, runs: [relay, projector] }))
          return { crashes, live };
      } else {
        await relay.catchUp();
        await projector.catchUp();
        return { crashes, live };
      }
    } catch (error) {
      if (!(error instanceof SimulatedCrash)) throw error;
    } finally {
      await readModel.close();
      await checkpoints.close();
      await store.close();
    }
  }
  throw new Error('never settled');
}

/**
 * Runs the loops together until every one of them has handled the last ticket event (true), or a
 * fuse blew and stopped them (false). A failure that is not a simulated crash is thrown.
 */
async function followUntilIdle(process: {
  store: EventStore;
  checkpoints: CheckpointStore;
  readModel: TicketReadModel;
  stop: AbortController;
  runs: readonly { run(signal: AbortSignal): Promise<void> }[];
}): Promise<boolean> {
  const { store, checkpoints, readModel, stop } = process;
  let ended = false;
  const runs = process.runs.map((loop) => loop.run(stop.signal));
  // Handled at once (not only after the wait), so a crash is never reported as unhandled.
  const markEnded = (): void => {
    ended = true;
  };
  for (const run of runs) run.then(markEnded, markEnded);
  const handledAll = async (position: number) =>
    (await store.readAll({ after: position, streamPrefixes: ['ticket-'], maxCount: 1 })).length === 0;
  const idle = async () =>
    (await handledAll(await checkpoints.load(RELAY_SUBSCRIBER))) && (await handledAll(await readModel.checkpoint()));
  await waitFor(async () => (stop.signal.aborted || ended || (await idle()) ? true : undefined), {
    intervalMs: 5,
    what: 'the live loops to go idle',
  });
  const blown = stop.signal.aborted;
  stop.abort();
  for (const outcome of await Promise.allSettled(runs)) if (outcome.status === 'rejected') throw outcome.reason;
  return !blown;
}

describe('a longer history: the seed story and 200 generated events', () => {
  const SEED = 20_260_302;
  let dir: ReturnType<typeof tempDir>;
  let clean: RunResult;
  const cleanPath = () => join(dir.path, 'clean.db');

  beforeAll(async () => {
    dir = tempDir();
    clean = await cleanRun(cleanPath(), SEED, 200);
  }, 30_000);
  afterAll(() => {
    dir[Symbol.dispose]();
  });

  it('the generated traffic exercises the rules (reopens, auto-replies, suppressions, follow-ups)', () => {
    const types = new Set(clean.commands.map((c) => c.type));
    expect([...types].sort()).toEqual([
      'message.send',
      'ticket.assign',
      'ticket.close',
      'ticket.note.add',
      'ticket.tag.add',
    ]);
    const outcomes = new Set(
      clean.events
        .filter((e) => e.type === 'RulesEvaluated')
        .flatMap((e) =>
          (e.data as RulesEvaluatedData).evaluations.flatMap((ev) => ev.actions.map((a) => a.reason ?? a.status)),
        ),
    );
    expect([...outcomes]).toEqual(expect.arrayContaining(['emitted', 'no_change', 'rate_limited', 'opted_out']));
    expect(clean.states.filter((s) => s.followUpOf !== null).length).toBeGreaterThan(0);
  });

  it('killed and restarted at arbitrary points, the ingest, relay and projector end where a clean run ends', async () => {
    const path = join(dir.path, 'crashy.db');
    const random = prng(SEED + 1);
    const delivered = createMemorySink();
    // The ingest dies before some of its commits, and the event is delivered again to a fresh one
    // (at least once); the relay and the projector die at any of their steps.
    const openIngest = () => {
      const store = createSqliteEventStore({ path });
      const fuse = new Fuse(random() < 0.3 ? Number.POSITIVE_INFINITY : Math.floor(random() * 4));
      return {
        store,
        ingest: createIngest({
          store: fusedStore(store, fuse),
          rules: DEFAULT_RULES,
          policy: DEFAULT_REOPEN_POLICY,
          logger,
        }),
      };
    };
    let current = openIngest();
    let crashes = 0;
    let ingestCrashes = 0;
    let liveSettles = 0;
    try {
      for (const chunk of clean.chunks) {
        // A new ingest process per chunk as well (a deployment): it starts with nothing cached.
        await current.ingest.close();
        await current.store.close();
        current = openIngest();
        for (const event of chunk) {
          for (;;) {
            try {
              await current.ingest.submit([event]);
              break;
            } catch (error) {
              if (!(error instanceof SimulatedCrash)) throw error;
              ingestCrashes++;
              await current.ingest.close();
              await current.store.close();
              current = openIngest();
            }
          }
        }
        const settled = await settleThroughCrashes(path, random, delivered);
        crashes += settled.crashes;
        if (settled.live) liveSettles++;
      }
    } finally {
      await current.ingest.close();
      await current.store.close();
    }
    expect(ingestCrashes).toBeGreaterThan(10);

    const store = createSqliteEventStore({ path });
    const readModel = createSqliteTicketReadModel({ path });
    try {
      expect(crashes).toBeGreaterThan(50);
      expect(liveSettles).toBeGreaterThan(5);
      expect(await readModel.all()).toEqual(clean.states);
      // Not only the states: the very same history, event for event.
      expect(await allEvents(store)).toEqual(clean.events);
    } finally {
      await readModel.close();
      await store.close();
    }

    // At least once, with the same content each time: the set of ids is the clean run's.
    const expected = byId(clean.commands);
    expect(expected.size).toBe(clean.commands.length);
    for (const command of delivered.commands) expect(command).toEqual(expected.get(command.id));
    expect(new Set(delivered.commands.map((c) => c.id))).toEqual(new Set(expected.keys()));
    // Some commands were published again after a crash before the relay's checkpoint moved.
    expect(delivered.commands.length).toBeGreaterThan(expected.size);
  }, 30_000);

  it('invariant 4: replay from zero gives the same states and commands, whatever the clock, rules and policy now', async () => {
    const otherRules = rulesFile({
      autoReplyRateLimit: '1m',
      rules: [
        {
          id: 'new-rule',
          name: 'A rule written after the fact',
          when: 'message.received',
          then: [
            { type: 'add_tag', tag: 'new-rule' },
            { type: 'send_auto_reply', body: 'Bonjour' },
          ],
        },
      ],
    });
    const replay = openPipeline(cleanPath(), {
      rules: otherRules,
      policy: { default: '1h' },
      clock: () => new Date('2099-01-01T00:00:00Z'),
    });
    try {
      const head = await replay.store.headPosition();

      // Other rules and another policy now decide new events only: the recorded ones stay as they were.
      expect(await replay.store.headPosition()).toBe(head);

      // The projection rebuilt from zero.
      expect(await replay.projector.rebuild()).toBeGreaterThan(0);
      expect(await replay.readModel.all()).toEqual(clean.states);

      // The commands published again from zero: the same, in the same order.
      await replay.checkpoints.save(RELAY_SUBSCRIBER, 0);
      await replay.relay.catchUp();
      expect(replay.sink.commands).toEqual(clean.commands);

      expect(await allEvents(replay.store)).toEqual(clean.events);
    } finally {
      await replay.close();
    }
  });
});
