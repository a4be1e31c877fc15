import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnProcess } from './api-process';
import { findExecutable, replaceOnce, startedGateway, type Gateway, type GatewayAddresses } from './gateway-process';

/**
 * Debian's caddy as a child process in front of the API, configured by the documented file
 * (examples/gateways/Caddyfile) with only its addresses replaced. Its configuration and data folders
 * (Caddy keeps an autosaved copy of the configuration there) are a temporary directory; it runs in the
 * foreground (`caddy run`), never as a service, with no admin endpoint.
 */

export const CADDY_EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'gateways', 'Caddyfile');

export function findCaddy(): string | undefined {
  return findExecutable(['/usr/bin/caddy', '/usr/sbin/caddy', '/usr/local/bin/caddy']);
}

/** The documented Caddyfile with the test's addresses: the API instances, the app, the gateway's own port. */
export function renderCaddyExample(addresses: GatewayAddresses): string {
  let conf = readFileSync(CADDY_EXAMPLE, 'utf8');
  conf = replaceOnce(conf, '\tto 127.0.0.1:3000\n', `\tto ${addresses.api.join(' ')}\n`, CADDY_EXAMPLE);
  conf = replaceOnce(conf, 'reverse_proxy 127.0.0.1:4000', `reverse_proxy ${addresses.app}`, CADDY_EXAMPLE);
  return replaceOnce(conf, '\n:8080 {\n', `\n:${addresses.listenPort} {\n`, CADDY_EXAMPLE);
}

export function startCaddy(caddy: string, caddyfile: string, listenPort: number): Promise<Gateway> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'caddy-gateway-'));
  const file = path.join(dir, 'Caddyfile');
  writeFileSync(file, caddyfile);
  const child = spawnProcess(caddy, ['run', '--config', file, '--adapter', 'caddyfile'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_DATA_HOME: path.join(dir, 'data') },
  });
  return startedGateway('caddy', child, listenPort, dir);
}
