#!/usr/bin/env node
// End-to-end check of a running broker with the client the services use (kafkajs): admin,
// produce with acks -1, a fresh consumer group reading from the beginning, offset commit,
// group description, clean-up. Prints one line and exits 0, or explains and exits 1.
//
//   node smoke.mjs [127.0.0.1:9092]        (kafka.sh smoke [VERSION] passes KAFKA_VERSION)
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { probe, API_NAMES } from './probe.mjs';

const bootstrap = process.argv[2] ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`;
const MESSAGES = 100;
const PARTITIONS = 3;
const DEADLINE_MS = 60_000;

// kafkajs is CommonJS and a dependency of @tickets/messaging, hoisted to the repo's
// node_modules by npm; require from here walks up to it (NODE_PATH also works).
const require = createRequire(import.meta.url);
let kafkajs, kafkajsVersion;
try {
  kafkajs = require('kafkajs');
  kafkajsVersion = require('kafkajs/package.json').version;
} catch {
  console.error(
    'kafka smoke: kafkajs is not installed (run npm ci at the repo root, or point NODE_PATH at a node_modules that has it)',
  );
  process.exit(1);
}
const { Kafka, Partitioners, logLevel } = kafkajs;

// kafkajs logs each request at debug level as "Request <Api>(key: k, version: v)": collecting
// those shows which version it negotiated per API. Errors are kept for the failure report only,
// since the first coordinator lookups on a fresh broker fail and are retried by design.
const used = new Map();
const errors = [];
const logCreator =
  () =>
  ({ level, log }) => {
    const m = /^Request (\w+)\(key: (\d+), version: (\d+)\)/.exec(log.message);
    if (m) {
      const key = Number(m[2]);
      if (!used.has(key)) used.set(key, new Set());
      used.get(key).add(Number(m[3]));
    } else if (level <= logLevel.WARN) {
      errors.push(`${log.message}${log.error ? `: ${log.error}` : ''}`);
    }
  };

const timer = setTimeout(() => fail(new Error(`not done within ${DEADLINE_MS / 1000} s`)), DEADLINE_MS);
function fail(err) {
  console.error(`kafka smoke FAILED against ${bootstrap}: ${err.stack ?? err}`);
  if (errors.length)
    console.error(`kafkajs warnings/errors (${errors.length}, last 10):\n  ${errors.slice(-10).join('\n  ')}`);
  process.exit(1);
}

async function main() {
  const broker = await probe(bootstrap);
  const kafka = new Kafka({
    clientId: 'tickets-kafka-smoke',
    brokers: [bootstrap],
    logLevel: logLevel.DEBUG,
    logCreator,
  });
  const suffix = randomUUID().slice(0, 8);
  const topic = `tickets-smoke-${suffix}`;
  const groupId = `tickets-smoke-${suffix}`;

  const admin = kafka.admin();
  await admin.connect();
  const cluster = await admin.describeCluster();
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
  });

  // The default (murmur2, Java-compatible) partitioner, named so kafkajs does not warn about it.
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const t0 = performance.now();
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: MESSAGES }, (_, i) => ({ key: `stream-${i}`, value: JSON.stringify({ i }) })),
  });
  const produceMs = performance.now() - t0;
  await producer.disconnect();

  // Auto-commit off: the check commits the offsets itself, then reads them back. A short fetch
  // wait: disconnect waits for the fetch in flight (5 s by default once the topic is drained).
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Set();
  const next = new Map();
  let lastOffsetOutOfOrder = false;
  const t1 = performance.now();
  const allIn = new Promise((resolve) => {
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const offset = Number(message.offset);
        if (next.has(partition) && offset < next.get(partition)) lastOffsetOutOfOrder = true;
        next.set(partition, offset + 1);
        seen.add(JSON.parse(message.value.toString()).i);
        if (seen.size === MESSAGES) resolve();
      },
    });
  });
  await allIn;
  const consumeMs = performance.now() - t1;
  if (lastOffsetOutOfOrder) throw new Error('offsets went backwards within a partition');
  await consumer.commitOffsets([...next].map(([partition, offset]) => ({ topic, partition, offset: String(offset) })));

  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committedTotal = committed.partitions.reduce((n, p) => n + Number(p.offset), 0);
  if (committedTotal !== MESSAGES)
    throw new Error(`committed offsets add up to ${committedTotal}, expected ${MESSAGES}`);
  const {
    groups: [group],
  } = await admin.describeGroups([groupId]);
  if (group.state !== 'Stable' || group.members.length !== 1)
    throw new Error(`group ${groupId} is ${group.state} with ${group.members.length} members`);

  // Group first: once its topic is gone the broker may drop the empty group on its own, and
  // deleting it then fails with GROUP_ID_NOT_FOUND.
  await consumer.disconnect();
  await admin.deleteGroups([groupId]);
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();

  const perPartition = committed.partitions
    .sort((a, b) => a.partition - b.partition)
    .map((p) => p.offset)
    .join('/');
  const negotiated = [...used.keys()]
    .sort((a, b) => a - b)
    .map((key) => {
      const range = broker.apis[key];
      return `${API_NAMES[key] ?? `api${key}`} v${[...used.get(key)].join(',')}${range ? ` [${range.min}-${range.max}]` : ''}`;
    });
  const started = process.env.KAFKA_VERSION ? `, started as ${process.env.KAFKA_VERSION}` : '';
  console.log(
    `kafka smoke ok: broker ${broker.release} (metadata.version level ${broker.metadataVersionLevel}${started}; ` +
      `cluster ${cluster.clusterId}, ${cluster.brokers.length} broker) | ${MESSAGES} msgs acks=-1 over ${PARTITIONS} partitions ` +
      `(${perPartition}) produced in ${produceMs.toFixed(0)} ms, consumed by a fresh group in ${consumeMs.toFixed(0)} ms, ` +
      `committed, group Stable, group and topic deleted | kafkajs ${kafkajsVersion} used (broker range): ${negotiated.join(', ')}`,
  );
}

main().then(() => {
  clearTimeout(timer);
  process.exit(0);
}, fail);
