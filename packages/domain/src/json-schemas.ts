import { z } from 'zod';
import { InboundEvent } from './inbound/inbound-event.js';
import { Command } from './commands/command.js';
import { TicketState } from './ticket/ticket-state.js';
import { TicketEvent } from './ticket/ticket-events.js';
import { CustomerEvent } from './customer/customer-events.js';
import { ReopenPolicy } from './ticket/reopen-policy.js';
import { RulesFile } from './rules/rules-file.js';

/** JSON Schema (draft 2020-12) for every public contract, generated from the zod schemas. */
export function jsonSchemas(): Record<string, unknown> {
  const schemas = {
    'inbound-event': InboundEvent,
    command: Command,
    'ticket-state': TicketState,
    'ticket-event': TicketEvent,
    'customer-event': CustomerEvent,
    'reopen-policy': ReopenPolicy,
    rules: RulesFile,
  } as const;
  return Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [
      name,
      // `input` describes what integrators send (defaults optional); unrepresentable checks are dropped.
      z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }),
    ]),
  );
}
