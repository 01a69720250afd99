import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { Command } from '@tickets/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandSinkError } from './command-sink.port.js';
import { createMemorySink } from './memory-sink.js';
import { createNdjsonFileSink } from './ndjson-file-sink.js';
import { createSink, parseSinkSpec, SinkSpecError } from './parse-sink-url.js';
import { createStdoutSink } from './stdout-sink.js';

const tagCommand = (n: number): Command => ({
  specversion: '1.0',
  id: `cmd_sinks_${n}`,
  source: 'urn:tickets:rule-reactor',
  type: 'ticket.tag.add',
  subject: `tk_sinks_${n}`,
  time: '2025-03-01T09:00:00.000Z',
  datacontenttype: 'application/json',
  data: { ruleId: 'sms-reopened', causationId: `ev_${n}`, correlationId: `in_${n}`, tag: 'reopened-sms' },
});
const batch = (from: number, count: number): Command[] => Array.from({ length: count }, (_, i) => tagCommand(from + i));

const readLines = async (path: string): Promise<Command[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Command);

function collectingStream() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'command-sinks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ndjson file sink', () => {
  it('creates the directories and writes one JSON line per command', async () => {
    const path = join(dir, 'writes', 'nested', 'commands.ndjson');
    const sink = createNdjsonFileSink(path);
    await sink.publish(batch(1, 3));
    // Readable as soon as publish resolves, before close.
    expect(await readLines(path)).toEqual(batch(1, 3));
    await sink.close();
    expect((await readFile(path, 'utf8')).endsWith('}\n')).toBe(true);
  });

  it('appends across publishes and across sinks on the same file', async () => {
    const path = join(dir, 'appends', 'commands.ndjson');
    const first = createNdjsonFileSink(path);
    await first.publish(batch(1, 2));
    await first.publish(batch(3, 1));
    await first.close();
    const second = createNdjsonFileSink(path);
    await second.publish(batch(4, 2));
    await second.close();
    expect(await readLines(path)).toEqual(batch(1, 5));
  });

  it('keeps concurrent batches whole and in publish order', async () => {
    const path = join(dir, 'concurrent', 'commands.ndjson');
    const sink = createNdjsonFileSink(path);
    await Promise.all([sink.publish(batch(1, 200)), sink.publish(batch(201, 1)), sink.publish(batch(202, 300))]);
    await sink.close();
    expect(await readLines(path)).toEqual(batch(1, 501));
  });

  it('does not create the file for an empty batch', async () => {
    const path = join(dir, 'empty', 'commands.ndjson');
    const sink = createNdjsonFileSink(path);
    await sink.publish([]);
    await sink.close();
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses to publish once closed, and closes twice quietly', async () => {
    const sink = createNdjsonFileSink(join(dir, 'closed', 'commands.ndjson'));
    await sink.close();
    await sink.close();
    await expect(sink.publish(batch(1, 1))).rejects.toMatchObject({ code: 'SINK.CLOSED' });
  });

  it('reports a path it cannot write as a sink error, and works once the path is fixed', async () => {
    const blocker = join(dir, 'blocked');
    await writeFile(blocker, 'a file where a directory should be');
    const path = join(blocker, 'commands.ndjson');
    const sink = createNdjsonFileSink(path);
    const failure = await sink.publish(batch(1, 1)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CommandSinkError);
    expect(failure).toMatchObject({ code: 'SINK.UNAVAILABLE', retriable: false });

    await rm(blocker);
    await sink.publish(batch(2, 1));
    await sink.close();
    expect(await readLines(path)).toEqual(batch(2, 1));
  });
});

describe('stdout sink', () => {
  it('writes NDJSON to the given stream and leaves it open on close', async () => {
    const { stream, text } = collectingStream();
    const sink = createStdoutSink(stream);
    await sink.publish(batch(1, 2));
    await sink.publish([]);
    await sink.publish(batch(3, 1));
    await sink.close();
    expect(text()).toBe(
      batch(1, 3)
        .map((command) => `${JSON.stringify(command)}\n`)
        .join(''),
    );
    expect(stream.writable).toBe(true);
    await expect(sink.publish(batch(4, 1))).rejects.toMatchObject({ code: 'SINK.CLOSED' });
  });

  it('rejects with a sink error when the stream fails', async () => {
    const broken = new Writable({
      write(_chunk, _encoding, done) {
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    broken.on('error', () => {});
    const sink = createStdoutSink(broken);
    await expect(sink.publish(batch(1, 1))).rejects.toMatchObject({
      name: 'CommandSinkError',
      code: 'SINK.UNAVAILABLE',
    });
  });
});

describe('memory sink', () => {
  it('collects commands and batches in order, copies them, and clears', async () => {
    const sink = createMemorySink();
    const first = batch(1, 2);
    await sink.publish(first);
    await sink.publish([]);
    await sink.publish(batch(3, 1));
    first.pop();
    expect(sink.commands).toEqual(batch(1, 3));
    expect(sink.batches).toEqual([batch(1, 2), [], batch(3, 1)]);
    sink.clear();
    expect(sink.commands).toEqual([]);
    expect(sink.batches).toEqual([]);
  });

  it('keeps what it collected after close but accepts no more', async () => {
    const sink = createMemorySink();
    await sink.publish(batch(1, 1));
    await sink.close();
    await expect(sink.publish(batch(2, 1))).rejects.toMatchObject({ code: 'SINK.CLOSED', retriable: false });
    expect(sink.commands).toEqual(batch(1, 1));
  });
});

describe('parseSinkSpec', () => {
  it.each([
    ['stdout', { kind: 'stdout' }],
    ['-', { kind: 'stdout' }],
    ['none', { kind: 'none' }],
    [' none ', { kind: 'none' }],
    ['file:./out/commands.ndjson', { kind: 'file', path: './out/commands.ndjson' }],
    ['file:out/commands.txt', { kind: 'file', path: 'out/commands.txt' }],
    ['file:///var/tmp/commands.ndjson', { kind: 'file', path: '/var/tmp/commands.ndjson' }],
    ['./out/commands.ndjson', { kind: 'file', path: './out/commands.ndjson' }],
    ['/var/tmp/commands.jsonl', { kind: 'file', path: '/var/tmp/commands.jsonl' }],
    ['http://127.0.0.1:8080/hooks/commands', { kind: 'webhook', url: 'http://127.0.0.1:8080/hooks/commands' }],
    [
      'https://hooks.example.com/tickets?token=t',
      { kind: 'webhook', url: 'https://hooks.example.com/tickets?token=t' },
    ],
  ])('reads %j', (spec, expected) => {
    expect(parseSinkSpec(spec)).toEqual(expected);
  });

  it.each([
    ['', 'the value is empty'],
    ['stderr', 'unsupported value "stderr"'],
    ['commands.txt', 'unsupported value "commands.txt"'],
    ['kafka://broker:9092/commands', 'unsupported scheme "kafka:"'],
    ['file:', 'file: needs a path'],
    ['http://', 'is not a valid URL'],
  ])('refuses %j, naming --commands', (spec, reason) => {
    const error = (() => {
      try {
        parseSinkSpec(spec);
      } catch (caught) {
        return caught;
      }
      throw new Error('expected a SinkSpecError');
    })();
    expect(error).toBeInstanceOf(SinkSpecError);
    expect(error).toBeInstanceOf(CommandSinkError);
    expect(error).toMatchObject({ code: 'SINK.INVALID_SPEC', option: '--commands', retriable: false, spec });
    expect((error as Error).message).toMatch(/^--commands: /);
    expect((error as Error).message).toContain(reason);
    expect((error as Error).message).toContain('file:PATH');
  });

  it('does not echo credentials', () => {
    expect(() => parseSinkSpec('amqp://user:s3cret@broker/commands')).toThrow(/amqp:\/\/\*\*\*@broker/);
    expect(() => parseSinkSpec('amqp://user:s3cret@broker/commands')).not.toThrow(/s3cret/);
  });
});

describe('createSink', () => {
  it('builds a working sink for each form', async () => {
    const path = join(dir, 'created', 'commands.ndjson');
    const { stream, text } = collectingStream();

    const none = createSink('none');
    await none.publish(batch(1, 2));
    await none.close();

    const file = createSink(pathToFileURL(path).href);
    await file.publish(batch(1, 2));
    await file.close();
    expect(await readLines(path)).toEqual(batch(1, 2));

    const stdout = createSink('stdout', { stdout: stream });
    await stdout.publish(batch(3, 1));
    await stdout.close();
    expect(text()).toBe(`${JSON.stringify(tagCommand(3))}\n`);

    const webhook = createSink('https://hooks.example.com/commands');
    await webhook.publish([]);
    await webhook.close();
  });

  it('throws SinkSpecError for an unknown form', () => {
    expect(() => createSink('stderr')).toThrow(SinkSpecError);
  });
});
