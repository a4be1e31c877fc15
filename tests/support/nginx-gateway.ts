import { existsSync, mkdtempSync, readFileSync, rmSync, chmodSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnProcess, type SpawnedProcess } from './api-process';

/**
 * Debian's nginx as a child process in front of the API, configured by the documented file
 * (examples/gateways/nginx.conf) with only its addresses replaced. Everything nginx writes (pid, logs,
 * temp files) stays in a temporary directory; it runs in the foreground (`daemon off`), never as a service.
 */

export const NGINX_EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'gateways', 'nginx.conf');

export function findNginx(): string | undefined {
  return ['/usr/sbin/nginx', '/usr/bin/nginx'].find((file) => existsSync(file));
}

/** Replaces `from` by `to` in `text`, insisting that it occurs exactly once, so the example cannot drift from what is tested. */
function replaceOnce(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`expected "${from}" exactly once in ${NGINX_EXAMPLE}, found it ${parts.length - 1} times`);
  return parts.join(to);
}

/** The documented server block with the test's addresses: the API instances, the app, the gateway's own port. */
export function renderNginxExample(addresses: { api: string[]; app: string; listenPort: number }): string {
  let conf = readFileSync(NGINX_EXAMPLE, 'utf8');
  conf = replaceOnce(conf, '    server 127.0.0.1:3000;\n', addresses.api.map((address) => `    server ${address};\n`).join(''));
  conf = replaceOnce(conf, 'server 127.0.0.1:4000;', `server ${addresses.app};`);
  return replaceOnce(conf, 'listen 127.0.0.1:8080;', `listen 127.0.0.1:${addresses.listenPort};`);
}

export interface Gateway {
  url: string;
  process: SpawnedProcess;
  stop(): Promise<void>;
}

export async function startNginx(nginx: string, serverBlock: string): Promise<Gateway> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nginx-gateway-'));
  // Run as root, nginx's workers drop to nobody, who must reach the temp directories inside.
  chmodSync(dir, 0o755);
  const port = Number(/listen 127\.0\.0\.1:(\d+);/.exec(serverBlock)?.[1]);
  const temp = (name: string) => `${name}_temp_path ${path.join(dir, name)};`;
  const main = [
    'daemon off;',
    'worker_processes 1;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    `error_log ${path.join(dir, 'error.log')} warn;`,
    'events { worker_connections 256; }',
    'http {',
    `  access_log ${path.join(dir, 'access.log')};`,
    `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
    serverBlock,
    '}',
  ].join('\n');
  writeFileSync(path.join(dir, 'nginx.conf'), main);
  // -e: nginx opens its default error log before reading the configuration; keep even that one here.
  const child = spawnProcess(nginx, ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', path.join(dir, 'nginx.conf')], { cwd: dir, env: { PATH: process.env.PATH ?? '' } });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.child.exitCode !== null) {
      const log = existsSync(path.join(dir, 'error.log')) ? readFileSync(path.join(dir, 'error.log'), 'utf8') : '';
      await stop();
      throw new Error(`nginx exited (${child.child.exitCode}):\n${child.output()}\n${log}`);
    }
    if (await fetch(`${url}/api/v1/healthz-does-not-exist`).then(() => true, () => false)) return { url, process: child, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not answer on ${url}:\n${child.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A request the app behind the gateway received. */
export interface UpstreamHit {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** performance.now() in this process when it arrived. */
  at: number;
}

/** The app behind the gateway: answers 200 to everything and remembers every request that reached it. */
export async function startRecordingUpstream(): Promise<{ address: string; hits: UpstreamHit[]; close(): Promise<void> }> {
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
