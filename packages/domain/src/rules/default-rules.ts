import { RulesFile, type RulesFileInput } from './rules-file.js';

// The seed guide's two rules, plus its "thanks" idea as an earlier rule (SPEC: shipped defaults).
const DEFAULT_RULES_INPUT: RulesFileInput = {
  autoReplyRateLimit: '5m',
  rules: [
    {
      id: 'sms-thanks-autoclose',
      name: 'Close SMS tickets reopened by a simple thank-you',
      enabled: true,
      when: 'message.received',
      if: {
        all: [
          { field: 'ticket.channel', op: 'eq', value: 'sms' },
          { field: 'previous.status', op: 'eq', value: 'closed' },
          { field: 'message.intent', op: 'eq', value: 'gratitude' },
        ],
      },
      then: [{ type: 'close_ticket' }, { type: 'add_tag', tag: 'auto-closed-thanks' }],
      stop: true,
    },
    {
      id: 'sms-reopened',
      name: 'Tag, route and acknowledge reopened SMS tickets',
      enabled: true,
      when: 'message.received',
      if: {
        all: [
          { field: 'ticket.channel', op: 'eq', value: 'sms' },
          { field: 'previous.status', op: 'eq', value: 'closed' },
          { field: 'ticket.tags', op: 'not_contains', value: 'reopened-sms-handled' },
        ],
      },
      then: [
        { type: 'add_tag', tag: 'reopened-sms' },
        { type: 'assign_team', team: 'SMS Support' },
        {
          type: 'send_auto_reply',
          body: 'Merci pour votre suivi ! Nous avons bien reçu votre message et nous reviendrons vers vous sous peu',
        },
      ],
    },
    {
      id: 'sms-follow-up-check',
      name: 'Flag new SMS tickets that may follow up a recent one',
      enabled: true,
      when: 'ticket.created',
      if: {
        all: [
          { field: 'ticket.channel', op: 'eq', value: 'sms' },
          { field: 'ticket.subject', op: 'contains', valueFrom: 'customer.name' },
          { field: 'ticket.followUpOf', op: 'exists' },
        ],
      },
      then: [
        { type: 'add_tag', tag: 'new-sms-follow-up-check' },
        {
          type: 'add_internal_note',
          body: "Bonjour ! Juste pour info, ceci pourrait être le suivi d'un ticket récent ({{ticket.followUpOf}}). Il vaudrait peut-être la peine de vérifier l'historique de ce client.",
        },
      ],
    },
  ],
};

/** Parsed through the schema so the defaults can never drift from what users' files must satisfy. */
export const DEFAULT_RULES: RulesFile = RulesFile.parse(DEFAULT_RULES_INPUT);
export const DEFAULT_RULES_SOURCE: RulesFileInput = DEFAULT_RULES_INPUT;
