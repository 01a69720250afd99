import { createHash } from 'node:crypto';
import {
  createSeenWebhookIds,
  SIGNATURE_HEADERS,
  verifyWebhookSignature,
  type Clock,
  type Integration,
  type SeenWebhookIds,
  type SignatureFailure,
} from '@tickets/platform';

export interface WebhookRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  readonly events: readonly unknown[];
  /**
   * What the request carries beside the signed body (binary mode's `ce-*` headers): not signed, but
   * part of the replay fingerprint, so a retry must repeat it exactly.
   */
  readonly unsignedParts?: string;
}

export type WebhookRefusal = {
  readonly ok: false;
  readonly status: 401 | 403 | 409;
  readonly code: string;
  readonly message: string;
  /** For the server's log only: the precise reason, which the sender is not told. */
  readonly reason: SignatureFailure | 'unknown_source' | 'foreign_source' | 'webhook_id_reused';
  readonly integration?: string;
};

export type WebhookOutcome =
  | { readonly ok: true; readonly integration: Integration; readonly webhookId: string; readonly replay: boolean }
  | WebhookRefusal;

export interface WebhookAuth {
  authenticate(request: WebhookRequest): WebhookOutcome;
}

export interface WebhookAuthOptions {
  readonly integrations: readonly Integration[];
  readonly toleranceSeconds: number;
  readonly clock: Clock;
  readonly seen?: SeenWebhookIds;
}

// One answer for every signature problem: a sender can fix its headers, clock or secret from this,
// and a prober learns nothing about which integration or which check failed.
const unauthenticated = (toleranceSeconds: number): string =>
  'the request is not signed with a current secret of the integration owning its source ' +
  `(headers webhook-id, webhook-timestamp, webhook-signature; timestamp within ${toleranceSeconds} s of the server's clock)`;

const header = (headers: WebhookRequest['headers'], name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

// `.` and `..` segments, raw or percent-encoded, and backslashes (which URL parsers read as `/`).
const DOT_SEGMENT = /(?:^|[/\\])(?:\.|%2e){1,2}(?:[/\\?#]|$)/i;

const hierarchical = (text: string): URL | undefined => {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  // `urn:…`, `mailto:…`: no origin, compared as text below.
  return url.origin === 'null' ? undefined : url;
};

const segmentsOf = (url: URL): string[] => {
  const segments = url.pathname.split('/').slice(1);
  // `https://a.example/` and `https://a.example` own the same paths.
  return segments.at(-1) === '' ? segments.slice(0, -1) : segments;
};

/**
 * Whether `source` is under the prefix `prefix`. URLs are compared parsed: the same origin (scheme,
 * host, port, as URL parsing normalises them), then whole path segments — `https://a.example/sms`
 * owns `https://a.example/sms/fr`, not `https://a.example/smsx`; `https://a.example` does not own
 * `https://a.example.evil`. A source with `.`/`..` segments or credentials is owned by nobody: it
 * could read as another integration's to whoever resolves it. Other URI-references (`urn:…`, a
 * relative path) are compared as text, at a boundary.
 */
export function ownsSource(prefix: string, source: string): boolean {
  const owner = hierarchical(prefix);
  if (owner !== undefined) {
    const url = hierarchical(source);
    if (url === undefined || url.origin !== owner.origin || url.username !== '' || url.password !== '') return false;
    if (DOT_SEGMENT.test(source.slice(url.protocol.length + 2))) return false;
    const owned = segmentsOf(owner);
    const path = segmentsOf(url);
    return owned.length <= path.length && owned.every((segment, index) => segment === path[index]);
  }
  if (source === prefix) return true;
  if (!source.startsWith(prefix)) return false;
  return /[/:#?]$/.test(prefix) || /^[/:#?]/.test(source.slice(prefix.length));
}

/** The integration owning `source`: the one with the longest prefix owning it. */
export function integrationOwning(integrations: readonly Integration[], source: unknown): Integration | undefined {
  if (typeof source !== 'string') return undefined;
  let best: { integration: Integration; length: number } | undefined;
  for (const integration of integrations) {
    for (const prefix of integration.sources) {
      if (ownsSource(prefix, source) && (best === undefined || prefix.length > best.length))
        best = { integration, length: prefix.length };
    }
  }
  return best?.integration;
}

/**
 * Standard Webhooks on `POST /v1/events`: the integration is the one owning the first event's
 * source (longest prefix, see ownsSource); the signature must verify with one of its secrets; every event of the
 * request must have a source it owns. A webhook id seen again within the tolerance window with the
 * same body is a retry, let through (deduplication answers `duplicate`); with another body it is
 * refused (409).
 */
export function createWebhookAuth(options: WebhookAuthOptions): WebhookAuth {
  const { integrations, toleranceSeconds, clock } = options;
  const seen = options.seen ?? createSeenWebhookIds(clock);
  const UNAUTHENTICATED = unauthenticated(toleranceSeconds);
  const ownerOf = (source: unknown): Integration | undefined => integrationOwning(integrations, source);
  const sourceOf = (event: unknown): unknown =>
    typeof event === 'object' && event !== null ? (event as { source?: unknown }).source : undefined;

  return {
    authenticate(request) {
      const integration = ownerOf(sourceOf(request.events[0]));
      if (integration === undefined)
        return {
          ok: false,
          status: 401,
          code: 'AUTH.INVALID_SIGNATURE',
          message: UNAUTHENTICATED,
          reason: 'unknown_source',
        };
      const check = verifyWebhookSignature(
        {
          id: header(request.headers, SIGNATURE_HEADERS.id),
          timestamp: header(request.headers, SIGNATURE_HEADERS.timestamp),
          signature: header(request.headers, SIGNATURE_HEADERS.signature),
          body: request.body,
        },
        integration.secrets,
        clock().getTime(),
        toleranceSeconds,
      );
      if (!check.ok) {
        return {
          ok: false,
          status: 401,
          code: 'AUTH.INVALID_SIGNATURE',
          message: UNAUTHENTICATED,
          reason: check.failure,
          integration: integration.name,
        };
      }
      // A request's events share a few sources: each is parsed and matched once (~2 µs an event otherwise).
      const owners = new Map<unknown, Integration | undefined>();
      const foreign = request.events.findIndex((event) => {
        const source = sourceOf(event);
        if (!owners.has(source)) owners.set(source, ownerOf(source));
        return owners.get(source) !== integration;
      });
      if (foreign >= 0) {
        return {
          ok: false,
          status: 403,
          code: 'AUTH.FOREIGN_SOURCE',
          message: `event ${foreign}: its source is not one this integration may publish`,
          reason: 'foreign_source',
          integration: integration.name,
        };
      }
      const fingerprint = createHash('sha256').update(request.body);
      if (request.unsignedParts !== undefined) fingerprint.update('\0').update(request.unsignedParts);
      const digest = fingerprint.digest('base64');
      const seenBefore = seen.check(integration.name, check.id, digest, (check.timestamp + toleranceSeconds) * 1000);
      if (seenBefore === 'different_request') {
        return {
          ok: false,
          status: 409,
          code: 'AUTH.WEBHOOK_ID_REUSED',
          message:
            'this webhook-id was already used for another body (or, in binary mode, other ce-* headers); each message needs its own id',
          reason: 'webhook_id_reused',
          integration: integration.name,
        };
      }
      return { ok: true, integration, webhookId: check.id, replay: seenBefore === 'same_request' };
    },
  };
}
