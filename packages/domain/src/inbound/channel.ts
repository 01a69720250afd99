import { z } from 'zod';

export const Channel = z.enum(['sms', 'email', 'chat', 'whatsapp']).describe('The conversation channel');
export type Channel = z.infer<typeof Channel>;

/** Channels that reach the customer's phone number: an SMS opt-out applies to both. */
export const PHONE_CHANNELS: readonly Channel[] = ['sms', 'whatsapp'];
