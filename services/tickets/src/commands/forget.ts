import { parseStoreUrl } from '@tickets/event-store';
import { createKafkaStatePublisher, type KafkaSetup } from '@tickets/messaging';
import type { Clock, Logger } from '@tickets/platform';
import { createProjector, createStateRelay, openTicketReadModel } from '@tickets/projector';
import { defaultConfig } from '@tickets/platform/config';
import { eraseCustomer, openDomainStore, type ErasureResult, type PiiSettings } from '@tickets/streams';

export interface ForgetOptions {
  /** The configuration's personal-data settings (defaults when absent). */
  readonly pii?: PiiSettings;
  readonly store: string;
  readonly readModel?: string | undefined;
  readonly customer: string;
  /** With Kafka: the erased states are republished on the state topic. */
  readonly kafka: KafkaSetup | null;
}

export interface ForgetReport extends ErasureResult {
  /** The customer's tickets in the read model, now holding the erased view. */
  readonly ticketsPurged: number;
  /** Ticket states published on the Kafka state topic (0 without Kafka). */
  readonly statesPublished: number;
}

/**
 * `tickets forget --customer ID`: deletes the customer's keys, records `CustomerErased`, then lets
 * the projector fold the erasure (the customer's rows overwritten with the erased view, freed space
 * scrubbed) and, with Kafka, the state relay republish those tickets. A running `serve` does the same
 * on its own when it reads the event; doing it here makes the command's effect complete on return.
 */
export async function forget(options: ForgetOptions, logger: Logger, clock: Clock): Promise<ForgetReport> {
  const location = parseStoreUrl(options.store);
  const { store, checkpoints, pii } = await openDomainStore(location, options.pii ?? defaultConfig().pii);
  const readModel = await openTicketReadModel(location, options.readModel);
  const publisher =
    options.kafka === null
      ? null
      : createKafkaStatePublisher({ kafka: options.kafka.kafka, topic: options.kafka.topics.state });
  try {
    const erased = await eraseCustomer(pii, { customerId: options.customer, requestedBy: 'cli' }, clock());
    await createProjector({ store, readModel, logger: logger.child({ component: 'projector' }) }).catchUp();
    const statesPublished =
      publisher === null
        ? 0
        : await createStateRelay({
            store,
            readModel,
            checkpoints,
            publisher,
            logger: logger.child({ component: 'state-relay' }),
          }).catchUp();
    const ticketsPurged = (await readModel.byCustomer(erased.customerId)).length;
    logger.info(
      { customerId: erased.customerId, keysDeleted: erased.keysDeleted, ticketsPurged, statesPublished },
      'customer erased',
    );
    return { ...erased, ticketsPurged, statesPublished };
  } finally {
    await publisher?.close();
    await readModel.close();
    await checkpoints.close();
    await store.close();
  }
}
