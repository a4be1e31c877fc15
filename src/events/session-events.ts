import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { Config } from '../config';
import { isObjectIdHex } from '../db/object-id';
import type { SessionEventModels } from '../db/session-event-models';
import type { SessionModels } from '../db/session-models';
import type { SessionEventMetrics } from '../metrics/event-metrics';
import { createEventDelivery } from './event-delivery';
import { loadEventSigningKey, type EventSigningKey } from './event-signing-key';
import type { SessionEventOutbox } from './session-event-outbox';

/**
 * The session-end events of one API instance, wired once: the key (read or, outside production, generated
 * on first use), the delivery rounds (while the database connection is open) and the metrics; its key's
 * public half joins the published key set (src/app.ts). The outbox itself is written by the session core (src/auth/session-auth.ts), wherever it runs.
 */
export interface SessionEventsDeps {
  config: Config;
  /** The database connection: delivery stops when it closes. */
  connection: { once(event: 'close', listener: () => void): unknown };
  models: SessionEventModels & Pick<SessionModels, 'SessionRevocation'>;
  outbox: SessionEventOutbox;
  metrics: SessionEventMetrics;
  logger: Logger;
  clock: Clock;
}

export function eventSigningKeySource(config: Config): () => Promise<EventSigningKey | undefined> {
  const settings = config.sessionEvents;
  let loading: Promise<EventSigningKey> | undefined;
  return async () => {
    // No key configured: one is generated (outside production) only where events are sent at all.
    if (settings.signingKeyJwk === undefined && (config.env === 'production' || settings.receivers.length === 0)) return undefined;
    loading ??= loadEventSigningKey(settings).catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}

export function startSessionEvents({ config, connection, models, outbox, metrics, logger, clock }: SessionEventsDeps) {
  const keySource = eventSigningKeySource(config);
  const signingKey = async () => {
    const key = await keySource();
    if (!key) throw new Error('no event-signing key (SESSION_EVENT_SIGNING_KEY)');
    return key;
  };
  // An id that is not an ObjectId was never a session: nothing to wait for.
  const isRevoked = async (sessionId: string) => isObjectIdHex(sessionId) && (await models.SessionRevocation.exists({ _id: sessionId })) !== null;
  const delivery = createEventDelivery({ models, settings: config.sessionEvents, issuer: config.jwt.issuer, signingKey, metrics, logger, clock, isRevoked });
  outbox.whenRecorded((recorded) => {
    for (const event of recorded) metrics.emitted.inc({ receiver: new URL(event.receiver).host });
    // An intent waits for its revocation (whenCommitted); an end recorded after the fact goes now.
    if (recorded.some((event) => !event.awaitsCommit)) void delivery.poll();
  });
  outbox.whenCommitted(() => void delivery.poll());
  delivery.start();
  connection.once('close', delivery.stop);
  return { delivery, signingKeySource: keySource };
}
