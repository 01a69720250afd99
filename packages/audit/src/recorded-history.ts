import type { Command, ReopenPolicy, RulesFile } from '@tickets/domain';
import type { InboundAcceptedData } from '@tickets/streams';
import type { CustomerReach } from './what-if-reach.js';

/**
 * Records of the inbound log, in columns (row i of each): a million small objects would cost more to
 * build and to hand to worker threads than the decisions they feed.
 */
export interface InboundColumns {
  readonly positions: number[];
  /** The inbound key (source + id), from the stream name. */
  readonly keys: string[];
  /** The customer (the CloudEvent subject, trimmed as the schema trims it): what-if shards by it. */
  readonly subjects: string[];
  /** The record's data, or its JSON text when parsing is left to the thread that decides the event. */
  readonly records: (InboundAcceptedData | string)[];
}

/** The commands one recorded rule decision emitted (decisions without commands are not listed). */
export interface RecordedCommands {
  readonly position: number;
  readonly commands: readonly Command[];
}

/** A stretch of the history, in global order. */
export interface HistoryPage {
  readonly inbound: InboundColumns;
  readonly commands: readonly RecordedCommands[];
  /**
   * The event times (ms) of the inbound records of customers outside the reach the pages were asked
   * for, in order: counted and timed, not decided again.
   */
  readonly skipped: Iterable<number>;
  /** The times (ms) of the recorded commands on those customers' tickets: the what-if's, unchanged. */
  readonly outsideCommands: Iterable<number>;
  /** The store position the page reaches (for progress). */
  readonly lastPosition: number;
}

export const emptyColumns = (): InboundColumns => ({ positions: [], keys: [], subjects: [], records: [] });

/** What what-if reads from a store: the inbound log and the commands actually emitted, in global order. */
export interface RecordedHistory {
  /** The store's head position when reading starts: what progress counts towards. */
  readonly head: number;
  /**
   * Which customers a change to `configuration` can reach, found from a few recorded facts without
   * deciding anything (absent: this history cannot tell, every customer is decided again); with
   * `threads` worker threads reading at once (0: in this thread), as many as decide.
   */
  reach?(configuration: { rules: RulesFile; policy: ReopenPolicy }, threads: number): Promise<CustomerReach>;
  /** The history in pages; with `reach`, the inbound records of customers outside it are only timed. */
  pages(reach?: CustomerReach): AsyncIterable<HistoryPage>;
  close(): Promise<void>;
}
