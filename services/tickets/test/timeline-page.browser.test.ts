import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { ticketIdFor } from '@tickets/domain';
import { agentEvent, messageReceived, SMS_SOURCE, tempDir, waitFor, type CustomerFixture } from '@tickets/testing';
import { json } from './cli-json.js';
import { BIN, REPO, runTickets as tickets } from './cli-runner.js';

const SEED = join(REPO, 'examples/seed-sms-story.ndjson');

// The timeline page a support engineer opens, in a real headless Chromium (Debian's `chromium`)
// against a real `tickets serve` on a store made by `tickets import`.

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const FIRST = ticketIdFor(SMS_SOURCE, 'sms-1');
const FOLLOW_UP = ticketIdFor(SMS_SOURCE, 'sms-4');
const XSS_BODY = '<img src=x onerror=alert(1)>';
const MALLORY: CustomerFixture = { id: 'cus_mallory', name: '<script>alert("name")</script>', phone: '+33699999999' };
const MALLORY_TICKET = ticketIdFor(SMS_SOURCE, 'xss-1');

let dir: ReturnType<typeof tempDir>;
let server: ChildProcess;
let base: string;
let browser: Browser;

beforeAll(async () => {
  dir = tempDir();
  const store = `sqlite:${join(dir.path, 'tickets.db')}`;
  const events = join(dir.path, 'xss.ndjson');
  // Customer-provided text that would run as script if a page ever rendered it as markup.
  const hostile = [
    messageReceived({ id: 'xss-1', time: '2026-04-01T08:00:00Z', body: XSS_BODY, customer: MALLORY }),
    agentEvent('ticket.tagged', {
      id: 'xss-tag',
      time: '2026-04-01T08:05:00Z',
      ticketId: MALLORY_TICKET,
      customerId: MALLORY.id,
      data: { add: ['<svg onload=alert(2)>'] },
    }),
  ];
  writeFileSync(events, `${hostile.map((e) => JSON.stringify(e)).join('\n')}\n`);
  json(await tickets(['import', '--events', SEED, '--store', store]));
  json(await tickets(['import', '--events', events, '--store', store]));

  const env = { ...process.env };
  for (const name of ['TICKETS_STORE', 'TICKETS_HOST', 'TICKETS_PORT', 'TICKETS_COMMANDS', 'LOG_LEVEL'])
    delete env[name];
  server = spawn(
    process.execPath,
    [BIN, 'serve', '--store', store, '--port', '0', '--commands', 'none', '--log-level', 'info'],
    { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  server.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const port = await waitFor(
    () => {
      if (server.exitCode !== null) throw new Error(`tickets serve exited with ${server.exitCode}`);
      const ready = stdout.split('\n').find((line) => line.includes('tickets serve ready'));
      return ready === undefined ? undefined : (JSON.parse(ready) as { port: number }).port;
    },
    { timeoutMs: 15_000, what: 'tickets serve to be ready' },
  );
  base = `http://127.0.0.1:${port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (server !== undefined && server.exitCode === null) {
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    await exited;
  }
  dir?.[Symbol.dispose]();
});

let page: Page;
let dialogs: string[];
beforeEach(async () => {
  page = await browser.newPage();
  dialogs = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
});
afterEach(async () => {
  await page.close();
});

describe('the ticket timeline page', () => {
  it('shows the ticket: status, tags and team, then every event of its timeline', async () => {
    const response = await page.goto(`${base}/ui/tickets/${FIRST}`);
    expect(response?.status()).toBe(200);
    await expect(page.locator('h1').textContent()).resolves.toContain(FIRST);
    expect(await page.locator('dl.facts .tags .tag').allTextContents()).toEqual(['auto-closed-thanks', 'reopened-sms']);
    expect(await page.locator('dl.facts').textContent()).toContain('SMS Support');
    expect(await page.locator('ol.timeline > li').count()).toBe(18);
  });

  it('shows the reopen decision and its reason, with the window it used, and the state it changed', async () => {
    await page.goto(`${base}/ui/tickets/${FIRST}`);
    const reopen = page.locator('li[data-type="MessageReceived"]', { hasText: 'Toujours rien reçu' });
    expect(await reopen.locator('.routing').getAttribute('data-kind')).toBe('reopen');
    expect(await reopen.locator('.routing .badge').first().textContent()).toBe('reopen');
    expect(await reopen.locator('.routing .reason').textContent()).toBe(
      'message time 2026-03-03T07:00:00.000Z is before the reopen deadline 2026-03-03T09:00:00.000Z',
    );
    expect(await reopen.locator('.routing').textContent()).toContain('window 24h (integration postscript)');
    const reopened = page.locator('li[data-type="TicketReopened"]').first();
    const statusRow = reopened.locator('table.diff tr', { hasText: 'status' });
    expect(await statusRow.locator('td.before').textContent()).toBe('closed');
    expect(await statusRow.locator('td.after').textContent()).toBe('open');
  });

  it('shows the rule decisions: the auto-reply sent on the reopen, and why no second one on "Merci !"', async () => {
    await page.goto(`${base}/ui/tickets/${FIRST}`);
    const reply = page.locator('li.action[data-action="send_auto_reply"]');
    expect(await reply.count()).toBe(1);
    const text = await reply.textContent();
    expect(text).toContain('emitted');
    expect(text).toContain('send to +33612345678 on sms: «Merci pour votre suivi !');
    const stopped = page.locator('tr.rule[data-rule="sms-reopened"]', { hasText: 'skipped stop' });
    expect(await stopped.textContent()).toContain('by sms-thanks-autoclose');
    expect(await page.locator('tr.rule[data-rule="sms-thanks-autoclose"] .badge.fired').count()).toBe(1);
  });

  it('shows the state at an earlier time, typed in its form', async () => {
    await page.goto(`${base}/ui/tickets/${FIRST}`);
    await page.fill('form.at input[name="at"]', '2026-03-03T06:59:59Z');
    await Promise.all([page.waitForURL(/at=/), page.click('form.at button')]);
    expect(await page.locator('dl.facts .badge').first().textContent()).toBe('closed');
    expect(await page.locator('dl.facts .tags').textContent()).toBe('none');
    expect(await page.locator('ol.timeline > li').count()).toBe(6);
  });
});

describe('finding a timeline from /ui/', () => {
  it('opens the customer view for a customer id: both tickets, the follow-up decision and the window used', async () => {
    await page.goto(`${base}/ui/`);
    await page.fill('main input[name="customer"]', 'cus_marie');
    await Promise.all([page.waitForURL(/\/ui\/customers\/cus_marie$/), page.click('main form button')]);
    expect(
      await page
        .locator('section.ticket')
        .evaluateAll((sections) => sections.map((s) => s.getAttribute('data-ticket'))),
    ).toEqual([FIRST, FOLLOW_UP]);
    const followUp = page.locator(`section.ticket[data-ticket="${FOLLOW_UP}"] tr.routing`);
    expect(await followUp.getAttribute('data-kind')).toBe('follow_up');
    expect(await followUp.textContent()).toContain('24h (integration postscript)');
  });

  it('opens a ticket typed in the search box', async () => {
    await page.goto(`${base}/ui/`);
    await page.fill('header input[name="q"]', FOLLOW_UP);
    await Promise.all([page.waitForURL(new RegExp(`/ui/tickets/${FOLLOW_UP}$`)), page.click('header button')]);
    expect(await page.locator('dl.facts .tags .tag').allTextContents()).toEqual(['new-sms-follow-up-check']);
  });
});

describe('customer-provided text on the page', () => {
  it('shows a message body, a name and a tag made of markup as text, and runs none of it', async () => {
    await page.goto(`${base}/ui/tickets/${MALLORY_TICKET}`);
    expect(await page.locator('li[data-type="MessageReceived"] blockquote.body').textContent()).toBe(XSS_BODY);
    expect(await page.locator('dl.facts .tags .tag').allTextContents()).toEqual(['<svg onload=alert(2)>']);
    expect(await page.locator('dl.facts').textContent()).toContain(MALLORY.name);
    // Nothing of it became an element, and no script ran.
    expect(await page.locator('main img, main svg, main script').count()).toBe(0);
    await page.goto(`${base}/ui/customers/${MALLORY.id}`);
    expect(await page.locator('main img, main svg, main script').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('is served with a policy that allows no script at all', async () => {
    const response = await page.goto(`${base}/ui/tickets/${MALLORY_TICKET}`);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
  });
});
