import MongoStore from 'connect-mongo';
import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import cors from 'cors';
import jwt from 'jsonwebtoken';
import { createApp } from '../src/app';
import { createAuditLog } from '../src/audit-log';
import { createPasswordAttempts } from '../src/auth/password-attempts';
import { authCookieNames } from '../src/auth/cookies';
import { authOf, createAuthMiddleware } from '../src/auth/auth-middleware';
import { createAuthRoutes } from '../src/auth/auth-routes';
import { createSessionAuth } from '../src/auth/session-auth';
import { createSessionController } from '../src/auth/session-controller';
import { answerSessionErrors, expireDeadCredentials } from '../src/auth/session-error-mapping';
import { createSignInController } from '../src/auth/sign-in-controller';
import { createSignInService } from '../src/auth/sign-in-service';
import { startSessionEvents } from '../src/events/session-events';
import { createMetrics } from '../src/metrics/metrics';
import { accessTokenSettings } from '../src/auth/tokens';
import type { Config } from '../src/config';
import type { OpenDatabase } from '../src/db/open-database';
import { createErrorHandler } from '../src/http/error-handler';
import { jsonBody } from '../src/http/json-body';
import { logRequests } from '../src/http/request-logging';
import { createSlidingWindow } from '../src/http/rate-limit-hits';
import { createRateLimits } from '../src/http/rate-limits';
import { createLogger } from '../src/logger';
import { createPasswordHasher } from '../src/auth/password';
import { toPublicUser } from '../src/auth/public-user';
import { PEER_COLLECTION, PEER_COOKIE, PEER_SESSION_MAX_AGE_MS } from './settings';

/**
 * One Express app per benchmark case. Cases 2, 3 and 4 do the same work (read the credential from a
 * cookie, decide who the caller is, answer their user id and session id) so that only the auth differs.
 */

export interface CaseContext {
  config: Config;
  database: OpenDatabase;
  mongodbUri: string;
  peerSecret: string;
}

/** Case 1: the ceiling. */
export function bareApp(): Express {
  const app = express();
  app.get('/whoami', (_req, res) => {
    res.json({ success: true, userId: 'nobody', sessionId: 'none' });
  });
  return app;
}

/**
 * Case 2: stateless JWT, the speed peer that cannot revoke. Its secret is a KeyObject, as the project's is
 * (src/auth/access-keys.ts): with a plain string jsonwebtoken would lose ~0.7 ms per request to a failed PEM
 * parse, and the comparison would measure that instead of revocation.
 */
export function statelessJwtApp({ config }: CaseContext): Express {
  const key = accessTokenSettings(config).keys.signingKey;
  const cookieName = authCookieNames(config.cookies).access;
  const app = express();
  app.use(cookieParser());
  app.get('/whoami', (req, res) => {
    try {
      const claims = jwt.verify(String(req.cookies[cookieName]), key, {
        algorithms: ['HS256'],
        issuer: config.jwt.issuer,
        audience: config.jwt.audience,
      }) as jwt.JwtPayload;
      res.json({ success: true, userId: claims.sub, sessionId: claims.sid });
    } catch {
      res.status(401).json({ success: false, code: 'UNAUTHORIZED', message: 'Authentication required' });
    }
  });
  return app;
}

/** The classic revocable peer: express-session on connect-mongo, same database, its own collection. */
function peerSessionMiddleware({ mongodbUri, peerSecret, database }: CaseContext) {
  return session({
    name: PEER_COOKIE,
    secret: peerSecret,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: PEER_SESSION_MAX_AGE_MS },
    store: MongoStore.create({
      mongoUrl: mongodbUri,
      dbName: database.connection.name,
      collectionName: PEER_COLLECTION,
      // Its default TTL index is refused by FerretDB (code 238); expired sessions are filtered on read anyway.
      autoRemove: 'disabled',
      // Its documented lazy-touch setting: one read per request instead of a read and a write.
      touchAfter: 24 * 60 * 60,
    }),
  });
}

declare module 'express-session' {
  interface SessionData {
    userId: string;
  }
}

/** Case 3. */
export function expressSessionApp(context: CaseContext): Express {
  const app = express();
  app.use(peerSessionMiddleware(context));
  app.get('/whoami', (req, res) => {
    if (!req.session.userId) {
      res.status(401).json({ success: false, code: 'UNAUTHORIZED', message: 'Authentication required' });
      return;
    }
    res.json({ success: true, userId: req.session.userId, sessionId: req.sessionID });
  });
  return app;
}

/** This project's session core, memory and auth middleware, wired as src/app.ts wires them. */
function projectAuth({ config, database }: CaseContext) {
  const { connection, models } = database;
  const logger = createLogger(config.logLevel);
  const audit = createAuditLog(logger);
  const wired = createSessionAuth({ config, connection, models, logger });
  return { models, logger, audit, ...wired, middleware: createAuthMiddleware(wired.core, wired.tokenSettings, config, audit) };
}

/** Case 4 (and 6): the middleware the project's routes use, revocation check included. */
export function projectAuthApp(context: CaseContext): Express {
  const { middleware, logger } = projectAuth(context);
  const app = express();
  app.get('/whoami', middleware.requireAuth, (req, res) => {
    const caller = authOf(req);
    res.json({ success: true, userId: caller.userId, sessionId: caller.sessionId });
  });
  app.use(answerSessionErrors);
  app.use(createErrorHandler(logger));
  return app;
}

/**
 * Beside cases 2 and 4: the whole API (helmet, CORS, request logging, metrics), for GET /api/v1/users/me.
 * A session the instance knows has its user kept beside it, so a warm run of this case reads nothing.
 */
export function fullApiApp({ config, database }: CaseContext): Express {
  return createApp({ config, database, logger: createLogger(config.logLevel) });
}

/**
 * The peer of the whole route: GET /api/v1/users/me as a stateless-JWT API would serve it, with the same
 * middleware the project's app runs in front of it (request log, helmet, CORS, cookies, no-store), the
 * same token check as case 2 and the same user read and answer; only the revocation check is missing.
 */
export function routePeerApp({ config, database }: CaseContext): Express {
  const key = accessTokenSettings(config).keys.signingKey;
  const cookieName = authCookieNames(config.cookies).access;
  const { User } = database.models;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(logRequests(createLogger(config.logLevel), config));
  app.use(helmet());
  app.use(cors({ origin: (origin, callback) => callback(null, origin !== undefined && config.corsOrigins.includes(origin)), credentials: true }));
  app.use(cookieParser());
  app.get('/api/v1/users/me', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    let userId: string | undefined;
    try {
      const header = req.headers.authorization?.replace(/^Bearer /, '');
      const claims = jwt.verify(header ?? String(req.cookies[cookieName]), key, {
        algorithms: ['HS256'],
        issuer: config.jwt.issuer,
        audience: config.jwt.audience,
      }) as jwt.JwtPayload;
      userId = claims.sub;
    } catch {
      // answered below
    }
    const user = userId ? await User.findById(userId).lean() : null;
    if (!user) {
      res.status(401).json({ success: false, code: 'UNAUTHORIZED', message: 'Authentication required' });
      return;
    }
    res.json({ success: true, user: toPublicUser(user) });
  });
  return app;
}

/** Case 5, ours: the project's auth router itself, so POST /logout runs exactly the route's chain. */
export function projectLogoutApp(context: CaseContext): Express {
  const { config } = context;
  const { models, logger, audit, core, tokenSettings, middleware, outbox } = projectAuth(context);
  // As src/app.ts: with SESSION_EVENT_RECEIVERS set, this process also delivers (to receivers that are down).
  const { connection } = context.database;
  startSessionEvents({ config, connection, models, outbox, metrics: createMetrics().sessionEvents, logger, clock: Date.now });
  const passwords = createPasswordHasher(config.passwordHash);
  const window = createSlidingWindow(models.RateLimitHit, config.rateLimits.windowSeconds * 1000);
  const passwordAttempts = createPasswordAttempts({ passwords, window, settings: config.rateLimits });
  const signIn = createSignInService({ User: models.User, core, passwords, passwordAttempts, tokenSettings });
  const controllers = {
    signIn: createSignInController({ config, signIn, audit }),
    sessions: createSessionController({ config, core, audit }),
  };
  const guards = {
    jsonBody: jsonBody(config.bodyLimit),
    auth: middleware,
    rateLimits: createRateLimits(config.rateLimits, window, audit, logger),
    expireDeadCredentials: expireDeadCredentials(config, core),
  };
  const app = express();
  app.use(createAuthRoutes(controllers, guards));
  app.use(answerSessionErrors);
  app.use(createErrorHandler(logger));
  return app;
}

/** Case 5, the peer: express-session's destroy, and its cookie expired with the attributes it was set with. */
export function expressSessionLogoutApp(context: CaseContext): Express {
  const app = express();
  app.use(peerSessionMiddleware(context));
  app.post('/logout', (req, res, next) => {
    if (!req.session.userId) {
      res.status(401).json({ success: false, code: 'UNAUTHORIZED', message: 'Authentication required' });
      return;
    }
    req.session.destroy((error) => {
      if (error) return next(error);
      res.clearCookie(PEER_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax' });
      res.json({ success: true, message: 'Logged out successfully' });
    });
  });
  return app;
}

export const CASE_APPS = {
  bare: bareApp,
  'stateless-jwt': statelessJwtApp,
  'express-session': expressSessionApp,
  'project-auth': projectAuthApp,
  'full-api': fullApiApp,
  'route-peer': routePeerApp,
  'project-logout': projectLogoutApp,
  'express-session-logout': expressSessionLogoutApp,
} satisfies Record<string, (context: CaseContext) => Express>;

export type CaseAppName = keyof typeof CASE_APPS;
