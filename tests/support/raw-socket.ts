import net from 'node:net';

/**
 * Writes raw bytes to 127.0.0.1:port without ending the request, and resolves with everything the
 * server sent until it closed the connection: for clients that stall, which no HTTP client can play.
 */
export function writeAndWaitForClose(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
    socket.write(payload);
  });
}
