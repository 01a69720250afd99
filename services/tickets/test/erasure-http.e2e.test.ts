import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES, ERASED, type TicketState } from '@tickets/domain';
import { createLogger, developmentSecurity, fixedClock, type SecurityConfig } from '@tickets/platform';
import { createMemorySink } from '@tickets/rule-reactor';
import { tempDir } from '@tickets/testing';
import { feedEvents } from '../src/feed-events.js';
import { createHttpApp, openRuntime } from '../src/index.js';
import { ADMIN_TOKEN, READ_TOKEN, securedConfig } from './signed-requests.js';

// The admin endpoint of erasure: the same crypto-shredding as `tickets forget`, behind the admin role.

const SEED = resolve(import.meta.dirname, '../../../examples/seed-sms-story.ndjson');
const logger = createLogger({ level: 'silent' });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function serveSeed(security: SecurityConfig) {
  const dir = tempDir('erasure-http-');
  const runtime = await openRuntime({
    store: `sqlite:${join(dir.path, 'tickets.db')}`,
    rules: DEFAULT_RULES,
    policy: DEFAULT_REOPEN_POLICY,
    sink: createMemorySink(),
    logger,
  });
  await feedEvents(runtime, SEED, 'import');
  const app = createHttpApp({ runtime, logger, security, clock: fixedClock('2026-04-01T00:00:00Z') });
  return {
    app,
    runtime,
    marieTickets: async () => {
      const response = await app.inject({
        method: 'GET',
        url: '/v1/tickets?customer=cus_marie',
        headers: bearer(ADMIN_TOKEN),
      });
      return (response.json() as { tickets: TicketState[] }).tickets;
    },
    close: async () => {
      await app.close();
      await runtime.close();
      dir[Symbol.dispose]();
    },
  };
}

describe('POST /v1/customers/:id/erase', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('needs the admin role: no token 401, a read token 403, and nothing is erased', async () => {
    const served = await serveSeed(securedConfig());
    close = served.close;
    const anonymous = await served.app.inject({ method: 'POST', url: '/v1/customers/cus_marie/erase' });
    expect(anonymous.statusCode).toBe(401);
    const reader = await served.app.inject({
      method: 'POST',
      url: '/v1/customers/cus_marie/erase',
      headers: bearer(READ_TOKEN),
    });
    expect(reader.statusCode).toBe(403);
    expect((await served.marieTickets())[0]!.customer.name).toBe('Marie Dupont');
  });

  it('with an admin token deletes the key, records the erasure, and the projector shows the erased view', async () => {
    const served = await serveSeed(securedConfig());
    close = served.close;
    const response = await served.app.inject({
      method: 'POST',
      url: '/v1/customers/cus_marie/erase',
      headers: bearer(ADMIN_TOKEN),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      customerId: 'cus_marie',
      erasedAt: '2026-04-01T00:00:00.000Z',
      keysDeleted: 1,
      eventId: 'customer-erased:cus_marie:2026-04-01T00:00:00.000Z',
    });
    await served.runtime.projector.catchUp();
    const tickets = await served.marieTickets();
    expect(tickets).toHaveLength(2);
    for (const ticket of tickets)
      expect(ticket).toMatchObject({ customer: { id: 'cus_marie', name: ERASED, phone: ERASED }, subject: ERASED });
    const timeline = await served.app.inject({
      method: 'GET',
      url: `/v1/tickets/${tickets[0]!.ticketId}/timeline`,
      headers: bearer(READ_TOKEN),
    });
    expect(timeline.body).not.toContain('Marie');
    expect(timeline.body).not.toContain('+33612345678');
  });

  it('is refused in development mode, where nobody holds the admin role', async () => {
    const served = await serveSeed(developmentSecurity());
    close = served.close;
    const response = await served.app.inject({ method: 'POST', url: '/v1/customers/cus_marie/erase' });
    expect(response.statusCode).toBe(403);
    expect((await served.marieTickets())[0]!.customer.name).toBe('Marie Dupont');
  });
});
