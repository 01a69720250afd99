import { parseStoreUrl } from '@tickets/event-store';
import { createProgress, type Logger } from '@tickets/platform';
import { createProjector, openTicketReadModel } from '@tickets/projector';
import { defaultConfig } from '@tickets/platform/config';
import { openDomainStore, type PiiSettings } from '@tickets/streams';

/** Drops the ticket projection and folds every event again from the first. */
export async function rebuild(
  options: { store: string; readModel?: string | undefined; pii?: PiiSettings },
  logger: Logger,
) {
  // Rules and policy play no part in a rebuild: decisions are read from the events.
  const location = parseStoreUrl(options.store);
  const { store, checkpoints } = await openDomainStore(location, options.pii ?? defaultConfig().pii);
  await checkpoints.close();
  const readModel = await openTicketReadModel(location, options.readModel);
  // Progress runs in store positions: one per event on SQLite and PostgreSQL, twice the log's byte
  // offset on KurrentDB, so they are not called events.
  const progress = createProgress({ label: 'rebuild', total: await store.headPosition(), unit: 'store positions' });
  try {
    const projector = createProjector({
      store,
      readModel,
      logger: logger.child({ component: 'projector' }),
      onProgress: (position) => progress.update(position),
    });
    const started = process.hrtime.bigint();
    const events = await projector.rebuild();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    progress.finish();
    const tickets = (await readModel.all()).length;
    return {
      events,
      tickets,
      seconds: Number(seconds.toFixed(3)),
      eventsPerSecond: Math.round(events / Math.max(seconds, 1e-9)),
    };
  } finally {
    progress.finish();
    await readModel.close();
    await store.close();
  }
}
