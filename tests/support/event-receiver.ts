import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';

/**
 * A receiver of session-end events, as a real process (the tests start it with `node --import tsx`): it
 * verifies every SET against the API's JWKS with jose, checks the claims like a strict receiver, and records
 * each jti and how often it came. It answers RFC 8935: 202, or 400 with an error body for a SET it refuses.
 *
 * POST /events            a SET (application/secevent+jwt)
 * POST /control/mode      body "accept" (202), "unavailable" (503 to every SET), "hang" (no answer), "reject" (400),
 *                         or "accept-paired": as "accept", but the first SET is answered only once a second one has
 *                         come (or after PAIR_WAIT_MS): a sender delivers one SET at a time until it has an answer
 *                         (its probe), so the second comes from another sender, and both have delivered one
 * GET  /control/received  {"events": [{jti, count, header, claims}], "refused": [{err, description}], "faults"}
 *
 * Settings (environment): PORT, JWKS_URL, ISSUER, AUDIENCE. Prints "receiver listening on <port>" when ready.
 */

const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const INITIATORS = new Set(['user', 'admin', 'policy', 'system']);

const { PORT = '0', JWKS_URL, ISSUER, AUDIENCE } = process.env;
if (!JWKS_URL || !ISSUER || !AUDIENCE) throw new Error('JWKS_URL, ISSUER and AUDIENCE are required');
// The API may be down (a test kills it): a JWKS that cannot be fetched is the receiver's trouble, not the SET's.
const jwks = createRemoteJWKSet(new URL(JWKS_URL), { cooldownDuration: 0, timeoutDuration: 2000 });

let mode: 'accept' | 'accept-paired' | 'unavailable' | 'reject' | 'hang' = 'accept';
/**
 * How many SETs it answered 503 to, or left hanging: proof that the sender met the fault. `paired`: 1 once
 * the first SET of "accept-paired" was released by a second one, not by the wait running out.
 */
const faults = { unavailable: 0, hung: 0, paired: 0 };
/** Below the senders' SESSION_EVENT_TIMEOUT_MS in the tests (5 s), so a held SET is never sent twice. */
const PAIR_WAIT_MS = 3_000;
let pairing: { releaseFirst?: () => void; done: boolean } = { done: false };

/** In "accept-paired": the first SET waits for a second (or PAIR_WAIT_MS); every later one goes straight on. */
async function pairFirstTwo(): Promise<void> {
  if (pairing.done) return;
  if (pairing.releaseFirst) {
    faults.paired = 1;
    pairing.done = true;
    pairing.releaseFirst();
    return;
  }
  await new Promise<void>((resolve) => {
    pairing.releaseFirst = resolve;
    setTimeout(resolve, PAIR_WAIT_MS);
  });
  pairing.done = true;
}
const received = new Map<string, { jti: string; count: number; header: unknown; claims: JWTPayload }>();
const refused: Array<{ err: string; description: string }> = [];

class Refusal extends Error {
  constructor(readonly err: string, description: string) {
    super(description);
  }
}

function require_(condition: unknown, description: string): asserts condition {
  if (!condition) throw new Refusal('invalid_request', description);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Everything a receiver should check beyond the signature, issuer, audience and typ that jwtVerify checks. */
function checkClaims(claims: JWTPayload): void {
  require_(typeof claims.jti === 'string' && claims.jti.length > 0, 'jti missing');
  require_(typeof claims.iat === 'number', 'iat missing');
  require_(claims.exp === undefined && claims.sub === undefined, 'a SET carries neither exp nor sub (RFC 8417)');
  const subId = claims.sub_id;
  require_(isObject(subId) && subId.format === 'complex', 'sub_id must be a complex subject (RFC 9493)');
  for (const part of ['user', 'session']) {
    const id = subId[part];
    require_(isObject(id) && id.format === 'opaque' && typeof id.id === 'string' && id.id.length > 0, `sub_id.${part} must be an opaque id`);
  }
  const events = claims.events;
  require_(isObject(events) && Object.keys(events).length === 1 && isObject(events[SESSION_REVOKED]), 'events must hold exactly session-revoked');
  const event = events[SESSION_REVOKED] as Record<string, unknown>;
  require_(Number.isInteger(event.event_timestamp), 'event_timestamp must be whole seconds');
  require_(INITIATORS.has(event.initiating_entity as string), 'initiating_entity unknown');
  require_(isObject(event.reason_admin) && typeof event.reason_admin.en === 'string', 'reason_admin.en missing');
}

async function verify(token: string) {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: 'secevent+jwt',
      algorithms: ['EdDSA'],
    });
    require_(typeof protectedHeader.kid === 'string', 'kid missing');
    checkClaims(payload);
    return { payload, protectedHeader };
  } catch (error) {
    if (error instanceof Refusal) throw error;
    if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWSInvalid) {
      throw new Refusal('invalid_key', (error as Error).message);
    }
    if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTInvalid) throw new Refusal('invalid_request', (error as Error).message);
    throw error; // the JWKS could not be fetched: 503 below, the sender retries
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, body === undefined ? {} : { 'Content-Type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

async function receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const token = await readBody(req);
  if (mode === 'unavailable') {
    faults.unavailable += 1;
    return answer(res, 503);
  }
  if (mode === 'hang') {
    faults.hung += 1;
    return; // never answered: the sender's timeout (or its death) ends it
  }
  if (mode === 'reject') return answer(res, 400, { err: 'invalid_request', description: 'this receiver refuses every SET (test mode)' });
  if (mode === 'accept-paired') await pairFirstTwo();
  if (req.headers['content-type'] !== 'application/secevent+jwt') return answer(res, 400, { err: 'invalid_request', description: 'Content-Type must be application/secevent+jwt' });
  try {
    const { payload, protectedHeader } = await verify(token);
    const jti = payload.jti!;
    const seen = received.get(jti);
    // De-duplication by jti: a repeat is acknowledged and not acted on again.
    if (seen) seen.count += 1;
    else received.set(jti, { jti, count: 1, header: protectedHeader, claims: payload });
    answer(res, 202);
  } catch (error) {
    if (!(error instanceof Refusal)) return answer(res, 503);
    refused.push({ err: error.err, description: error.message });
    answer(res, 400, { err: error.err, description: error.message });
  }
}

const server = createServer((req, res) => {
  const route = `${req.method} ${req.url}`;
  if (route === 'POST /events') return void receive(req, res).catch(() => answer(res, 500));
  if (route === 'POST /control/mode') {
    return void readBody(req).then((body) => {
      mode = body.trim() as typeof mode;
      pairing = { done: false };
      answer(res, 200, { mode });
    });
  }
  if (route === 'GET /control/received') return answer(res, 200, { events: [...received.values()], refused, faults });
  answer(res, 404);
});
server.listen(Number(PORT), '127.0.0.1', () => {
  const address = server.address();
  console.log(`receiver listening on ${typeof address === 'object' && address ? address.port : PORT}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
