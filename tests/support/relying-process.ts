import net from 'node:net';
import path from 'node:path';
import { findFreePort } from '../../src/dev-database/free-port';
import { spawnProcess, type SpawnedProcess } from './api-process';

/** The example relying service (examples/relying-service) as a real process, and a cuttable path to the API. */

const ROOT = path.resolve(__dirname, '..', '..');

export interface RelyingProcess extends SpawnedProcess {
  url: string;
}

export async function startRelyingService(env: { AUTH_API_URL: string; RELYING_SERVICE_NAME: string; RELYING_SERVICE_CREDENTIAL: string }): Promise<RelyingProcess> {
  const port = await findFreePort();
  const spawned = spawnProcess(process.execPath, ['--import', 'tsx', 'examples/relying-service/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (!(await fetch(`${url}/orders`).then((res) => res.status === 401, () => false))) {
    if (spawned.child.exitCode !== null || Date.now() > deadline) {
      await spawned.stop();
      throw new Error(`the relying service did not start:\n${spawned.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { ...spawned, url };
}

/** A TCP relay on 127.0.0.1 to `target`; `cut()` resets every connection and refuses new ones until `mend()`. */
export async function startRelay(target: string): Promise<{ url: string; cut(): void; mend(): void; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) return void client.resetAndDestroy();
    const upstream = net.connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut() {
      cut = true;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    mend() {
      cut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
