import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { followUntil } from './follow-until.js';
import { createLogger } from './logger.js';
import { shutdownSignal } from './shutdown-signal.js';

describe('shutdownSignal with a deadline', () => {
  it('resolves with the signal, and ends the process with exit 1 only if it is still draining after the timeout', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      destination: new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }),
    });
    const exits: number[] = [];
    const signal = shutdownSignal({ timeoutMs: 20, logger, exit: (code) => exits.push(code) });
    process.emit('SIGTERM');
    expect(await signal).toBe('SIGTERM');
    expect(exits).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(exits).toEqual([1]);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'fatal',
      signal: 'SIGTERM',
      timeoutMs: 20,
      msg: 'shutdown took too long, exiting',
    });
  });
});

describe('followUntil', () => {
  it('on a requested stop, drains after the followers have stopped', async () => {
    const order: string[] = [];
    const follower = (signal: AbortSignal) =>
      new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => (order.push('follower stopped'), resolve())),
      );
    await followUntil(
      [follower],
      Promise.resolve(),
      async () => void order.push('before stop'),
      async () => void order.push('drain'),
    );
    expect(order).toEqual(['before stop', 'follower stopped', 'drain']);
  });

  it('does not drain when a follower failed: the failure is thrown', async () => {
    let drained = false;
    const failing = async () => {
      throw new Error('boom');
    };
    await expect(
      followUntil([failing], new Promise(() => {}), undefined, async () => void (drained = true)),
    ).rejects.toThrow('boom');
    expect(drained).toBe(false);
  });
});
