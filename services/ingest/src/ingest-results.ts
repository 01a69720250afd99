import type { RoutingKind } from '@tickets/domain';
import type { RejectionReason } from './validate-inbound.js';

/** What became of one submitted event. Rejections are values with reasons, never exceptions. */
export type IngestResult =
  | {
      readonly status: 'accepted';
      readonly id: string;
      readonly source: string;
      readonly ticketId: string;
      readonly routing: RoutingKind | null;
    }
  | { readonly status: 'duplicate'; readonly id: string; readonly source: string }
  | { readonly status: 'rejected'; readonly id?: string; readonly reasons: readonly RejectionReason[] };
