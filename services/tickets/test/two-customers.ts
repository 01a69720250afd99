import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ticketIdFor } from '@tickets/domain';

// Two customers through the seed story: Marie as in the example, Paul the same story in his own
// words (nothing of Marie's text in his events), for the erasure tests.

export const SEED = resolve(import.meta.dirname, '../../../examples/seed-sms-story.ndjson');
export const MARIE_TICKET = 'tk_sliajvihenz6piuibdygjmqqg4';

type Line = {
  id: string;
  subject: string;
  data: Record<string, unknown> & {
    ticketId?: string;
    customer?: Record<string, string>;
    message?: { id: string; body: string };
  };
};
export const seed = readFileSync(SEED, 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Line & Record<string, unknown>);

export const PAUL = { id: 'cus_paul', name: 'Paul Martin', phone: '+33698765432' };
const paulBodies = [
  'Hello, my order #9876 has not arrived',
  'Hello Paul, it shipped this morning, you will get it tomorrow.',
  undefined,
  'Still nothing here, could you check?',
  'The courier delivers it this afternoon.',
  undefined,
  'Thanks!',
  'Hello, another question about my invoice',
];
export const PAUL_TICKET = ticketIdFor('https://postscript.example/sms', 'paul-sms-1');
export const paulStory = seed.map((event, i) => {
  const copy = structuredClone(event);
  copy.id = `paul-${event.id}`;
  copy.subject = PAUL.id;
  if (copy.data.customer !== undefined) copy.data.customer = { ...PAUL };
  if (copy.data.ticketId === MARIE_TICKET) copy.data.ticketId = PAUL_TICKET;
  if (copy.data.message !== undefined) copy.data.message = { id: `paul-${copy.data.message.id}`, body: paulBodies[i]! };
  return copy;
});

/** An extension attribute Marie's first event carries, her contact in it (issue 14, point 3). */
const MARIE_EXTENSION = { xcontact: 'marie.dupont@example.com +33612345678 Marie Dupont' };

export const MARIE_SECRETS = [
  'marie.dupont@example.com',
  'Marie Dupont',
  'Marie',
  'Dupont',
  '+33612345678',
  '33612345678',
  ...seed.flatMap((event) => (event.data.message === undefined ? [] : [event.data.message.body])),
];

/** Both stories, Marie's first, as NDJSON. */
export const twoCustomers = (): string =>
  [{ ...seed[0]!, ...MARIE_EXTENSION }, ...seed.slice(1), ...paulStory]
    .map((event) => JSON.stringify(event))
    .join('\n');

/** Every secret of Marie's found in the haystacks, as `"secret" in name`. */
export const found = (haystacks: readonly { name: string; bytes: Buffer }[], secrets: readonly string[]): string[] =>
  haystacks.flatMap(({ name, bytes }) =>
    secrets
      .filter((secret) => bytes.includes(Buffer.from(secret, 'utf8')))
      .map((secret) => `${JSON.stringify(secret)} in ${name}`),
  );
