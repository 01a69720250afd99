import type {
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedVersion,
  Json,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeOptions,
} from '../event-store.port.js';
import { EventStoreError } from '../errors.js';
import { sealedCopy, slotsAt } from './json-paths.js';
import type { CustomerKey, KeyStore } from './key-store.port.js';
import { isPiiEnvelope, open, seal } from './pii-cipher.js';
import type { PiiPolicy } from './pii-policy.js';

/** What a sealed field holds in the stored `data` (the value itself is in the envelope). */
export const SEALED = '[encrypted]';

/** An event store whose events' personal data is encrypted per customer and can be erased. */
export interface PiiEventStore extends EventStore {
  /** Deletes the customer's keys: every value sealed with them reads as erased from now on. */
  eraseCustomerKeys(customerId: string): Promise<number>;
}

// Bounded caches: a long-running process meets many customers; dropping everything at the bound is
// simpler than an LRU and costs one key-store read per customer afterwards.
const CACHE_LIMIT = 100_000;
const remember = <K, V>(map: Map<K, V>, key: K, value: V): V => {
  if (map.size >= CACHE_LIMIT) map.clear();
  map.set(key, value);
  return value;
};

/**
 * The PII codec: a decorator between the services and a store adapter. On append, the values at the
 * policy's paths are replaced by `[encrypted]` and sealed into `metadata.pii` with the owner's key; on
 * read, they are put back, or replaced by the policy's erased value when the key is gone (and the
 * event's metadata says `erased: true`). The domain above only ever sees plaintext or erased values.
 */
class PiiCodecStore implements PiiEventStore {
  readonly #inner: EventStore;
  readonly #keys: KeyStore;
  readonly #policy: PiiPolicy;
  readonly #currentKeys = new Map<string, CustomerKey>();
  /** Key id → key, or null when the key store no longer has it (erased: keys never come back). */
  readonly #keysById = new Map<string, CustomerKey | null>();
  readonly #ticketOwners = new Map<string, string>();
  /** Values this process sealed lately, by event id: reading them back needs no decryption. */
  readonly #recent = new Map<string, { readonly keyId: string; readonly customerId: string; readonly values: readonly Json[] }>();

  constructor(inner: EventStore, keys: KeyStore, policy: PiiPolicy) {
    this.#inner = inner;
    this.#keys = keys;
    this.#policy = policy;
  }

  async append(stream: string, events: readonly NewEvent[], options?: { expectedVersion?: ExpectedVersion }): Promise<AppendResult> {
    this.#learnOwners(events);
    return this.#inner.append(stream, await this.#sealAll(stream, events), options);
  }

  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    for (const append of appends) this.#learnOwners(append.events);
    const sealed: StreamAppend[] = [];
    for (const append of appends) sealed.push({ ...append, events: await this.#sealAll(append.stream, append.events) });
    return this.#inner.appendMany(sealed);
  }

  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.#openAll(await this.#inner.readStream(stream, options));
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.#openAll(await this.#inner.readAll(options));
  }

  async *subscribeToAll(options?: SubscribeOptions): AsyncIterable<readonly RecordedEvent[]> {
    for await (const batch of this.#inner.subscribeToAll(options)) yield await this.#openAll(batch as RecordedEvent[]);
  }

  headPosition(): Promise<number> {
    return this.#inner.headPosition();
  }

  streamVersions(streams: readonly string[]): Promise<Map<string, number>> {
    return this.#inner.streamVersions(streams);
  }

  async eraseCustomerKeys(customerId: string): Promise<number> {
    this.#forget(customerId);
    return this.#keys.eraseCustomer(customerId);
  }

  async close(): Promise<void> {
    await this.#inner.close();
    await this.#keys.close();
  }

  #learnOwners(events: readonly NewEvent[]): void {
    for (const event of events) {
      const owner = this.#policy.ticketOwnerOf(event);
      if (owner !== undefined) remember(this.#ticketOwners, owner.ticketId, owner.customerId);
    }
  }

  /**
   * Seals a batch: owners first (ticket owners may need a read), then every new customer's key in one
   * key-store call, then each event. Events without personal data are passed on as they are.
   */
  async #sealAll(stream: string, events: readonly NewEvent[]): Promise<readonly NewEvent[]> {
    const owners: (string | undefined)[] = [];
    for (const event of events) {
      const paths = this.#policy.pathsOf(event.type, event.data);
      owners.push(paths === undefined || slotsAt(event.data, paths).length === 0 ? undefined : await this.#customerOf(stream, event));
    }
    const missing = [...new Set(owners.filter((owner): owner is string => owner !== undefined && !this.#currentKeys.has(owner)))];
    if (missing.length > 0) for (const [customerId, key] of await this.#keys.currentKeys(missing)) remember(this.#currentKeys, customerId, key);
    let out: NewEvent[] | undefined;
    owners.forEach((customerId, i) => {
      if (customerId === undefined) return;
      (out ??= events.slice())[i] = this.#seal(events[i]!, this.#currentKeys.get(customerId)!);
    });
    return out ?? events;
  }

  #seal(event: NewEvent, key: CustomerKey): NewEvent {
    const { data, values } = sealedCopy(event.data, this.#policy.pathsOf(event.type, event.data)!, SEALED);
    const pii = seal(values, key.key, key.keyId, key.customerId, event.id) as unknown as Json;
    // The writer's own subscribers read these events again at once: keep the values for them.
    remember(this.#recent, event.id, { keyId: key.keyId, customerId: key.customerId, values });
    return { ...event, data, metadata: { ...event.metadata, pii } };
  }

  async #customerOf(stream: string, event: NewEvent): Promise<string> {
    const owner = this.#policy.ownerOf(stream, event);
    if (owner === undefined) throw unowned(stream, event, 'no owner');
    if ('customerId' in owner) return owner.customerId;
    const known = this.#ticketOwners.get(owner.ticketId);
    if (known !== undefined) return known;
    const [first] = await this.#inner.readStream(this.#policy.ticketStream(owner.ticketId), { maxCount: 1 });
    const found = first === undefined ? undefined : this.#policy.ticketOwnerOf(first);
    if (found === undefined) throw unowned(stream, event, `ticket ${owner.ticketId} is unknown`);
    return remember(this.#ticketOwners, owner.ticketId, found.customerId);
  }

  async #openAll(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const erasedCustomer = this.#policy.erasedCustomerOf(event);
      if (erasedCustomer !== undefined) this.#forget(erasedCustomer);
      const envelope = event.metadata['pii'];
      if (isPiiEnvelope(envelope)) events[i] = await this.#open(event, envelope);
    }
    return events;
  }

  async #open(event: RecordedEvent, envelope: Parameters<typeof open>[0]): Promise<RecordedEvent> {
    const { pii: _sealed, ...rest } = event.metadata;
    const paths = this.#policy.pathsOf(event.type, event.data) ?? [];
    // Adapters parse every read afresh, so the recorded data is ours to fill in.
    const slots = slotsAt(event.data, paths);
    const recent = this.#recent.get(event.id);
    let key = this.#keysById.get(envelope.k);
    if (recent !== undefined && recent.keyId === envelope.k && key !== null) {
      slots.forEach((slot, index) => {
        if (index < recent.values.length) slot.holder[slot.key] = structuredCloneIfObject(recent.values[index]!);
      });
      return { ...event, metadata: rest as EventMetadata };
    }
    if (key === undefined) key = remember(this.#keysById, envelope.k, (await this.#keys.keyById(envelope.k)) ?? null);
    if (key === null) {
      for (const slot of slots) slot.holder[slot.key] = this.#policy.erased;
      return { ...event, metadata: { ...rest, erased: true } as EventMetadata };
    }
    const values = open(envelope, key.key, event.id);
    // Slots past the sealed values were stored in clear, before their paths were declared (the
    // inbound log's extension attributes): they read as stored. Declared paths are only ever added
    // after the existing ones, so the first slots are the sealed ones.
    slots.forEach((slot, index) => {
      if (index < values.length) slot.holder[slot.key] = values[index]!;
    });
    return { ...event, metadata: rest as EventMetadata };
  }

  #forget(customerId: string): void {
    this.#currentKeys.delete(customerId);
    for (const [eventId, recent] of this.#recent) if (recent.customerId === customerId) this.#recent.delete(eventId);
    for (const [keyId, key] of this.#keysById) if (key !== null && key.customerId === customerId) this.#keysById.set(keyId, null);
  }
}

// Each read hands out its own objects, as a store read would; strings and numbers need no copy.
const structuredCloneIfObject = (value: Json): Json => (typeof value === 'object' && value !== null ? structuredClone(value) : value);

const unowned = (stream: string, event: NewEvent, why: string): EventStoreError =>
  new EventStoreError('EVENT_STORE.INVALID_ARGUMENT', `personal data of ${event.type} ${event.id} on ${stream} has no customer to encrypt for (${why})`, false);

export const withPiiCodec = (inner: EventStore, keys: KeyStore, policy: PiiPolicy): PiiEventStore => new PiiCodecStore(inner, keys, policy);
