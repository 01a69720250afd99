#!/usr/bin/env node
// Dependency-free Kafka wire probe: ApiVersions v3 then Metadata v4 over one socket.
// kafka.sh uses it as its readiness check (a JVM admin tool would add seconds per poll, and
// kafkajs may not be installed yet when the broker starts); smoke.mjs reuses it to show what
// the broker offers next to what kafkajs picked.
//
//   node probe.mjs 127.0.0.1:9092 [--timeout-ms 2000] [--json]
// Exit 0 when the broker answered both requests and listed at least one broker, 1 otherwise.
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const API_VERSIONS = 18;
const METADATA = 3;
const CLIENT_ID = 'tickets-kafka-probe';

// Release line of each KRaft metadata.version feature level (levels read from the
// MetadataVersion enum of the 4.4.0 jars). The broker reports its level in ApiVersions; after
// `format` it is the newest production level of the release that formatted the storage.
const METADATA_LEVELS = [
  [21, 21, '3.9'],
  [22, 25, '4.0'],
  [26, 27, '4.1'],
  [28, 29, '4.2'],
  [30, 30, '4.3'],
  [31, 33, '4.4'],
];

export function releaseOfMetadataLevel(level) {
  for (const [lo, hi, release] of METADATA_LEVELS) if (level >= lo && level <= hi) return release;
  if (level > METADATA_LEVELS.at(-1)[1]) return 'newer than 4.4';
  return 'older than 3.9';
}

// Names for the APIs we print; the rest are shown by number.
export const API_NAMES = {
  0: 'Produce',
  1: 'Fetch',
  2: 'ListOffsets',
  3: 'Metadata',
  8: 'OffsetCommit',
  9: 'OffsetFetch',
  10: 'FindCoordinator',
  11: 'JoinGroup',
  12: 'Heartbeat',
  13: 'LeaveGroup',
  14: 'SyncGroup',
  15: 'DescribeGroups',
  16: 'ListGroups',
  18: 'ApiVersions',
  19: 'CreateTopics',
  20: 'DeleteTopics',
  22: 'InitProducerId',
  32: 'DescribeConfigs',
  42: 'DeleteGroups',
  60: 'DescribeCluster',
};

class Writer {
  constructor() {
    this.parts = [];
  }
  int8(v) {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    this.parts.push(b);
    return this;
  }
  int16(v) {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  int32(v) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  uvarint(v) {
    const bytes = [];
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    bytes.push(v);
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  string(s) {
    const b = Buffer.from(s, 'utf8');
    this.int16(b.length);
    this.parts.push(b);
    return this;
  }
  compactString(s) {
    const b = Buffer.from(s, 'utf8');
    this.uvarint(b.length + 1);
    this.parts.push(b);
    return this;
  }
  // Size-prefixed frame, as every Kafka request is sent.
  frame() {
    const body = Buffer.concat(this.parts);
    const len = Buffer.alloc(4);
    len.writeInt32BE(body.length);
    return Buffer.concat([len, body]);
  }
}

class Reader {
  constructor(buf) {
    this.buf = buf;
    this.pos = 0;
  }
  int8() {
    const v = this.buf.readInt8(this.pos);
    this.pos += 1;
    return v;
  }
  int16() {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32() {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  int64() {
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  uvarint() {
    let v = 0,
      shift = 0,
      b;
    do {
      b = this.buf[this.pos++];
      v |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return v >>> 0;
  }
  bytes(n) {
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  nullableString() {
    const n = this.int16();
    return n < 0 ? null : this.bytes(n).toString('utf8');
  }
  compactString() {
    const n = this.uvarint() - 1;
    return n < 0 ? null : this.bytes(n).toString('utf8');
  }
  // Tagged fields we do not know are skipped by their declared size.
  taggedFields(handlers = {}) {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      const size = this.uvarint();
      const end = this.pos + size;
      if (handlers[tag]) handlers[tag](this);
      this.pos = end;
    }
  }
}

// One connection, requests sent one after another; responses matched by correlation id.
function connect(host, port, timeoutMs) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let pending = Buffer.alloc(0);
    const waiters = new Map();
    const fail = (err) => {
      for (const w of waiters.values()) w.reject(err);
      waiters.clear();
      socket.destroy();
    };
    socket.setTimeout(timeoutMs, () => {
      fail(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`));
      reject(new Error('connect timeout'));
    });
    socket.on('error', (err) => {
      fail(err);
      reject(err);
    });
    socket.on('close', () => fail(new Error('connection closed by broker')));
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        const frame = pending.subarray(4, 4 + size);
        pending = pending.subarray(4 + size);
        const id = frame.readInt32BE(0);
        const w = waiters.get(id);
        if (w) {
          waiters.delete(id);
          w.resolve(new Reader(frame.subarray(4)));
        }
      }
    });
    socket.on('connect', () => {
      let nextId = 1;
      resolve({
        send(build) {
          const id = nextId++;
          return new Promise((res, rej) => {
            waiters.set(id, { resolve: res, reject: rej });
            socket.write(build(id));
          });
        },
        close() {
          socket.end();
          socket.destroy();
        },
      });
    });
  });
}

function parseApiVersionsV3(r) {
  const errorCode = r.int16();
  const apis = {};
  const n = r.uvarint() - 1;
  for (let i = 0; i < n; i++) {
    const key = r.int16(),
      min = r.int16(),
      max = r.int16();
    r.taggedFields();
    apis[key] = { min, max };
  }
  r.int32(); // throttle_time_ms
  const finalizedFeatures = {};
  r.taggedFields({
    2: (t) => {
      const count = t.uvarint() - 1;
      for (let i = 0; i < count; i++) {
        const name = t.compactString();
        const maxLevel = t.int16();
        const minLevel = t.int16();
        t.taggedFields();
        finalizedFeatures[name] = { min: minLevel, max: maxLevel };
      }
    },
  });
  return { errorCode, apis, finalizedFeatures };
}

function parseMetadataV4(r) {
  r.int32(); // throttle_time_ms
  const brokers = [];
  const n = r.int32();
  for (let i = 0; i < n; i++) {
    const nodeId = r.int32();
    const host = r.nullableString();
    const port = r.int32();
    r.nullableString(); // rack
    brokers.push({ nodeId, host, port });
  }
  const clusterId = r.nullableString();
  const controllerId = r.int32();
  return { brokers, clusterId, controllerId };
}

export async function probe(bootstrap, { timeoutMs = 2000 } = {}) {
  const [host, portText] = bootstrap.split(':');
  const conn = await connect(host, Number(portText), timeoutMs);
  try {
    // ApiVersions v3: flexible request header v2 (client id still a classic string, then tags);
    // its response header stays v0 so old clients can always read it.
    const av = parseApiVersionsV3(
      await conn.send((id) =>
        new Writer()
          .int16(API_VERSIONS)
          .int16(3)
          .int32(id)
          .string(CLIENT_ID)
          .uvarint(0)
          .compactString(CLIENT_ID)
          .compactString('1')
          .uvarint(0)
          .frame(),
      ),
    );
    if (av.errorCode !== 0) throw new Error(`ApiVersions error code ${av.errorCode}`);
    const range = av.apis[METADATA];
    // v4 is the oldest Metadata version 4.x still serves and fits 3.x too; a future broker that
    // drops it is reported instead of being misread.
    if (!range || range.min > 4 || range.max < 4)
      throw new Error(`broker offers Metadata v${range?.min}-${range?.max}, probe speaks v4`);
    // Metadata v4, request header v1: topics null (= all), allow_auto_topic_creation false.
    const md = parseMetadataV4(
      await conn.send((id) =>
        new Writer().int16(METADATA).int16(4).int32(id).string(CLIENT_ID).int32(-1).int8(0).frame(),
      ),
    );
    if (md.brokers.length === 0) throw new Error('metadata lists no broker yet');
    const level = av.finalizedFeatures['metadata.version']?.max;
    return {
      ...av,
      ...md,
      metadataVersionLevel: level,
      release: level === undefined ? undefined : releaseOfMetadataLevel(level),
    };
  } finally {
    conn.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const bootstrap = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a)) ?? '127.0.0.1:9092';
  const t = args.indexOf('--timeout-ms');
  const timeoutMs = t >= 0 ? Number(args[t + 1]) : 2000;
  try {
    const res = await probe(bootstrap, { timeoutMs });
    if (args.includes('--json')) {
      console.log(JSON.stringify(res));
    } else {
      const b = res.brokers.map((x) => `${x.nodeId}@${x.host}:${x.port}`).join(',');
      console.log(
        `kafka up at ${bootstrap}: cluster ${res.clusterId}, brokers ${b}, metadata.version level ${res.metadataVersionLevel} (${res.release})`,
      );
    }
  } catch (err) {
    console.error(`kafka probe ${bootstrap}: ${err.message}`);
    process.exit(1);
  }
}
