import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnProcess } from './api-process';
import { findExecutable, replaceOnce, startedGateway, type Gateway, type GatewayAddresses } from './gateway-process';

/**
 * Debian's nginx as a child process in front of the API, configured by the documented file
 * (examples/gateways/nginx.conf) with only its addresses replaced. Everything nginx writes (pid, logs,
 * temp files) stays in a temporary directory; it runs in the foreground (`daemon off`), never as a service.
 */

export const NGINX_EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'gateways', 'nginx.conf');

export function findNginx(): string | undefined {
  return findExecutable(['/usr/sbin/nginx', '/usr/bin/nginx']);
}

/** The documented server block with the test's addresses: the API instances, the app, the gateway's own port. */
export function renderNginxExample(addresses: GatewayAddresses): string {
  let conf = readFileSync(NGINX_EXAMPLE, 'utf8');
  conf = replaceOnce(conf, '    server 127.0.0.1:3000;\n', addresses.api.map((address) => `    server ${address};\n`).join(''), NGINX_EXAMPLE);
  conf = replaceOnce(conf, 'server 127.0.0.1:4000;', `server ${addresses.app};`, NGINX_EXAMPLE);
  return replaceOnce(conf, 'listen 127.0.0.1:8080;', `listen 127.0.0.1:${addresses.listenPort};`, NGINX_EXAMPLE);
}

export function startNginx(nginx: string, serverBlock: string, listenPort: number): Promise<Gateway> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nginx-gateway-'));
  // Run as root, nginx's workers drop to nobody, who must reach the temp directories inside.
  chmodSync(dir, 0o755);
  const temp = (name: string) => `${name}_temp_path ${path.join(dir, name)};`;
  const errorLog = path.join(dir, 'error.log');
  const main = [
    'daemon off;',
    'worker_processes 1;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    `error_log ${errorLog} warn;`,
    'events { worker_connections 256; }',
    'http {',
    `  access_log ${path.join(dir, 'access.log')};`,
    `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
    serverBlock,
    '}',
  ].join('\n');
  writeFileSync(path.join(dir, 'nginx.conf'), main);
  // -e: nginx opens its default error log before reading the configuration; keep even that one here.
  const child = spawnProcess(nginx, ['-p', dir, '-e', errorLog, '-c', path.join(dir, 'nginx.conf')], { cwd: dir, env: { PATH: process.env.PATH ?? '' } });
  return startedGateway('nginx', child, listenPort, dir, () => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''));
}
