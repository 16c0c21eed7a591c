import { connect as tcpConnect } from 'node:net';

/** Resolves true when something accepts TCP connections on host:port within `timeoutMs`. */
export function brokerAvailable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Decides whether a broker-dependent suite runs. Returns true when the broker answers. When it does
 * not: with `POLYBUS_REQUIRE_BROKERS=1` (CI) it throws, failing the run; otherwise it prints one line
 * naming the missing broker and the command that starts it, and returns false so the caller skips.
 */
export async function requireBroker(name: string, host: string, port: number): Promise<boolean> {
  if (await brokerAvailable(host, port)) return true;
  const hint = `${name} is not reachable on ${host}:${port}; start it with: bash scripts/brokers.sh up`;
  if (process.env.POLYBUS_REQUIRE_BROKERS === '1') throw new Error(`required broker missing: ${hint}`);
  console.warn(`[polybus] skipping ${name} tests: ${hint}`);
  return false;
}
