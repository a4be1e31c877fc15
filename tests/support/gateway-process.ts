import { existsSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitUntilAnswering, type SpawnedProcess } from './api-process';

/**
 * What the gateway tests share, whatever the gateway (nginx, Caddy): the documented configuration file
 * with only its addresses replaced, the gateway as a child process, and the app behind it.
 */

/** The first of these files that exists: where Debian installs a gateway's binary. */
export function findExecutable(candidates: string[]): string | undefined {
  return candidates.find((file) => existsSync(file));
}

/**
 * Replaces `from` by `to` in the text of `file`, insisting that it occurs exactly once, so that the
 * documented example cannot drift from what is tested.
 */
export function replaceOnce(text: string, from: string, to: string, file: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`expected "${from}" exactly once in ${file}, found it ${parts.length - 1} times`);
  return parts.join(to);
}

/** Where a test puts the API instances, the app behind the gateway and the gateway itself. */
export interface GatewayAddresses {
  /** host:port of each API instance. */
  api: string[];
  /** host:port of the app. */
  app: string;
  /** The gateway's own port on 127.0.0.1. */
  listenPort: number;
}

export interface Gateway {
  url: string;
  process: SpawnedProcess;
  stop(): Promise<void>;
}

/**
 * The gateway process `child`, listening on loopback `port`, whose files all live in `dir` (stopping it
 * deletes them). Resolves once a request for the API passes through it (the API's OpenAPI document: a
 * gateway may answer before it has loaded its routes), or stops it and throws with what it printed
 * (`log()` adds a log file of its own) if it exits or does not get there within 10 s.
 */
export async function startedGateway(name: string, child: SpawnedProcess, port: number, dir: string, log: () => string = () => ''): Promise<Gateway> {
  const gateway: Gateway = {
    url: `http://127.0.0.1:${port}`,
    process: child,
    stop: async () => {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntilAnswering(`${gateway.url}/api/v1/openapi.json`, child, 10_000, name);
  } catch (error) {
    await gateway.stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${log()}`);
  }
  return gateway;
}

/** A request the app behind the gateway received. */
export interface UpstreamHit {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** performance.now() in this process when it arrived. */
  at: number;
}

export interface RecordingUpstream {
  address: string;
  hits: UpstreamHit[];
  close(): Promise<void>;
}

/** The app behind the gateway: answers 200 to everything and remembers every request that reached it. */
export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const hits: UpstreamHit[] = [];
  const server: Server = createServer((req, res) => {
    hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, at: performance.now() });
    req.resume();
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ app: true, userId: req.headers['x-auth-user-id'] ?? null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
