import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { findFreePort } from '../src/dev-database/free-port';
import { spawnProcess, startApi, type SpawnedProcess } from '../tests/support/api-process';
import { startRelyingService } from '../tests/support/relying-process';
import { CONNECTIONS, DURATION_SECONDS, ROUNDS, WARMUP_SECONDS } from './settings';

/**
 * The relying service's authenticated route (examples/relying-service: local EdDSA check, memory, the
 * revocation feed followed every lease/4) against the same route verifying the JWT statelessly with jose
 * (bench/stateless-relying-peer.ts), side by side: ROUNDS interleaved rounds of DURATION_SECONDS each,
 * medians, the per-round ratio's median. One API process on the embedded database serves the keys, the
 * feed and the first verify of each token. Run by `npm run bench` (bench/run.ts) or alone:
 * `npx tsx bench/relying-service-bench.ts`.
 */

const CREDENTIAL = 'bench-relying-credential-0123456789abcdef';
const USERS = 100;

async function rps(url: string, tokens: string[], seconds: number): Promise<{ rps: number; p99: number; non2xx: number }> {
  let i = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${tokens[i++ % tokens.length]}` } }) }],
  });
  return { rps: Math.round(result['2xx'] / result.duration), p99: result.latency.p99, non2xx: result.non2xx + result.errors };
}

export interface RelyingBenchResult {
  relying: number[];
  stateless: number[];
  medianRelying: number;
  medianStateless: number;
  /** Median of the per-round ratios relying / stateless. */
  ratio: number;
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

export async function benchRelyingService(progress: (line: string) => void = console.log): Promise<RelyingBenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'relying-bench-'));
  const processes: SpawnedProcess[] = [];
  try {
    const api = await startApi({
      NODE_ENV: 'development',
      EMBEDDED_DB_DIR: path.join(dir, 'db'),
      JWT_ACCESS_ALGORITHM: 'EdDSA',
      JWT_ACCESS_DEV_KEYS_DIR: path.join(dir, 'keys'),
      RELYING_SERVICES: `orders:${CREDENTIAL}`,
      LOG_LEVEL: 'warn',
      PASSWORD_HASH_MEMORY_KIB: '8192',
      PASSWORD_HASH_ITERATIONS: '1',
      RATE_LIMIT_REGISTER_PER_IP: '0',
    });
    processes.push(api);
    const tokens: string[] = [];
    for (let i = 0; i < USERS; i += 1) {
      const res = await fetch(`${api.url}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: `bench-${i}-${Date.now()}@example.com`, password: 'correct horse battery staple' }),
      });
      tokens.push(((await res.json()) as { accessToken: string }).accessToken);
    }
    const relying = await startRelyingService({ AUTH_API_URL: api.url, RELYING_SERVICE_NAME: 'orders', RELYING_SERVICE_CREDENTIAL: CREDENTIAL });
    processes.push(relying);
    const peerPort = await findFreePort();
    const peer = spawnProcess(process.execPath, ['--import', 'tsx', path.join(__dirname, 'stateless-relying-peer.ts')], {
      cwd: path.resolve(__dirname, '..'),
      env: { PATH: process.env.PATH ?? '', AUTH_API_URL: api.url, PORT: String(peerPort) },
    });
    processes.push(peer);
    await peer.printed(/listening/);
    const cases = { relying: `${relying.url}/orders`, stateless: `http://127.0.0.1:${peerPort}/orders` };
    // Every token once (the relying service's first verify of each), then the warm-up.
    for (const url of Object.values(cases)) for (const token of tokens) await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    const rounds: Record<'relying' | 'stateless', number[]> = { relying: [], stateless: [] };
    for (let round = 1; round <= ROUNDS; round += 1) {
      const order = (round % 2 === 1 ? ['relying', 'stateless'] : ['stateless', 'relying']) as Array<'relying' | 'stateless'>;
      for (const name of order) {
        await rps(cases[name], tokens, WARMUP_SECONDS);
        const measured = await rps(cases[name], tokens, DURATION_SECONDS);
        progress(`relying bench round ${round}, ${name}: ${measured.rps} req/s, p99 ${measured.p99} ms, non-2xx ${measured.non2xx}`);
        rounds[name].push(measured.rps);
      }
    }
    const ratios = rounds.relying.map((value, i) => value / rounds.stateless[i]!);
    return {
      ...rounds,
      medianRelying: median(rounds.relying),
      medianStateless: median(rounds.stateless),
      ratio: Math.round(median(ratios) * 100) / 100,
    };
  } finally {
    for (const child of processes.reverse()) await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchRelyingService()
    .then((result) => console.log(JSON.stringify(result)))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
