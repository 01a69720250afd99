import { streamNameFilter } from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { matchStream, serverStreamFilter } from './stream-filter.js';
import { streamNaming } from './stream-naming.js';

describe('stream naming', () => {
  it('uses our names as they are, the category before the first dash', () => {
    const naming = streamNaming();
    expect(naming.toServer('ticket-42')).toBe('ticket-42');
    expect(naming.fromServer('customer-7')).toBe('customer-7');
    expect(naming.checkpointStream('projector')).toBe('checkpoint-projector');
  });

  it('puts a namespace in front, and recognises only its own streams', () => {
    const naming = streamNaming('t42_');
    expect(naming.toServer('ticket-1')).toBe('t42_ticket-1');
    expect(naming.fromServer('t42_ticket-1')).toBe('ticket-1');
    expect(naming.fromServer('ticket-1')).toBeUndefined();
    expect(naming.fromServer('t43_ticket-1')).toBeUndefined();
    expect(naming.fromServer('$$t42_ticket-1')).toBeUndefined();
    expect(naming.checkpointStream('reactor')).toBe('t42_checkpoint-reactor');
  });

  it('leaves system and checkpoint streams out, and refuses them as our stream names', () => {
    const naming = streamNaming();
    for (const name of ['$epoch-information', '$$ticket-1', '$ce-ticket', 'checkpoint-projector'])
      expect(naming.fromServer(name)).toBeUndefined();
    expect(() => naming.toServer('$ce-ticket')).toThrow(
      expect.objectContaining({ code: 'EVENT_STORE.INVALID_ARGUMENT' }),
    );
    expect(() => naming.toServer('checkpoint-x')).toThrow(
      expect.objectContaining({ code: 'EVENT_STORE.INVALID_ARGUMENT' }),
    );
    expect(() => streamNaming('$ns')).toThrow(expect.objectContaining({ code: 'EVENT_STORE.INVALID_ARGUMENT' }));
    expect(naming.toServer('checkpointer-1')).toBe('checkpointer-1');
  });
});

describe('subscription filters', () => {
  it('sends the prefixes asked for, with the namespace in front', () => {
    expect(serverStreamFilter(streamNaming(), ['ticket-', 'inbound-'])).toEqual({ prefixes: ['ticket-', 'inbound-'] });
    expect(serverStreamFilter(streamNaming('t1_'), ['ticket-'])).toEqual({ prefixes: ['t1_ticket-'] });
  });

  it('without prefixes, still keeps out system streams, checkpoints and other namespaces', () => {
    expect(serverStreamFilter(streamNaming('t1_'), undefined)).toEqual({ prefixes: ['t1_'] });
    const spec = serverStreamFilter(streamNaming(), undefined);
    expect(spec).toEqual({ regex: '^(?!\\$|checkpoint-)' });
    const regex = new RegExp((spec as { regex: string }).regex);
    expect(['ticket-1', 'customer-2', 'inbound-x', 'checkpointer-1'].every((name) => regex.test(name))).toBe(true);
    expect(['$stats-1', '$$ticket-1', 'checkpoint-projector'].some((name) => regex.test(name))).toBe(false);
  });

  it('builds a client filter from either kind', () => {
    expect(
      streamNameFilter({ ...(serverStreamFilter(streamNaming(), ['ticket-']) as { prefixes: string[] }) }),
    ).toMatchObject({
      filterOn: 'streamName',
      prefixes: ['ticket-'],
    });
  });

  it('matches on the client side too: prefixes, namespace, reserved streams and system event types', () => {
    const naming = streamNaming('t1_');
    expect(matchStream(naming, ['c'], 't1_customer-1', 'Seen')).toBe('customer-1');
    expect(matchStream(naming, ['c'], 't1_checkpoint-projector', 'CheckpointSaved')).toBeUndefined();
    expect(matchStream(naming, ['ticket-'], 't1_customer-1', 'Seen')).toBeUndefined();
    expect(matchStream(naming, undefined, 't1_ticket-1', '$streamDeleted')).toBeUndefined();
    expect(matchStream(naming, undefined, 't2_ticket-1', 'Opened')).toBeUndefined();
    expect(matchStream(naming, undefined, 't1_ticket-1', 'Opened')).toBe('ticket-1');
  });
});
