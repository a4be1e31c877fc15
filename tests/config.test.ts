import { ConfigError, loadConfig } from '../src/config';
import { parseDuration } from '../src/duration';

const SECRET = 'x'.repeat(32);

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('has development defaults that need no environment at all', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      host: '127.0.0.1',
      port: 3000,
      mongodbUri: undefined,
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 604800,
      refreshReuseGraceSeconds: 10,
      cookies: { secure: false, sameSite: 'lax', domain: undefined },
      corsOrigins: [],
    });
    // A missing secret is generated (with a warning from the server) outside production.
    expect(config.jwt.secretWasGenerated).toBe(true);
    expect(Buffer.byteLength(config.jwt.secret ?? '')).toBeGreaterThanOrEqual(32);
  });

  it('turns Secure on in production and lets COOKIE_SECURE override either way', () => {
    const production = { NODE_ENV: 'production', JWT_ACCESS_SECRET: SECRET, MONGODB_URI: 'mongodb://db:27017/auth' };
    expect(loadConfig(production).cookies.secure).toBe(true);
    expect(loadConfig({ ...production, COOKIE_SECURE: 'false' }).cookies.secure).toBe(false);
    expect(loadConfig({ COOKIE_SECURE: 'true' }).cookies.secure).toBe(true);
    expect(loadConfig(production).host).toBe('0.0.0.0');
  });

  it('gives slow clients 10 s for their headers and 30 s for their whole request, well below Node\'s 60 s and 300 s', () => {
    expect(loadConfig({}).http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
    expect(loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '2000', HTTP_REQUEST_TIMEOUT_MS: '5000' }).http).toEqual({ headersTimeoutMs: 2000, requestTimeoutMs: 5000 });
    // Node refuses a headers timeout longer than the request timeout; so does the configuration, readably.
    expect(problemsOf({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' })).toEqual([expect.stringMatching(/^HTTP_HEADERS_TIMEOUT_MS: /)]);
  });

  it('refuses SameSite=None without Secure', () => {
    expect(problemsOf({ COOKIE_SAMESITE: 'none' })).toEqual([expect.stringMatching(/^COOKIE_SAMESITE: .*Secure/)]);
    expect(loadConfig({ COOKIE_SAMESITE: 'none', COOKIE_SECURE: 'true' }).cookies.sameSite).toBe('none');
  });

  it('requires a JWT secret and a MongoDB URI in production', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toEqual([expect.stringMatching(/^JWT_ACCESS_SECRET: /), expect.stringMatching(/^MONGODB_URI: /)]);
  });

  it('reads JWT_ACCESS_KEYS as kid:secret pairs in order, the signing key first; secrets may hold colons', () => {
    const config = loadConfig({ JWT_ACCESS_KEYS: ` 2025-06:${SECRET}:x , 2025-01.a_b:${SECRET} ,` });
    expect(config.jwt.keys).toEqual([
      { kid: '2025-06', secret: `${SECRET}:x` },
      { kid: '2025-01.a_b', secret: SECRET },
    ]);
    // With keys, nothing is generated, and no unnamed secret verifies anything.
    expect(config.jwt).toMatchObject({ secret: undefined, secretWasGenerated: false });
  });

  it('takes JWT_ACCESS_KEYS instead of JWT_ACCESS_SECRET in production, and keeps JWT_ACCESS_SECRET beside it', () => {
    const production = { NODE_ENV: 'production', MONGODB_URI: 'mongodb://db:27017/auth' };
    expect(loadConfig({ ...production, JWT_ACCESS_KEYS: `k1:${SECRET}` }).jwt.keys).toHaveLength(1);
    expect(loadConfig({ ...production, JWT_ACCESS_KEYS: `k1:${SECRET}`, JWT_ACCESS_SECRET: SECRET }).jwt.secret).toBe(SECRET);
  });

  it.each([
    ['a key without an id', SECRET, /kid:secret/],
    ['an id with a slash', `../k:${SECRET}`, /kid:secret/],
    ['an empty id', `:${SECRET}`, /kid:secret/],
    ['a short secret, named by its kid only', 'k1:short', /"k1" must be at least 32 bytes/],
    ['an id listed twice', `k1:${SECRET},k1:${SECRET}`, /"k1" is listed twice/],
  ])('refuses JWT_ACCESS_KEYS with %s, without echoing a secret', (_name, value, message) => {
    const problems = problemsOf({ JWT_ACCESS_KEYS: value });
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^JWT_ACCESS_KEYS: .*${message.source}`))]);
    expect(problems.join()).not.toContain(SECRET);
    expect(problems.join()).not.toContain('short');
  });

  it('reports every bad value, one readable line each', () => {
    const problems = problemsOf({ PORT: 'eighty', JWT_ACCESS_SECRET: 'short', ACCESS_TOKEN_TTL: 'soon', COOKIE_SECURE: 'yes', NODE_ENV: 'staging' });
    expect(problems).toHaveLength(5);
    for (const name of ['PORT', 'JWT_ACCESS_SECRET', 'ACCESS_TOKEN_TTL', 'COOKIE_SECURE', 'NODE_ENV']) {
      expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${name}: `))]));
    }
  });

  it('parses lists and durations', () => {
    const config = loadConfig({ CORS_ORIGINS: 'http://a.test, http://b.test,', ACCESS_TOKEN_TTL: '5m', REFRESH_TOKEN_TTL: '30d' });
    expect(config.corsOrigins).toEqual(['http://a.test', 'http://b.test']);
    expect(config.accessTokenTtlSeconds).toBe(300);
    expect(config.refreshTokenTtlSeconds).toBe(30 * 86400);
  });

  it('refuses an access token that outlives the refresh token', () => {
    expect(problemsOf({ ACCESS_TOKEN_TTL: '8d' })).toEqual([expect.stringMatching(/^ACCESS_TOKEN_TTL: /)]);
  });

  it('logs for people in development and for machines elsewhere, unless LOG_FORMAT says otherwise', () => {
    const production = { NODE_ENV: 'production', JWT_ACCESS_SECRET: SECRET, MONGODB_URI: 'mongodb://db:27017/auth' };
    expect(loadConfig({}).logFormat).toBe('pretty');
    expect(loadConfig({ NODE_ENV: 'test' }).logFormat).toBe('json');
    expect(loadConfig(production).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(loadConfig({ ...production, LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(problemsOf({ LOG_FORMAT: 'yaml' })).toEqual([expect.stringMatching(/^LOG_FORMAT: /)]);
  });

  it('serves metrics only when METRICS_PORT is set, on loopback unless METRICS_HOST says otherwise', () => {
    expect(loadConfig({}).metrics).toEqual({ port: undefined, host: '127.0.0.1' });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(problemsOf({ METRICS_PORT: 'ninety' })).toEqual([expect.stringMatching(/^METRICS_PORT: /)]);
  });

  it('treats empty variables as unset, as .env files write them', () => {
    expect(loadConfig({ MONGODB_URI: '', COOKIE_SECURE: '' }).mongodbUri).toBeUndefined();
  });
});

describe('parseDuration', () => {
  it.each([
    ['900', 900],
    ['90s', 90],
    ['15m', 900],
    ['12h', 43200],
    ['7d', 604800],
  ])('reads %s as %i seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each(['', 'm', '1.5h', '-5m', '10w', '99999999999999999999d'])('rejects %p', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});
