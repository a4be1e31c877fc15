import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnProcess } from './api-process';
import { replaceOnce, startedGateway, type Gateway, type GatewayAddresses } from './gateway-process';

/**
 * Traefik as a child process in front of the API, with the documented dynamic configuration
 * (examples/gateways/traefik.yml, addresses replaced) and the entry point given on the command line.
 * Debian does not package Traefik: scripts/build-traefik.sh builds it from the Go module proxy into
 * .gateways/ (git-ignored), and .ci/run runs that script.
 */

export const TRAEFIK_EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'gateways', 'traefik.yml');
const TRAEFIK_BINARY = path.resolve(__dirname, '..', '..', '.gateways', 'traefik-v3.6.9');

export function findTraefik(): string | undefined {
  return existsSync(TRAEFIK_BINARY) ? TRAEFIK_BINARY : undefined;
}

/** The documented configuration with the test's addresses: verify on the first API instance, the API's routes on all. */
export function renderTraefikExample(addresses: GatewayAddresses): string {
  let conf = readFileSync(TRAEFIK_EXAMPLE, 'utf8');
  conf = replaceOnce(conf, 'address: "http://127.0.0.1:3000/api/v1/auth/verify"', `address: "http://${addresses.api[0]}/api/v1/auth/verify"`, TRAEFIK_EXAMPLE);
  const apiServers = addresses.api.map((address) => `          - url: "http://${address}"\n`).join('');
  conf = replaceOnce(conf, '          - url: "http://127.0.0.1:3000"\n', apiServers, TRAEFIK_EXAMPLE);
  return replaceOnce(conf, 'url: "http://127.0.0.1:4000"', `url: "http://${addresses.app}"`, TRAEFIK_EXAMPLE);
}

export function startTraefik(traefik: string, dynamicConfig: string, listenPort: number): Promise<Gateway> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'traefik-gateway-'));
  const file = path.join(dir, 'dynamic.yml');
  writeFileSync(file, dynamicConfig);
  const args = [
    `--entryPoints.web.address=127.0.0.1:${listenPort}`,
    `--providers.file.filename=${file}`,
    '--global.checkNewVersion=false',
    '--global.sendAnonymousUsage=false',
    '--log.level=WARN',
  ];
  const child = spawnProcess(traefik, args, { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir } });
  return startedGateway('traefik', child, listenPort, dir);
}
