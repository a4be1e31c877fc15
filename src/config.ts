import { createPrivateKey, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { accessPrivateKeyList, ACCESS_TOKEN_ALGORITHMS, privateKeyProblems, type AccessPrivateKey, type AccessTokenAlgorithm } from './access-key-config';
import { parseDuration } from './duration';
import { relyingServiceList, type RelyingService } from './relying-service-config';

/**
 * Every environment variable the API reads, parsed once at start-up. Nothing else in src/ reads
 * process.env: the parsed Config is passed to whoever needs it, so tests can build any configuration
 * in-process without touching the environment.
 */

const booleanString = z
  .enum(['true', 'false'], { message: 'must be "true" or "false"' })
  .transform((value) => value === 'true');

const duration = z.string().transform((value, ctx) => {
  const seconds = parseDuration(value);
  if (seconds === undefined || seconds <= 0) {
    ctx.addIssue({ code: 'custom', message: 'must be a positive duration such as 900, 90s, 15m, 12h or 7d' });
    return z.NEVER;
  }
  return seconds;
});

/** Clear-Site-Data's directives (W3C Clear Site Data); "*" is all of them. */
const CLEAR_SITE_DATA_DIRECTIVES = new Set(['cache', 'cookies', 'storage', 'executionContexts', 'clientHints', 'prefetchCache', 'prerenderCache', '*']);

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const MIN_SECRET_BYTES = 32;
const hasEnoughBytes = (secret: string) => Buffer.byteLength(secret, 'utf8') >= MIN_SECRET_BYTES;

/** An HS256 key with the id that goes into the `kid` header of the tokens it signs. */
export interface AccessKey {
  kid: string;
  secret: string;
}

/**
 * JWT_ACCESS_KEYS: `kid:secret,kid:secret`, the signing key first. A kid is a short plain name, so it can
 * never be mistaken for a path or a URL; a secret may hold colons but no comma.
 */
const accessKeyList = z.string().transform((value, ctx) => {
  const keys: AccessKey[] = [];
  for (const entry of value.split(',').map((item) => item.trim()).filter((item) => item.length > 0)) {
    const separator = entry.indexOf(':');
    const kid = entry.slice(0, Math.max(separator, 0)).trim();
    const secret = entry.slice(separator + 1).trim();
    if (separator < 0 || !/^[A-Za-z0-9._-]{1,64}$/.test(kid)) {
      ctx.addIssue({ code: 'custom', message: 'each key must be kid:secret, the kid 1-64 letters, digits, ".", "_" or "-"' });
    } else if (!hasEnoughBytes(secret)) {
      ctx.addIssue({ code: 'custom', message: `the secret of key "${kid}" must be at least ${MIN_SECRET_BYTES} bytes long` });
    } else if (keys.some((key) => key.kid === kid)) {
      ctx.addIssue({ code: 'custom', message: `key id "${kid}" is listed twice` });
    } else {
      keys.push({ kid, secret });
    }
  }
  return keys;
});

const commaList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter((item) => item.length > 0));

/** SESSION_EVENT_RECEIVERS: the URLs every session-end event is pushed to (src/events/). */
const receiverList = commaList.transform((urls, ctx) => {
  const parsed: URL[] = [];
  for (const value of urls) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a URL` });
      continue;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: `"${value}" must be an http(s) URL` });
    else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: `"${url.host}": credentials in the URL would be logged; not allowed` });
    else if (parsed.some((other) => other.href === url.href)) ctx.addIssue({ code: 'custom', message: `"${value}" is listed twice` });
    else parsed.push(url);
  }
  return parsed;
});

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).optional(),
  PORT: integer(0, 65535).default(3000),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  EMBEDDED_DB_DIR: z.string().min(1).default('.data/ferretdb'),
  EMBEDDED_DB_PORT: integer(0, 65535).default(0),
  JWT_ACCESS_SECRET: z.string().refine(hasEnoughBytes, `must be at least ${MIN_SECRET_BYTES} bytes long`).optional(),
  JWT_ACCESS_KEYS: accessKeyList.default([]),
  JWT_ACCESS_ALGORITHM: z.enum(ACCESS_TOKEN_ALGORITHMS).default('HS256'),
  JWT_ACCESS_PRIVATE_KEYS: accessPrivateKeyList.default([]),
  JWT_ACCESS_DEV_KEYS_DIR: z.string().min(1).default('.keys/access'),
  RELYING_SERVICES: relyingServiceList.default([]),
  JWT_ISSUER: z.string().min(1).default('logout-auth-api'),
  JWT_AUDIENCE: z.string().min(1).default('logout-auth-api'),
  ACCESS_TOKEN_TTL: duration.default(15 * 60),
  REFRESH_TOKEN_TTL: duration.default(7 * 24 * 60 * 60),
  REFRESH_REUSE_GRACE_SECONDS: integer(0, 3600).default(10),
  SESSION_ABSOLUTE_LIFETIME: duration.default(30 * 24 * 60 * 60),
  SESSION_LIMIT_PER_USER: integer(0, 100_000).default(100),
  SESSION_EXPIRY_SWEEP_MS: integer(0, 60_000).default(15_000),
  CLEAR_SITE_DATA: z
    .string()
    .transform((value, ctx) => {
      const directives = value.split(',').map((item) => item.trim().replace(/^"(.*)"$/, '$1')).filter((item) => item.length > 0);
      const unknown = directives.filter((directive) => !CLEAR_SITE_DATA_DIRECTIVES.has(directive));
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `unknown directive ${unknown.join(', ')}; use a list of ${[...CLEAR_SITE_DATA_DIRECTIVES].join(', ')}` });
        return z.NEVER;
      }
      return directives;
    })
    .default(['cache', 'storage']),
  COOKIE_SECURE: booleanString.optional(),
  COOKIE_SAMESITE: z.enum(['lax', 'strict', 'none']).default('lax'),
  COOKIE_DOMAIN: z.string().min(1).optional(),
  CORS_ORIGINS: commaList.default([]),
  TRUST_PROXY: z.string().default('false'),
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)?$/i, 'must look like 10kb').default('10kb'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  METRICS_PORT: integer(0, 65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  PASSWORD_HASH_MEMORY_KIB: integer(8192, 1024 * 1024).default(19456),
  PASSWORD_HASH_ITERATIONS: integer(1, 10).default(2),
  DB_OPERATION_TIMEOUT_MS: integer(100, 60_000).default(5000),
  HTTP_HEADERS_TIMEOUT_MS: integer(100, 600_000).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: integer(100, 600_000).default(30_000),
  RATE_LIMIT_WINDOW: duration.default(15 * 60),
  // 0 turns a limiter off (test runs, fuzzing): every counted request costs database work.
  RATE_LIMIT_LOGIN_PER_IP: integer(0, 1_000_000_000).default(100),
  RATE_LIMIT_LOGIN_PER_ACCOUNT: integer(0, 1_000_000_000).default(100),
  RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: integer(0, 1_000_000_000).default(10),
  RATE_LIMIT_REGISTER_PER_IP: integer(0, 1_000_000_000).default(100),
  RATE_LIMIT_REFRESH_PER_IP: integer(0, 1_000_000_000).default(300),
  REVOCATION_LEASE_MS: integer(0, 60_000).default(150),
  SESSION_MEMORY_MAX_ENTRIES: integer(1, 10_000_000).default(100_000),
  SESSION_EVENT_RECEIVERS: receiverList.default([]),
  SESSION_EVENT_AUDIENCES: commaList.default([]),
  SESSION_EVENT_SIGNING_KEY: z.string().optional(),
  SESSION_EVENT_KEY_DIR: z.string().min(1).default('.keys/events'),
  SESSION_EVENT_RETRY_HORIZON: duration.default(24 * 60 * 60),
  SESSION_EVENT_RETRY_BASE_MS: integer(10, 3_600_000).default(5_000),
  SESSION_EVENT_RETRY_MAX_DELAY_MS: integer(10, 86_400_000).default(30 * 60 * 1000),
  SESSION_EVENT_TIMEOUT_MS: integer(100, 120_000).default(10_000),
  SESSION_EVENT_LEASE_MS: integer(200, 3_600_000).default(60_000),
  SESSION_EVENT_POLL_MS: integer(10, 600_000).default(1_000),
  /** For tests only (refused in production): this process's wall clock runs this many ms off. */
  TEST_ONLY_CLOCK_OFFSET_MS: z.coerce.number().int().min(-86_400_000).max(86_400_000).default(0),
  /** Replaced by REVOCATION_LEASE_MS; refused so that a deployment still setting it learns what changed. */
  SESSION_CACHE_STALENESS_MS: z.string().optional(),
  SESSION_CACHE_MAX_ENTRIES: z.string().optional(),
});

export type CookieSameSite = 'lax' | 'strict' | 'none';
export type LogFormat = 'pretty' | 'json';

export interface Config {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  mongodbUri: string | undefined;
  embeddedDb: { dir: string; port: number };
  jwt: JwtSettings;
  accessTokenTtlSeconds: number;
  /** The idle timeout: a session not refreshed for this long ends. */
  refreshTokenTtlSeconds: number;
  refreshReuseGraceSeconds: number;
  /** A session ends this long after its creation, however often it is refreshed. */
  sessionAbsoluteLifetimeSeconds: number;
  /** Most active sessions per user; 0 = unlimited. */
  sessionLimitPerUser: number;
  /** How often expired sessions are ended with their event (src/sessions/session-expiry.ts); 0 = never. */
  sessionExpirySweepMs: number;
  /** Clear-Site-Data directives sent when a browser's session ends; empty = no header. */
  clearSiteData: string[];
  cookies: { secure: boolean; sameSite: CookieSameSite; domain: string | undefined };
  corsOrigins: string[];
  trustProxy: boolean | number | string;
  bodyLimit: string;
  logLevel: string;
  /** pretty: one readable line per event (development); json: one JSON object per line. */
  logFormat: LogFormat;
  /** Where GET /metrics is served; port undefined = no metrics listener. */
  metrics: { port: number | undefined; host: string };
  passwordHash: { memoryKib: number; iterations: number };
  dbOperationTimeoutMs: number;
  /** How long a client may take to send its headers, and its whole request; see src/http/http-server.ts. */
  http: { headersTimeoutMs: number; requestTimeoutMs: number };
  rateLimits: RateLimitSettings;
  /** TEST_ONLY_CLOCK_OFFSET_MS: the process's wall clock runs this far off (several-instances test). */
  testOnlyClockOffsetMs: number;
  /** See src/sessions/session-memory.ts; leaseMs 0 = no memory, every request reads the database. */
  sessionMemory: { leaseMs: number; maxEntries: number };
  /** RELYING_SERVICES: who may read the revocation feed over HTTP (src/auth/relying-services.ts). */
  relyingServices: RelyingService[];
  /** Signed session-end events (src/events/, docs/INTEGRATION.md); no receivers = nothing written or sent. */
  sessionEvents: SessionEventSettings;
}

/** One SESSION_EVENT_RECEIVERS entry and the `aud` its events carry. */
export interface EventReceiver {
  url: string;
  audience: string;
}

export interface SessionEventSettings {
  receivers: EventReceiver[];
  /** SESSION_EVENT_SIGNING_KEY: a private Ed25519 JWK (JSON, with its kid); undefined = the key in keyDir. */
  signingKeyJwk: string | undefined;
  /** Outside production, where a missing signing key is generated once and kept (git-ignored). */
  keyDir: string;
  /** How long an undelivered event is retried before it counts as failed. */
  retryHorizonMs: number;
  /** Exponential backoff: base * 2^attempt, capped, with jitter. */
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** One delivery attempt's whole time (connect, send, answer). */
  timeoutMs: number;
  /** How long a claim on an event keeps other instances off it; a crashed holder's claim lapses after it. */
  leaseMs: number;
  /** How often each instance looks for due events (and at once after a session ends here). */
  pollMs: number;
}

/** How access tokens are signed and verified; src/auth/access-keys.ts turns the secrets into keys. */
export interface JwtSettings {
  /** JWT_ACCESS_KEYS in order: the first signs new tokens; each verifies the tokens whose `kid` names it. */
  keys: AccessKey[];
  /**
   * JWT_ACCESS_SECRET: verifies tokens without a `kid` (issued before key ids, or by an instance that has only
   * this secret), and signs them itself when no JWT_ACCESS_KEYS are set. Generated outside production when
   * neither is set.
   */
  secret: string | undefined;
  issuer: string;
  audience: string;
  secretWasGenerated: boolean;
  /** JWT_ACCESS_ALGORITHM: HS256 signs with the secrets above; EdDSA and ES256 with `privateKeys`. */
  algorithm: AccessTokenAlgorithm;
  /**
   * JWT_ACCESS_PRIVATE_KEYS in order (EdDSA, ES256): the first signs, each verifies the tokens whose `kid`
   * names it, and every one's public key is served at /.well-known/jwks.json.
   */
  privateKeys: AccessPrivateKey[];
  /**
   * Outside production, with an asymmetric algorithm and no private key configured: where the development
   * key pair is generated once and kept, so every local instance shares it (src/auth/dev-access-keys.ts).
   */
  devKeysDir: string | undefined;
}

/**
 * Requests allowed per client within one window, counted in MongoDB across instances; 0 = not limited.
 * See src/http/rate-limits.ts and src/auth/password-attempts.ts.
 */
export interface RateLimitSettings {
  windowSeconds: number;
  loginPerIp: number;
  /** Failed password checks (login, password change, account deletion) per normalised email, from any address. */
  loginPerAccount: number;
  /** Failed password checks per normalised email from one address (IPv6: one /56). */
  loginPerAccountAndIp: number;
  registerPerIp: number;
  refreshPerIp: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Express's "trust proxy" accepts a boolean, a hop count or a list of addresses. */
function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** Environment variables that are set but empty count as unset, as they do in most .env tooling. */
function dropEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(dropEmpty(env));
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  const problems: string[] = [];

  const hasAccessKey = e.JWT_ACCESS_SECRET !== undefined || e.JWT_ACCESS_KEYS.length > 0;
  const asymmetric = e.JWT_ACCESS_ALGORITHM !== 'HS256';
  if (isProduction && !asymmetric && !hasAccessKey) {
    problems.push('JWT_ACCESS_SECRET: required in production (at least 32 random bytes), unless JWT_ACCESS_KEYS is set');
  }
  if (isProduction && asymmetric && e.JWT_ACCESS_PRIVATE_KEYS.length === 0) {
    problems.push(`JWT_ACCESS_PRIVATE_KEYS: required in production with JWT_ACCESS_ALGORITHM=${e.JWT_ACCESS_ALGORITHM} (see .env.example)`);
  }
  problems.push(...privateKeyProblems(e.JWT_ACCESS_ALGORITHM, e.JWT_ACCESS_PRIVATE_KEYS));
  if (isProduction && e.TEST_ONLY_CLOCK_OFFSET_MS !== 0) {
    problems.push('TEST_ONLY_CLOCK_OFFSET_MS: for tests only; refused in production');
  }
  if (isProduction && !e.MONGODB_URI) {
    problems.push('MONGODB_URI: required in production; the embedded database is for development and tests only');
  }
  // Secure follows the environment unless explicitly overridden, so plain-http localhost works in development.
  const secure = e.COOKIE_SECURE ?? isProduction;
  if (e.COOKIE_SAMESITE === 'none' && !secure) {
    problems.push('COOKIE_SAMESITE: "none" requires Secure cookies (set COOKIE_SECURE=true or NODE_ENV=production); browsers reject SameSite=None without Secure');
  }
  // The failed-password budgets are the defence against guessing; the per-IP ones may be left to a balancer.
  for (const name of ['RATE_LIMIT_LOGIN_PER_ACCOUNT', 'RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP'] as const) {
    if (isProduction && e[name] === 0) problems.push(`${name}: 0 (off) is refused in production`);
  }
  if (e.ACCESS_TOKEN_TTL >= e.REFRESH_TOKEN_TTL) {
    problems.push('ACCESS_TOKEN_TTL: must be shorter than REFRESH_TOKEN_TTL');
  }
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push('HTTP_HEADERS_TIMEOUT_MS: must not be longer than HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)');
  }
  if (e.SESSION_CACHE_STALENESS_MS !== undefined || e.SESSION_CACHE_MAX_ENTRIES !== undefined) {
    problems.push(
      'SESSION_CACHE_STALENESS_MS and SESSION_CACHE_MAX_ENTRIES were replaced: revocation is now strict on every instance with memory on ' +
        '(REVOCATION_LEASE_MS, SESSION_MEMORY_MAX_ENTRIES; see .env.example); remove them',
    );
  }
  const sessionEvents = sessionEventSettings(e, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: e.NODE_ENV,
    host: e.HOST ?? (isProduction ? '0.0.0.0' : '127.0.0.1'),
    port: e.PORT,
    mongodbUri: e.MONGODB_URI,
    embeddedDb: { dir: e.EMBEDDED_DB_DIR, port: e.EMBEDDED_DB_PORT },
    jwt: {
      keys: e.JWT_ACCESS_KEYS,
      // Outside production a per-process secret keeps `npm start` a one-step affair; tokens simply do not
      // survive a restart, which the start-up warning says.
      secret: e.JWT_ACCESS_SECRET ?? (hasAccessKey || asymmetric ? undefined : randomBytes(48).toString('base64url')),
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      secretWasGenerated: !hasAccessKey && !asymmetric,
      algorithm: e.JWT_ACCESS_ALGORITHM,
      privateKeys: e.JWT_ACCESS_PRIVATE_KEYS,
      devKeysDir: asymmetric && e.JWT_ACCESS_PRIVATE_KEYS.length === 0 ? e.JWT_ACCESS_DEV_KEYS_DIR : undefined,
    },
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL,
    refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL,
    refreshReuseGraceSeconds: e.REFRESH_REUSE_GRACE_SECONDS,
    sessionAbsoluteLifetimeSeconds: e.SESSION_ABSOLUTE_LIFETIME,
    sessionLimitPerUser: e.SESSION_LIMIT_PER_USER,
    sessionExpirySweepMs: e.SESSION_EXPIRY_SWEEP_MS,
    // Set but empty turns the header off (elsewhere an empty variable counts as unset).
    clearSiteData: env.CLEAR_SITE_DATA === '' ? [] : e.CLEAR_SITE_DATA,
    cookies: { secure, sameSite: e.COOKIE_SAMESITE, domain: e.COOKIE_DOMAIN },
    corsOrigins: e.CORS_ORIGINS,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    bodyLimit: e.BODY_LIMIT,
    logLevel: e.LOG_LEVEL,
    // People read development logs; machines read the others.
    logFormat: e.LOG_FORMAT ?? (e.NODE_ENV === 'development' ? 'pretty' : 'json'),
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST },
    passwordHash: { memoryKib: e.PASSWORD_HASH_MEMORY_KIB, iterations: e.PASSWORD_HASH_ITERATIONS },
    dbOperationTimeoutMs: e.DB_OPERATION_TIMEOUT_MS,
    http: { headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS, requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS },
    rateLimits: {
      windowSeconds: e.RATE_LIMIT_WINDOW,
      loginPerIp: e.RATE_LIMIT_LOGIN_PER_IP,
      loginPerAccount: e.RATE_LIMIT_LOGIN_PER_ACCOUNT,
      loginPerAccountAndIp: e.RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP,
      registerPerIp: e.RATE_LIMIT_REGISTER_PER_IP,
      refreshPerIp: e.RATE_LIMIT_REFRESH_PER_IP,
    },
    sessionMemory: { leaseMs: e.REVOCATION_LEASE_MS, maxEntries: e.SESSION_MEMORY_MAX_ENTRIES },
    relyingServices: e.RELYING_SERVICES,
    testOnlyClockOffsetMs: e.TEST_ONLY_CLOCK_OFFSET_MS,
    sessionEvents,
  };
}

function isPrivateEd25519Jwk(text: string): boolean {
  try {
    const key = createPrivateKey({ key: JSON.parse(text) as never, format: 'jwk' });
    return key.asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * SESSION_EVENT_AUDIENCES: `<receiver URL>=<audience>` entries, comma-separated. The URL must be one of
 * SESSION_EVENT_RECEIVERS exactly, so an `=` in a query string or in the audience cannot be misread.
 */
function sessionEventSettings(e: z.infer<typeof envSchema>, problems: string[]): SessionEventSettings {
  const urls = e.SESSION_EVENT_RECEIVERS;
  const audiences = new Map<string, string>();
  for (const entry of e.SESSION_EVENT_AUDIENCES) {
    // "https://a.example=aud" names the receiver "https://a.example/" too: URL parsing adds that slash.
    const match = urls
      .flatMap((url) => [url.href, url.href.replace(/\/$/, '')].map((written) => ({ href: url.href, prefix: `${written}=` })))
      .find(({ prefix }) => entry.startsWith(prefix));
    const audience = match === undefined ? '' : entry.slice(match.prefix.length).trim();
    if (match === undefined || audience === '') problems.push(`SESSION_EVENT_AUDIENCES: "${entry}" must be <one of SESSION_EVENT_RECEIVERS>=<audience>`);
    else audiences.set(match.href, audience);
  }
  for (const url of urls) {
    if (url.protocol === 'http:' && e.NODE_ENV === 'production' && !LOOPBACK_HOSTS.has(url.hostname)) {
      problems.push(`SESSION_EVENT_RECEIVERS: "${url.href}" must be https in production (plain http only to loopback)`);
    }
  }
  if (e.SESSION_EVENT_RETRY_MAX_DELAY_MS < e.SESSION_EVENT_RETRY_BASE_MS) {
    problems.push('SESSION_EVENT_RETRY_MAX_DELAY_MS: must not be shorter than SESSION_EVENT_RETRY_BASE_MS');
  }
  // A holder still waiting for its receiver must never lose its claim to another instance.
  if (e.SESSION_EVENT_LEASE_MS <= e.SESSION_EVENT_TIMEOUT_MS) {
    problems.push('SESSION_EVENT_LEASE_MS: must be longer than SESSION_EVENT_TIMEOUT_MS');
  }
  if (e.SESSION_EVENT_SIGNING_KEY !== undefined && !isPrivateEd25519Jwk(e.SESSION_EVENT_SIGNING_KEY)) {
    problems.push('SESSION_EVENT_SIGNING_KEY: must be a private Ed25519 JWK as JSON: {"kty":"OKP","crv":"Ed25519","x":…,"d":…,"kid":…}');
  }
  if (e.NODE_ENV === 'production' && urls.length > 0 && e.SESSION_EVENT_SIGNING_KEY === undefined) {
    problems.push('SESSION_EVENT_SIGNING_KEY: required in production when SESSION_EVENT_RECEIVERS is set (a private Ed25519 JWK with a kid)');
  }
  return {
    receivers: urls.map((url) => ({ url: url.href, audience: audiences.get(url.href) ?? url.origin })),
    signingKeyJwk: e.SESSION_EVENT_SIGNING_KEY,
    keyDir: e.SESSION_EVENT_KEY_DIR,
    retryHorizonMs: e.SESSION_EVENT_RETRY_HORIZON * 1000,
    retryBaseMs: e.SESSION_EVENT_RETRY_BASE_MS,
    retryMaxDelayMs: e.SESSION_EVENT_RETRY_MAX_DELAY_MS,
    timeoutMs: e.SESSION_EVENT_TIMEOUT_MS,
    leaseMs: e.SESSION_EVENT_LEASE_MS,
    pollMs: e.SESSION_EVENT_POLL_MS,
  };
}
