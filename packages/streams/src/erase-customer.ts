import { z } from 'zod';
import { customerStream, type CustomerEvent } from '@tickets/domain';
import { retryOnConflict, type Json, type PiiEventStore } from '@tickets/event-store';

/** Erasure needs the PII codec (encryption on, and a key store: EventStoreDB needs `TICKETS_KEY_STORE`). */
export class ErasureUnavailableError extends Error {
  override readonly name = 'ErasureUnavailableError';
  readonly code = 'ERASURE.UNAVAILABLE';
}

/** Nothing was ever stored for this customer: there is nothing to erase, and no erasure is recorded. */
export class UnknownCustomerError extends Error {
  override readonly name = 'UnknownCustomerError';
  readonly code = 'ERASURE.UNKNOWN_CUSTOMER';
}

export const ErasureRequest = z.object({
  customerId: z.string().trim().min(1).max(256),
  /** Who asked (a token name, `cli`): kept in the event for the audit trail. */
  requestedBy: z.string().min(1).max(200),
});
export type ErasureRequest = z.infer<typeof ErasureRequest>;

export interface ErasureResult {
  readonly customerId: string;
  readonly erasedAt: string;
  readonly keysDeleted: number;
  /** The `CustomerErased` event recorded on the customer's stream. */
  readonly eventId: string;
}

/**
 * Crypto-shredding: deletes the customer's keys first, then records `CustomerErased` on their stream.
 * In that order, whoever reads the event (the projector purging its rows, another process dropping
 * its cached keys) already finds the keys gone. A crash in between leaves the keys deleted and no
 * event: asking again records it. A customer the store never saw is refused (UnknownCustomerError).
 */
export async function eraseCustomer(
  store: PiiEventStore | undefined,
  request: ErasureRequest,
  now: Date,
): Promise<ErasureResult> {
  const { customerId, requestedBy } = ErasureRequest.parse(request);
  if (store === undefined) {
    throw new ErasureUnavailableError(
      'erasure needs personal-data encryption (TICKETS_PII_ENCRYPTION=on) and a key store (TICKETS_KEY_STORE for EventStoreDB)',
    );
  }
  const stream = customerStream(customerId);
  const known = (await store.streamVersions([stream])).has(stream);
  const keysDeleted = await store.eraseCustomerKeys(customerId);
  // Recording an erasure for an id never seen would create the customer it erases (and tell an
  // admin it worked when the id was mistyped).
  if (!known && keysDeleted === 0)
    throw new UnknownCustomerError(`no customer ${JSON.stringify(customerId)} in the store: nothing to erase`);
  const erasedAt = now.toISOString();
  const event: Extract<CustomerEvent, { type: 'CustomerErased' }> = {
    type: 'CustomerErased',
    data: { customerId, at: erasedAt, requestedBy, keysDeleted },
  };
  const eventId = `customer-erased:${customerId}:${erasedAt}`;
  const erased = {
    id: eventId,
    type: event.type,
    data: event.data as unknown as Json,
    metadata: { correlationId: eventId },
  };
  // An exact expected revision, not `any`: a store retrying this append after a lost reply then
  // recognises it by revision and id, where `any` would rely on the server remembering the id
  // (KurrentDB forgets on restart or leader change, and writes it twice).
  await retryOnConflict(async () => {
    const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    await store.append(stream, [erased], { expectedVersion: last === undefined ? 'no_stream' : last.version });
  });
  return { customerId, erasedAt, keysDeleted, eventId };
}
