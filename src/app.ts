import cors from 'cors';
import express, { Router, type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { createAuditLog } from './audit-log';
import { createAuthMiddleware } from './auth/auth-middleware';
import { createAuthRoutes } from './auth/auth-routes';
import { authCookieNames } from './auth/cookies';
import { createPasswordAttempts } from './auth/password-attempts';
import { createSessionAuth } from './auth/session-auth';
import { createSessionController } from './auth/session-controller';
import { auditSessionEnds } from './auth/session-end-audit';
import { answerSessionErrors, expireDeadCredentials } from './auth/session-error-mapping';
import { createSignInController } from './auth/sign-in-controller';
import { createSignInService } from './auth/sign-in-service';
import { createVerifyRoutes } from './auth/verify-routes';
import { createJwksRoutes } from './auth/jwks-routes';
import { createRevocationFeedRoutes } from './auth/revocation-feed-routes';
import { accessTokenPublicKeys, createPublicKeySet } from './auth/public-keys';
import { eventSigningPublicKeys } from './auth/event-public-keys';
import type { Clock } from './clock';
import type { Config } from './config';
import type { OpenDatabase } from './db/open-database';
import { createErrorHandler } from './http/error-handler';
import { jsonBody } from './http/json-body';
import { notFound } from './http/not-found';
import { createProbeRoutes } from './http/probe-routes';
import { createSlidingWindow } from './http/rate-limit-hits';
import { createRateLimits } from './http/rate-limits';
import { startRequestDeadline } from './http/request-deadline';
import { securityHeaders } from './http/security-headers';
import { logRequests } from './http/request-logging';
import { countAuditEvents } from './metrics/audit-metrics';
import { createMetrics, type Metrics } from './metrics/metrics';
import { measureRequests } from './metrics/request-metrics';
import { countSessionEnds } from './metrics/session-end-metrics';
import { addOpenApiDocumentRoute, createDocsPageRoutes } from './openapi/docs-routes';
import { startSessionEvents } from './events/session-events';
import { systemClock } from './clock';
import { createPasswordHasher } from './auth/password';
import { createUserController } from './users/user-controller';
import { createUserRoutes } from './users/user-routes';
import type { SessionCore } from './sessions/session-core';
import type { SessionEnds } from './sessions/session-events';
import { createUserService } from './users/user-service';

export interface AppDeps {
  config: Config;
  /** The open database (src/db/open-database.ts): its connection and the models created on it. */
  database: Pick<OpenDatabase, 'connection' | 'models'>;
  logger: Logger;
  /** The wall clock sessions and tokens are stamped and checked with; tests pass their own. */
  clock?: Clock;
  /** The instruments this app counts into; a fresh set when not given (served only where server.ts listens). */
  metrics?: Metrics;
}

/** Auth responses must never be stored by a browser or a shared cache. */
const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  res.set('Pragma', 'no-cache');
  next();
};

/** Builds the whole API from its dependencies; the process (server.ts) and the tests both use this. */
export function createApp(deps: AppDeps): Express {
  return buildApp(deps).app;
}

/**
 * The API and the session core it runs on: for tests that end sessions without a request (expiry) or
 * listen to the core's session-end events.
 */
export function buildApp({ config, database, logger, clock, metrics = createMetrics() }: AppDeps): { app: Express; core: SessionCore; ends: SessionEnds } {
  const { connection, models } = database;
  const { core, tokenSettings, memory, ends, feed, outbox } = createSessionAuth({
    config,
    connection,
    models,
    logger,
    ...(clock ? { clock } : {}),
    onChecked: (source) => metrics.sessionChecks.inc({ source }),
    onBarrierPassed: (seconds) => metrics.revocationBarrierWait.observe(seconds),
  });
  const sessionEvents = startSessionEvents({ config, connection, models, outbox, metrics: metrics.sessionEvents, logger, clock: clock ?? systemClock });
  metrics.revocationFeedLag.measureWith(() => (memory.enabled ? memory.feedLagMs() : undefined));
  const audit = createAuditLog(logger, countAuditEvents(metrics));
  // Every session end, whatever its reason, is counted and audited here, from the core's one event.
  ends.listen(countSessionEnds(metrics));
  ends.listen(auditSessionEnds(audit));
  const passwords = createPasswordHasher(config.passwordHash);
  // Rate-limit counters live in MongoDB, so every instance on the database shares them.
  const limitWindow = createSlidingWindow(models.RateLimitHit, config.rateLimits.windowSeconds * 1000);
  const passwordAttempts = createPasswordAttempts({ passwords, window: limitWindow, settings: config.rateLimits });
  const signIn = createSignInService({ User: models.User, core, passwords, passwordAttempts, tokenSettings });
  const users = createUserService({ User: models.User, core, passwords, passwordAttempts });
  const guards = {
    jsonBody: jsonBody(config.bodyLimit),
    auth: createAuthMiddleware(core, tokenSettings, config, audit),
    rateLimits: createRateLimits(config.rateLimits, limitWindow, audit, logger),
    expireDeadCredentials: expireDeadCredentials(config, core),
  };

  const app = express();
  app.disable('x-powered-by');
  // The API's answers are no-store: an ETag per response would only cost a hash of each body. The one
  // cacheable document sets its own (src/openapi/docs-routes.ts).
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);

  measureRequests(app, metrics.httpRequestDuration);
  app.use(startRequestDeadline(config.dbOperationTimeoutMs));
  // Forward auth is asked before every request a gateway forwards: it answers before request logging,
  // helmet and CORS, which concern browsers and would double every log line (src/auth/verify-routes.ts).
  app.use('/api/v1/auth', createVerifyRoutes(guards.auth));
  app.use(logRequests(logger, config));
  // HSTS only in production: over plain-http development hosts it would pin browsers to https for a
  // year on a name (localhost) that other projects serve over http too.
  app.use(securityHeaders({ strictTransportSecurity: config.env === 'production' }));
  const corsHeaders = cors({
    // Only listed origins get CORS headers (credentials included); everyone else gets none.
    origin: (origin, callback) => callback(null, origin !== undefined && config.corsOrigins.includes(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['Content-Type', 'Authorization'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy'],
    maxAge: 600,
  });
  // Without an Origin header cors does nothing (the origin function refuses undefined): it is skipped
  // then, which answers the same and saves its per-request copy of the options.
  app.use((req, res, next) => (req.headers.origin === undefined ? next() : corsHeaders(req, res, next)));

  // The API first: its routes are the ones asked for thousands of times a second.
  const api = Router();
  // The document is cacheable (public, with an ETag), so it comes before the no-store headers.
  addOpenApiDocumentRoute(api, authCookieNames(config.cookies));
  api.use(noStore);
  const authControllers = {
    signIn: createSignInController({ config, signIn, audit }),
    sessions: createSessionController({ config, core, audit }),
  };
  api.use('/auth', createAuthRoutes(authControllers, guards));
  api.use('/users', createUserRoutes(createUserController({ config, users, audit }), guards));
  api.use(createRevocationFeedRoutes({ feed, config, window: limitWindow, audit }));
  app.use('/api/v1', api);

  app.use(createProbeRoutes(connection, config.dbOperationTimeoutMs));
  // The interactive documentation at /docs, cacheable.
  app.use(createDocsPageRoutes());
  // The public keys relying services verify with; other key sources (event signing) are added to this list.
  app.use(createJwksRoutes(createPublicKeySet([accessTokenPublicKeys(tokenSettings.keys), eventSigningPublicKeys(sessionEvents.signingKeySource)])));

  app.use(notFound);
  app.use(answerSessionErrors);
  app.use(createErrorHandler(logger));
  return { app, core, ends };
}
