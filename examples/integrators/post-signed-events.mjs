#!/usr/bin/env node
// Worked example: a channel integration posting its events, signed, with retries.
//
//   TICKETS_URL=http://127.0.0.1:8080 TICKETS_SIGN_SECRET=whsec_… node post-signed-events.mjs events.ndjson
//
// Reads CloudEvents (one JSON object a line), posts them in batches to POST /v1/events, and prints
// one line per batch. Only Node.js (>= 22), no dependency. Retrying is safe by construction:
// - each event keeps its own `id`: the service answers `duplicate` for one it already stored, however
//   long after, so a batch whose answer was lost can be sent again whole;
// - each batch keeps its `webhook-id` across its retries (the service lets the same id with the same
//   body through, and refuses it with another body), and is signed again at every attempt, since a
//   signature older than 5 minutes is refused.
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const BATCH = Number(process.env.BATCH_SIZE ?? 100);
const ATTEMPTS = 6;
const url = new URL('/v1/events', process.env.TICKETS_URL ?? 'http://127.0.0.1:8080');
const secret = process.env.TICKETS_SIGN_SECRET ?? '';
if (!secret.startsWith('whsec_')) throw new Error('TICKETS_SIGN_SECRET must hold the integration secret, whsec_…');
const key = Buffer.from(secret.slice('whsec_'.length), 'base64');

/** Standard Webhooks: HMAC-SHA256 of "<id>.<timestamp>.<body>", over the exact bytes sent. */
const sign = (id, timestamp, body) =>
  `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;

async function postBatch(events) {
  const body = JSON.stringify(events);
  const id = `msg_${randomUUID()}`;
  for (let attempt = 1; ; attempt++) {
    const timestamp = Math.floor(Date.now() / 1000);
    let response;
    try {
      response = await fetch(url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/cloudevents-batch+json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': sign(id, timestamp, body),
        },
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      // No answer (connection refused, reset, timeout): the batch may or may not be stored. Send it again.
      if (attempt >= ATTEMPTS) throw error;
      await sleep(backoff(attempt));
      continue;
    }
    const answer = await response.json().catch(() => ({}));
    if (response.status === 202) return answer.results;
    // Over the rate limit (nothing stored) or a server error: wait as told, or back off, and retry.
    if ((response.status === 429 || response.status >= 500) && attempt < ATTEMPTS) {
      const retryAfter = Number(response.headers.get('retry-after'));
      await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : backoff(attempt));
      continue;
    }
    // Any other 4xx: the request itself is wrong (invalid event, wrong secret…); retrying would not help.
    throw new Error(`batch refused: ${response.status} ${JSON.stringify(answer)}`);
  }
}

/** 0.5 s, 1 s, 2 s… with jitter, so many senders do not retry in step. */
const backoff = (attempt) => 500 * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);

const file = process.argv[2];
if (file === undefined) throw new Error('usage: post-signed-events.mjs events.ndjson');
const events = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line));
for (let start = 0; start < events.length; start += BATCH) {
  const results = await postBatch(events.slice(start, start + BATCH));
  const count = (status) => results.filter((result) => result.status === status).length;
  console.log(
    JSON.stringify({
      events: results.length,
      accepted: count('accepted'),
      duplicate: count('duplicate'),
      rejected: count('rejected'),
    }),
  );
}
