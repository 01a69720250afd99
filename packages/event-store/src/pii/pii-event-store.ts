import type {
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedVersion,
  Json,
  NewEvent,
  ReadAllOptions,
  ReadChainOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeOptions,
} from '../event-store.port.js';
import type { ChainedEvent } from '../chain/event-hash.js';
import { EventStoreError } from '../errors.js';
import { compilePaths, sealInto, slotsAt, type CompiledPaths } from './json-paths.js';
import type { CustomerKey, KeyStore } from './key-store.port.js';
import { OpenedStoredEvent, type SealedData, type StoredRecord } from './opened-event.js';
import {
  GROUP3_LIMITS,
  isPiiEnvelope,
  isPiiPointer,
  open,
  openGroup,
  sealGroupText,
  type PiiEnvelope,
  type PiiPointer,
  type SealedPart,
} from './pii-cipher.js';
import type { PiiPolicy } from './pii-policy.js';

/** What a sealed field holds in the stored `data` (the value itself is in the envelope). */
export const SEALED = '[encrypted]';

/** An event store whose events' personal data is encrypted per customer and can be erased. */
export interface PiiEventStore extends EventStore {
  /** Deletes the customer's keys: every value sealed with them reads as erased from now on. */
  eraseCustomerKeys(customerId: string): Promise<number>;
  /**
   * Opens events read straight from the underlying store's rows (an audit's direct file reader), as
   * a read through this store would have: personal data put back, or erased. Events without an
   * envelope are returned as they are. The events' `data` is filled in place.
   */
  openRecorded(events: readonly RecordedEvent[]): Promise<RecordedEvent[]>;
  /**
   * `openRecorded` for events whose data is still their stored text (`raw`): the values are decrypted
   * now, as there, but each event with personal data comes back as an {@link OpenedStoredEvent}, which
   * puts them into its data only when the data is read. Events without an envelope are returned as
   * they are.
   */
  openStored<E extends StoredRecord>(events: readonly E[]): Promise<(E | OpenedStoredEvent)[]>;
}

// Bounded caches: a long-running process meets many customers; dropping everything at the bound is
// simpler than an LRU and costs one key-store read per customer afterwards. Nothing an append call
// needs is only in a cache: a cache emptied in the middle of a call must not lose what the call
// learned (the owners of the tickets it creates, the keys it fetched), so the call keeps those itself.
const CACHE_LIMIT = 100_000;
type Remember = <K, V>(map: Map<K, V>, key: K, value: V) => V;
const bounded =
  (limit: number): Remember =>
  (map, key, value) => {
    if (map.size >= limit) map.clear();
    map.set(key, value);
    return value;
  };

export interface PiiCodecOptions {
  /** Entries per cache (default 100,000); tests make it small to empty the caches mid-call. */
  readonly cacheLimit?: number;
  /**
   * Entries of the cache of groups opened whose other events are still to be read (default
   * `cacheLimit`). A reader that reads only some of each group's events (what-if's page reader reads
   * the inbound records and the decisions, not the tickets' other events) leaves the rest of every
   * group there, opened: with 100,000 entries that held ~400 MB at 1M inbound events.
   */
  readonly openedGroupsLimit?: number;
}

/**
 * The PII codec: a decorator between the services and a store adapter. On append, the values at the
 * policy's paths are replaced by `[encrypted]` and sealed into `metadata.pii` with the owner's key; on
 * read, they are put back, or replaced by the policy's erased value when the key is gone (and the
 * event's metadata says `erased: true`). The domain above only ever sees plaintext or erased values.
 */
class PiiCodecStore implements PiiEventStore, SealedData {
  readonly #inner: EventStore;
  readonly #keys: KeyStore;
  readonly #policy: PiiPolicy;
  readonly #currentKeys = new Map<string, CustomerKey>();
  /** Key id → key, or null when the key store no longer has it (erased: keys never come back). */
  readonly #keysById = new Map<string, CustomerKey | null>();
  readonly #ticketOwners = new Map<string, string>();
  /**
   * Values this process sealed lately, by group (its IV: drawn once per seal): reading them back needs
   * no decryption. One entry per seal, not per event: the write path pays for one map entry per group.
   */
  readonly #recent = new Map<string, RecentGroup>();
  /** Version-2 and -3 groups opened lately, by key id and IV: the parts not handed out yet. */
  readonly #openedGroups = new Map<
    string,
    { readonly customerId: string; readonly parts: (SealedPart | undefined)[]; left: number }
  >();
  readonly #compiled = new WeakMap<readonly string[], CompiledPaths>();

  readonly #remember: Remember;
  /** For `#recent`: a group holds about 3 events, so a third as many entries keeps as many events' values. */
  readonly #rememberGroup: Remember;
  /** For `#openedGroups`. */
  readonly #rememberOpened: Remember;

  constructor(inner: EventStore, keys: KeyStore, policy: PiiPolicy, options: PiiCodecOptions = {}) {
    this.#inner = inner;
    this.#keys = keys;
    this.#policy = policy;
    const limit = options.cacheLimit ?? CACHE_LIMIT;
    this.#remember = bounded(limit);
    this.#rememberGroup = bounded(Math.ceil(limit / 3));
    this.#rememberOpened = bounded(options.openedGroupsLimit ?? limit);
  }

  async append(
    stream: string,
    events: readonly NewEvent[],
    options?: { expectedVersion?: ExpectedVersion },
  ): Promise<AppendResult> {
    const [sealed] = await this.#sealAll([{ stream, events }], this.#learnOwners([events]));
    return this.#inner.append(stream, sealed!, options);
  }

  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const sealed = await this.#sealAll(appends, this.#learnOwners(appends.map((append) => append.events)));
    return this.#inner.appendMany(
      appends.map((append, i) => (sealed[i] === append.events ? append : { ...append, events: sealed[i]! })),
    );
  }

  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.#openAll(await this.#inner.readStream(stream, options), this.#openInPlace);
  }

  /** As stored, sealed: the chain covers the sealed values, so erasing a key leaves it whole. */
  readChain(options?: ReadChainOptions): Promise<ChainedEvent[]> {
    return this.#inner.readChain(options);
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.#openAll(await this.#inner.readAll(options), this.#openInPlace);
  }

  async *subscribeToAll(options?: SubscribeOptions): AsyncIterable<readonly RecordedEvent[]> {
    for await (const batch of this.#inner.subscribeToAll(options))
      yield await this.#openAll(batch as RecordedEvent[], this.#openInPlace);
  }

  headPosition(): Promise<number> {
    return this.#inner.headPosition();
  }

  streamVersions(streams: readonly string[]): Promise<Map<string, number>> {
    return this.#inner.streamVersions(streams);
  }

  openRecorded(events: readonly RecordedEvent[]): Promise<RecordedEvent[]> {
    return this.#openAll([...events], this.#openInPlace);
  }

  /** Adapters parse every read afresh, so the recorded data is ours to fill in. */
  readonly #openInPlace = (event: RecordedEvent, metadata: EventMetadata, values: readonly Json[] | null) => {
    this.putBack(event.type, event.data, values);
    return { ...event, metadata };
  };

  openStored<E extends StoredRecord>(events: readonly E[]): Promise<(E | OpenedStoredEvent)[]> {
    return this.#openAll<E | OpenedStoredEvent>(
      [...events],
      (event, metadata, values) => new OpenedStoredEvent(event, metadata, values, this),
    );
  }

  putBack(type: string, data: Json, values: readonly Json[] | null): Json {
    const paths = this.#pathsOf(type, data);
    if (paths === null) return data;
    const slots = slotsAt(data, paths);
    if (values === null) for (const slot of slots) slot.holder[slot.key] = this.#policy.erased;
    // Slots past the sealed values were stored in clear, before their paths were declared (the
    // inbound log's extension attributes): they read as stored. Declared paths are only ever added
    // after the existing ones, so the first slots are the sealed ones.
    else
      slots.forEach((slot, index) => {
        if (index < values.length) slot.holder[slot.key] = values[index]!;
      });
    return data;
  }

  sealedCopy(type: string, data: Json): { readonly text: string; readonly values: readonly Json[] } {
    const paths = this.#pathsOf(type, data);
    const values: Json[] = [];
    return { text: JSON.stringify(paths === null ? data : sealInto(data, paths, SEALED, values)), values };
  }

  async eraseCustomerKeys(customerId: string): Promise<number> {
    this.#forget(customerId);
    return this.#keys.eraseCustomer(customerId);
  }

  async close(): Promise<void> {
    await this.#inner.close();
    await this.#keys.close();
  }

  /** The owners of the tickets an append call creates: kept for the call, and remembered for later ones. */
  #learnOwners(appends: readonly (readonly NewEvent[])[]): Map<string, string> {
    const owners = new Map<string, string>();
    for (const events of appends)
      for (const event of events) {
        const owner = this.#policy.ticketOwnerOf(event);
        if (owner === undefined) continue;
        owners.set(owner.ticketId, owner.customerId);
        this.#remember(this.#ticketOwners, owner.ticketId, owner.customerId);
      }
    return owners;
  }

  /**
   * The declared paths of an event, parsed once per declaration; null: it holds no personal data.
   * Most types declare one fixed list (the same array every time); the inbound log's list depends on
   * the event's extension attributes, and a new list is parsed when it comes.
   */
  #pathsOf(type: string, data: Json): CompiledPaths | null {
    const declared = this.#policy.pathsOf(type, data);
    if (declared === undefined || declared.length === 0) return null;
    let paths = this.#compiled.get(declared);
    if (paths === undefined) this.#compiled.set(declared, (paths = compilePaths(declared)));
    return paths;
  }

  /**
   * Seals the events of one append call (one transaction): owners first (ticket owners may need a
   * read), then every new customer's key in one key-store call, then one seal per customer over
   * that customer's events in the call, in groups of bounded size (envelope version 3: the ciphertext
   * once per stream append of the group, see `PiiPointer`). Events
   * without personal data are passed on as they are; an append without any keeps its array.
   */
  async #sealAll(
    appends: readonly { readonly stream: string; readonly events: readonly NewEvent[] }[],
    owners: ReadonlyMap<string, string>,
  ): Promise<(readonly NewEvent[])[]> {
    let groups: Map<string, Pending[]> | undefined;
    for (let a = 0; a < appends.length; a++) {
      const { stream, events } = appends[a]!;
      for (let e = 0; e < events.length; e++) {
        const event = events[e]!;
        const paths = this.#pathsOf(event.type, event.data);
        if (paths === null) continue;
        const values: Json[] = [];
        const data = sealInto(event.data, paths, SEALED, values);
        if (values.length === 0) continue;
        // Known without a read almost always: no await (a microtask per event) then.
        const customerId = this.#knownCustomerOf(stream, event, owners) ?? (await this.#customerOf(stream, event));
        let group = (groups ??= new Map()).get(customerId);
        if (group === undefined) groups.set(customerId, (group = []));
        group.push({ append: a, index: e, event, data, values });
      }
    }
    const out: (readonly NewEvent[])[] = appends.map((append) => append.events);
    if (groups === undefined) return out;
    // The call's keys, whatever happens to the cache meanwhile.
    const keys = new Map<string, CustomerKey>();
    const missing: string[] = [];
    for (const customerId of groups.keys()) {
      const cached = this.#currentKeys.get(customerId);
      if (cached === undefined) missing.push(customerId);
      else keys.set(customerId, cached);
    }
    if (missing.length > 0)
      for (const [customerId, key] of await this.#keys.currentKeys(missing))
        keys.set(customerId, this.#remember(this.#currentKeys, customerId, key));
    const copied: boolean[] = [];
    const seal = (key: CustomerKey, pendings: readonly Pending[], from: number, to: number, text: string): void => {
      const { k, c, iv, tag, ct } = sealGroupText(text, key.key, key.keyId, key.customerId);
      const ids = new Array<string>(to - from);
      const values = new Array<readonly Json[]>(to - from);
      // The group's first event of each stream append holds the ciphertext; the others point back to it.
      let holder: Pending | undefined;
      for (let at = from; at < to; at++) {
        const pending = pendings[at]!;
        const i = at - from;
        if (copied[pending.append] !== true) {
          out[pending.append] = out[pending.append]!.slice();
          copied[pending.append] = true;
        }
        const { event } = pending;
        ids[i] = event.id;
        values[i] = pending.values;
        let pii: PiiEnvelope | PiiPointer;
        if (holder === undefined || holder.append !== pending.append) {
          holder = pending;
          pii = { v: 3, k, c, iv, tag, ct, i };
        } else pii = { v: 3, k, c, iv, i, d: pending.index - holder.index };
        // A literal of NewEvent's fields, not a spread of the event: one object shape for every copy.
        (out[pending.append] as NewEvent[])[pending.index] = {
          id: event.id,
          type: event.type,
          data: pending.data,
          metadata: { ...event.metadata, pii: pii as unknown as Json },
        };
      }
      // The writer's own subscribers read these events again at once: keep the values for them.
      this.#rememberGroup(this.#recent, iv, { k, c, ids, values });
    };
    for (const [customerId, pendings] of groups) {
      const key = keys.get(customerId)!;
      // The plaintext of the group being filled, `[part,part,…]`, built as it goes: each part is
      // serialised once, and measured to bound the group.
      let from = 0;
      let text = '';
      let appendsInGroup = 0;
      for (let at = 0; at < pendings.length; at++) {
        const pending = pendings[at]!;
        const part = JSON.stringify([pending.event.id, pending.values]);
        // A customer's events come in append order: a new append is one more copy of the ciphertext.
        const newAppend = at === from || pendings[at - 1]!.append !== pending.append;
        if (
          at > from &&
          (at - from === GROUP3_LIMITS.events ||
            text.length + part.length > GROUP3_LIMITS.chars ||
            (newAppend && appendsInGroup === GROUP3_LIMITS.appends))
        ) {
          seal(key, pendings, from, at, `${text}]`);
          from = at;
          text = '';
          appendsInGroup = 0;
        }
        if (at === from || newAppend) appendsInGroup++;
        text = at === from ? `[${part}` : `${text},${part}`;
      }
      seal(key, pendings, from, pendings.length, `${text}]`);
    }
    return out;
  }

  #knownCustomerOf(stream: string, event: NewEvent, owners: ReadonlyMap<string, string>): string | undefined {
    const owner = this.#policy.ownerOf(stream, event);
    if (owner === undefined) return undefined;
    if ('customerId' in owner) return owner.customerId;
    return owners.get(owner.ticketId) ?? this.#ticketOwners.get(owner.ticketId);
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
    return this.#remember(this.#ticketOwners, owner.ticketId, found.customerId);
  }

  /**
   * Opens `events` in place: each event with personal data is replaced by what `opened` makes of it,
   * given its metadata as a read gives it (the envelope left out) and its values (null: erased).
   */
  async #openAll<E extends RecordedEvent>(
    events: E[],
    opened: (event: E, metadata: EventMetadata, values: readonly Json[] | null) => E,
  ): Promise<E[]> {
    // Version-3 holders of this read, by group: a pointer's holder is usually read along with it.
    let holders: Map<string, PiiEnvelope> | undefined;
    for (const event of events) {
      const sealed = event.metadata['pii'];
      if (isPiiEnvelope(sealed) && sealed.v === 3) (holders ??= new Map()).set(groupKey(sealed), sealed);
    }
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const erasedCustomer = this.#policy.erasedCustomerOf(event);
      if (erasedCustomer !== undefined) this.#forget(erasedCustomer);
      const stored = event.metadata['pii'];
      const sealed = isPiiEnvelope(stored) || isPiiPointer(stored) ? stored : undefined;
      if (sealed === undefined) continue;
      const pointer = isPiiEnvelope(sealed) ? undefined : sealed;
      const { k } = sealed;
      // The key is read once per key id, and only when the values are not this process's own: the
      // rest is synchronous (an await per event cost a promise and a turn of the queue each).
      const own = this.#ownValues(event, sealed) !== undefined;
      let key = this.#keysById.get(k);
      if (key === undefined && !own) key = this.#remember(this.#keysById, k, (await this.#keys.keyById(k)) ?? null);
      // A pointer whose part is neither our own nor waiting from its group's decryption needs its
      // holder: read along with it, else read back here (erased: not needed).
      let holder: PiiEnvelope | undefined;
      if (
        pointer !== undefined &&
        !own &&
        key !== null &&
        key !== undefined &&
        this.#openedGroups.get(groupKey(pointer))?.parts[pointer.i] === undefined
      )
        holder = holders?.get(groupKey(pointer)) ?? (await this.#readHolder(pointer, event));
      const { pii: _sealed, ...rest } = event.metadata;
      const values = this.#valuesOf(event, sealed, key, holder);
      events[i] = opened(event, (values === null ? { ...rest, erased: true } : rest) as EventMetadata, values);
    }
    return events;
  }

  /** The values of an event this process sealed lately (its group's IV, key and the event's id match). */
  #ownValues(event: RecordedEvent, sealed: PiiEnvelope | PiiPointer): readonly Json[] | undefined {
    if (sealed.v !== 3 || sealed.i === undefined) return undefined;
    const recent = this.#recent.get(sealed.iv);
    return recent !== undefined && recent.k === sealed.k && recent.ids[sealed.i] === event.id
      ? recent.values[sealed.i]
      : undefined;
  }

  /**
   * The values sealed in `event`, in slot order; null: erased. `key`: undefined only when the values
   * are this process's own (then it is not needed). `holder`: a pointer's holder, when its part is not
   * waiting from its group's decryption.
   */
  #valuesOf(
    event: RecordedEvent,
    sealed: PiiEnvelope | PiiPointer,
    key: CustomerKey | null | undefined,
    holder: PiiEnvelope | undefined,
  ): readonly Json[] | null {
    const recent = this.#ownValues(event, sealed);
    if (recent !== undefined && key !== null) return recent.map(structuredCloneIfObject);
    // Erased: nothing to read, not even a pointer's holder.
    if (key === null || key === undefined) return null;
    return !isPiiEnvelope(sealed)
      ? this.#openPart(holder ?? sealed, sealed.i, key, event)
      : sealed.v === 2 || sealed.v === 3
        ? this.#openPart(sealed, sealed.i ?? -1, key, event)
        : open(sealed, key.key, event.id);
  }

  /**
   * Part `index` of a version-2 or -3 group. The group's other events usually follow in the same read
   * (they were appended together): their parts wait here, each handed out once (readers own what they
   * get), so one decryption serves the whole group. `envelope` is a pointer only when its part waits.
   */
  #openPart(
    envelope: PiiEnvelope | PiiPointer,
    index: number,
    key: CustomerKey,
    event: RecordedEvent,
  ): readonly Json[] {
    const cacheKey = groupKey(envelope);
    if (this.#openedGroups.get(cacheKey)?.parts[index] === undefined && isPiiEnvelope(envelope)) {
      const parts = openGroup(envelope, key.key);
      this.#rememberOpened(this.#openedGroups, cacheKey, { customerId: key.customerId, parts, left: parts.length });
    }
    return this.#takePart(cacheKey, index, event);
  }

  /** A pointer's holder, `d` versions back in its stream (every store reads a stream from a version). */
  async #readHolder(pointer: PiiPointer, event: RecordedEvent): Promise<PiiEnvelope> {
    const version = event.version - pointer.d;
    const [found] =
      version < 0 ? [] : await this.#inner.readStream(event.stream, { fromVersion: version, maxCount: 1 });
    const held = found?.metadata['pii'];
    if (
      found?.version !== version ||
      !isPiiEnvelope(held) ||
      held.v !== 3 ||
      held.k !== pointer.k ||
      held.iv !== pointer.iv
    ) {
      throw new EventStoreError(
        'EVENT_STORE.INVALID_ARGUMENT',
        `the personal data of ${event.type} ${event.id} points to version ${version} of ${event.stream}, which does not hold its group`,
        false,
      );
    }
    return held;
  }

  #takePart(cacheKey: string, index: number, event: RecordedEvent): readonly Json[] {
    const opened = this.#openedGroups.get(cacheKey);
    const part = opened?.parts[index];
    // The ids are authenticated: an envelope copied onto another event names another id at its index.
    if (opened === undefined || part === undefined || part[0] !== event.id) {
      throw new EventStoreError(
        'EVENT_STORE.INVALID_ARGUMENT',
        `the personal data envelope of ${event.type} ${event.id} belongs to another event`,
        false,
      );
    }
    opened.parts[index] = undefined;
    if (--opened.left === 0) this.#openedGroups.delete(cacheKey);
    return part[1];
  }

  #forget(customerId: string): void {
    this.#currentKeys.delete(customerId);
    for (const [iv, recent] of this.#recent) if (recent.c === customerId) this.#recent.delete(iv);
    for (const [keyId, key] of this.#keysById)
      if (key !== null && key.customerId === customerId) this.#keysById.set(keyId, null);
    for (const [cacheKey, opened] of this.#openedGroups)
      if (opened.customerId === customerId) this.#openedGroups.delete(cacheKey);
  }
}

/** A version-2 or -3 group, for the caches: its version, key and IV (an IV is drawn once). */
const groupKey = (sealed: { readonly v?: number; readonly k: string; readonly iv: string }): string =>
  `${sealed.v}/${sealed.k}/${sealed.iv}`;

// Each read hands out its own objects, as a store read would; strings and numbers need no copy.
const structuredCloneIfObject = (value: Json): Json =>
  typeof value === 'object' && value !== null ? structuredClone(value) : value;

/** The values of one group this process sealed: its key and customer, and per part the event id and values. */
interface RecentGroup {
  readonly k: string;
  readonly c: string;
  readonly ids: readonly string[];
  readonly values: readonly (readonly Json[])[];
}

/** An event of an append call waiting for its customer's seal. */
interface Pending {
  readonly append: number;
  readonly index: number;
  readonly event: NewEvent;
  readonly data: Json;
  readonly values: Json[];
}

const unowned = (stream: string, event: NewEvent, why: string): EventStoreError =>
  new EventStoreError(
    'EVENT_STORE.INVALID_ARGUMENT',
    `personal data of ${event.type} ${event.id} on ${stream} has no customer to encrypt for (${why})`,
    false,
  );

export const withPiiCodec = (
  inner: EventStore,
  keys: KeyStore,
  policy: PiiPolicy,
  options?: PiiCodecOptions,
): PiiEventStore => new PiiCodecStore(inner, keys, policy, options);
