import express from 'express';
import { createVerifier, requireSession, sessionOf } from '../../packages/verifier/src';

/**
 * A small API of another team (orders) that accepts the auth API's access tokens and keeps its logout
 * promise: `AUTH_API_URL=http://127.0.0.1:3000 RELYING_SERVICE_NAME=orders RELYING_SERVICE_CREDENTIAL=…
 * npx tsx examples/relying-service/server.ts`, with the auth API started with
 * `RELYING_SERVICES=orders:<the same credential>`. docs/INTEGRATION.md explains it.
 */

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const verifier = createVerifier({
  apiUrl: required('AUTH_API_URL'),
  serviceName: required('RELYING_SERVICE_NAME'),
  credential: required('RELYING_SERVICE_CREDENTIAL'),
  onError: (error) => console.warn(`auth API: ${(error as Error).message}`),
});
verifier.start();

const app = express();
app.disable('x-powered-by');
app.get('/orders', requireSession(verifier), (_req, res) => {
  const { userId, sessionId } = sessionOf(res);
  res.set('Cache-Control', 'no-store').json({ success: true, userId, sessionId, orders: [] });
});

const port = Number(process.env.PORT ?? 4000);
const host = process.env.HOST ?? '127.0.0.1';
const server = app.listen(port, host, () => console.log(`relying service listening on http://${host}:${port}`));
const shutdown = () => {
  verifier.stop();
  server.close(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
