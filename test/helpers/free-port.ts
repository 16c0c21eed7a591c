import { createServer } from 'node:net';

/**
 * A TCP port free right now on 127.0.0.1 (a bridge's HTTP port, a brokerless ZeroMQ endpoint). Another
 * process may take it before the caller binds it; good enough for tests on one machine.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}
