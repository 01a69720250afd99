import type { EventMetadata, Json, RecordedEvent } from '../event-store.port.js';

/** An event a direct reader read from its row: its data is the stored JSON text, parsed when `data` is read. */
export interface StoredRecord extends RecordedEvent {
  /** The data as stored: JSON text. */
  readonly raw: string;
}

/** What an opened stored event asks of the codec that opened it. */
export interface SealedData {
  /** Puts `values` (null: erased) back into `data`, parsed from the stored text, at the slots of the type's paths. */
  putBack(type: string, data: Json, values: readonly Json[] | null): Json;
  /** The text the codec stores for an event of `type` with `data`, and the values it seals, in slot order. */
  sealedCopy(type: string, data: Json): { readonly text: string; readonly values: readonly Json[] };
}

/**
 * A stored event with personal data, opened by the codec (`openStored`): its values were decrypted
 * with the rest of their group when it was opened, but they are put into its data only when the data
 * is read. A verify folds most rule decisions from the head of their text alone and compares most of
 * the events it decides again by their text (`holds`): their data is then never parsed.
 */
export class OpenedStoredEvent implements StoredRecord {
  readonly position: number;
  readonly stream: string;
  readonly version: number;
  readonly id: string;
  readonly type: string;
  /** The data as stored: JSON text, each sealed value `[encrypted]`. */
  readonly raw: string;
  readonly #codec: SealedData;
  #data: Json | undefined;

  constructor(
    stored: StoredRecord,
    /** As a read through the codec gives it: without the envelope, `erased: true` when erased. */
    readonly metadata: EventMetadata,
    /** The sealed values, in slot order; null: erased (each reads as the policy's erased value). */
    readonly values: readonly Json[] | null,
    codec: SealedData,
  ) {
    // The stored event is not kept: its parsed data, if anything read it, goes with it.
    this.position = stored.position;
    this.stream = stored.stream;
    this.version = stored.version;
    this.id = stored.id;
    this.type = stored.type;
    this.raw = stored.raw;
    this.#codec = codec;
  }

  get data(): Json {
    return (this.#data ??= this.#codec.putBack(this.type, JSON.parse(this.raw) as Json, this.values));
  }

  /**
   * Whether this event's data, opened, is `data` of an event of `type`, told without opening it:
   * `data` sealed as the codec seals it gives the same text as stored and the same values. False
   * says only that they may differ: their data is then compared.
   */
  holds(type: string, data: Json): boolean {
    if (this.values === null || type !== this.type) return false;
    const sealed = this.#codec.sealedCopy(type, data);
    return (
      sealed.values.length === this.values.length &&
      sealed.text === this.raw &&
      JSON.stringify(sealed.values) === JSON.stringify(this.values)
    );
  }
}
