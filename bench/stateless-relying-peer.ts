import express from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';

/**
 * The peer of the relying-service bench case: the same route as examples/relying-service, verifying the
 * token statelessly against the API's key set with jose, and nothing else (no revocation: a logged-out
 * token works here until it expires). Env: AUTH_API_URL, PORT.
 */

const jwks = createRemoteJWKSet(new URL(`${process.env.AUTH_API_URL}/.well-known/jwks.json`), { cacheMaxAge: 300_000 });
const app = express();
app.disable('x-powered-by');
app.get('/orders', async (req, res) => {
  const token = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
  try {
    if (!token) throw new Error('no token');
    const { payload } = await jwtVerify(token, jwks, { issuer: 'logout-auth-api', audience: 'logout-auth-api', algorithms: ['EdDSA', 'ES256'] });
    res.set('Cache-Control', 'no-store').json({ success: true, userId: payload.sub, sessionId: payload.sid, orders: [] });
  } catch {
    res.status(401).json({ success: false, code: 'UNAUTHORIZED', message: 'Authentication required' });
  }
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('relying peer listening'));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
