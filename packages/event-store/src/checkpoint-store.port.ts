/** Where a subscriber remembers the last global position it has fully handled. */
export interface CheckpointStore {
  /** 0 when the subscriber has never saved one. */
  load(subscriber: string): Promise<number>;
  save(subscriber: string, position: number): Promise<void>;
}
