#!/usr/bin/env node
// Worked example: a downstream consumer applying the commands of `tickets.commands` exactly once.
//
//   KAFKA_BROKERS=127.0.0.1:9092 node apply-commands.mjs [--db applied.db] [--group my-consumer]
//                                                      [--topic tickets.commands] [--idle-ms 5000]
//
// Delivery is at least once: after a crash or a rebalance, commands are delivered again, and the
// service itself may publish a command twice. Every command has a deterministic `id`, so the consumer
// records the ids it applied, in the same transaction as the effect: a command seen again changes
// nothing. Node.js >= 22.13 (node:sqlite) and kafkajs. With --idle-ms it stops after that long without
// a record and prints what it did (the way the contract test runs it); without, it runs until Ctrl-C.
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';

const { values: options } = parseArgs({
  options: {
    db: { type: 'string', default: 'applied-commands.db' },
    group: { type: 'string', default: 'command-consumer' },
    topic: { type: 'string', default: 'tickets.commands' },
    'idle-ms': { type: 'string' },
  },
});

const db = new DatabaseSync(options.db);
db.exec(`
  CREATE TABLE IF NOT EXISTS applied_commands (id TEXT PRIMARY KEY, type TEXT NOT NULL, ticket_id TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS ticket_tags (ticket_id TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (ticket_id, tag));
  CREATE TABLE IF NOT EXISTS outbox (command_id TEXT PRIMARY KEY, ticket_id TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
`);
const remember = db.prepare('INSERT OR IGNORE INTO applied_commands (id, type, ticket_id) VALUES (?, ?, ?)');
const addTag = db.prepare('INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, ?)');
const removeTag = db.prepare('DELETE FROM ticket_tags WHERE ticket_id = ? AND tag = ?');
const enqueue = db.prepare('INSERT INTO outbox (command_id, ticket_id, kind, detail) VALUES (?, ?, ?, ?)');

/** Applies one command unless its id was applied before; true when it was new. */
function apply(command) {
  db.exec('BEGIN IMMEDIATE');
  try {
    const fresh = remember.run(command.id, command.type, command.subject).changes === 1;
    if (fresh) {
      const { data } = command;
      switch (command.type) {
        case 'ticket.tag.add':
          addTag.run(command.subject, data.tag);
          break;
        case 'ticket.tag.remove':
          removeTag.run(command.subject, data.tag);
          break;
        // The rest leaves this process: an outbox that a sender empties (the SMS provider, the helpdesk API).
        case 'message.send':
          enqueue.run(
            command.id,
            command.subject,
            'send',
            JSON.stringify({ channel: data.channel, to: data.to, body: data.body }),
          );
          break;
        case 'ticket.assign':
        case 'ticket.note.add':
        case 'ticket.close':
          enqueue.run(command.id, command.subject, command.type, JSON.stringify(data));
          break;
        default:
          // A command type newer than this consumer: recorded as seen, left for a later version to handle.
          break;
      }
    }
    db.exec('COMMIT');
    return fresh;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

const kafka = new Kafka({
  clientId: 'command-consumer',
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  logLevel: logLevel.WARN,
});
const consumer = kafka.consumer({ groupId: options.group });
const counts = { applied: 0, alreadyApplied: 0 };
let joined = false;
let lastRecordAt = Date.now();
consumer.on(consumer.events.GROUP_JOIN, () => {
  joined = true;
  lastRecordAt = Date.now();
});

await consumer.connect();
await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
// The offset is committed after the handler returns: a crash in between redelivers, and `apply` absorbs it.
await consumer.run({
  eachMessage: async ({ message }) => {
    lastRecordAt = Date.now();
    if (apply(JSON.parse(message.value.toString('utf8')))) counts.applied++;
    else counts.alreadyApplied++;
  },
});

const stop = async () => {
  await consumer.disconnect();
  db.close();
  console.log(JSON.stringify(counts));
};
if (options['idle-ms'] === undefined) {
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  const idleMs = Number(options['idle-ms']);
  while (!joined || Date.now() - lastRecordAt < idleMs) await new Promise((resolve) => setTimeout(resolve, 100));
  await stop();
}
