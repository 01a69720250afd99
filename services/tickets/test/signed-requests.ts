import { hashToken, signWebhook, type SecurityConfig } from '@tickets/platform';
import { AGENT_SOURCE, SMS_SOURCE } from '@tickets/testing';

// Two integrations as the seed has them (Postscript's SMS, the helpdesk's agents), a rotation in
// progress on Postscript, a chat vendor (its own integration and channel), and one token per role.
export const POSTSCRIPT_OLD = `whsec_${Buffer.alloc(32, 11).toString('base64')}`;
export const POSTSCRIPT_NEW = `whsec_${Buffer.alloc(32, 12).toString('base64')}`;
export const HELPDESK_SECRET = `whsec_${Buffer.alloc(32, 13).toString('base64')}`;
export const CHATCO_SECRET = `whsec_${Buffer.alloc(32, 14).toString('base64')}`;
/** A third integration, a chat vendor, trying what it should not (issue 14). */
export const CHAT_SOURCE = 'https://chat.example/chat';
export const READ_TOKEN = 'read-token-3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c1e';
export const ADMIN_TOKEN = 'admin-token-8e6c4a2f0d1b3e5c7a9f2d4b6e8c0a1f';

export function securedConfig(overrides: Partial<SecurityConfig> = {}): SecurityConfig {
  return {
    mode: 'secured',
    integrations: [
      { name: 'postscript', sources: [new URL(SMS_SOURCE).origin], secrets: [POSTSCRIPT_OLD, POSTSCRIPT_NEW] },
      // The helpdesk's agents work on Postscript's tickets.
      {
        name: 'helpdesk',
        sources: [new URL(AGENT_SOURCE).origin + '/'],
        secrets: [HELPDESK_SECRET],
        scope: { tickets: ['postscript'] },
      },
      { name: 'chatco', sources: [CHAT_SOURCE], secrets: [CHATCO_SECRET] },
    ],
    tokens: [
      { name: 'dashboard', role: 'read', sha256: hashToken(READ_TOKEN) },
      { name: 'ops', role: 'admin', sha256: hashToken(ADMIN_TOKEN) },
    ],
    toleranceSeconds: 300,
    limits: {
      maxEventBytes: 65_536,
      maxBodyBytes: 1_048_576,
      maxBatchEvents: 1_000,
      maxMessageChars: 16_384,
      maxFutureSeconds: 300,
    },
    rateLimit: { perSecond: 1_000, burst: 5_000 },
    timeouts: { requestMs: 30_000, idleMs: 10_000 },
    ...overrides,
  };
}

let sequence = 0;
/** The headers a sender adds: a fresh webhook-id unless given, the timestamp in Unix seconds. */
export function signedHeaders(
  body: string | Buffer,
  secret: string,
  options: { nowMs: number; id?: string; timestampSeconds?: number },
): Record<string, string> {
  const id = options.id ?? `msg_test_${++sequence}`;
  const timestamp = options.timestampSeconds ?? Math.floor(options.nowMs / 1000);
  return {
    'content-type': 'application/cloudevents+json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook({ id, timestamp, body, secret }),
  };
}

/** A clock the test moves. */
export function movableClock(iso: string) {
  let now = Date.parse(iso);
  return { clock: () => new Date(now), nowMs: () => now, advance: (ms: number) => void (now += ms) };
}
