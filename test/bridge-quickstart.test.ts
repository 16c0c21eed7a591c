import { afterEach, describe, expect, it } from 'vitest';
import { BridgeProcess, runCli } from './helpers/bridge-process.js';

let bridge: BridgeProcess | undefined;
afterEach(() => bridge?.kill());

describe('examples/quickstart.yaml (what `npm start` runs)', () => {
  it('runs with no broker: filter, transform and dead-letter between stdin and stdout', async () => {
    // Port 0: the quickstart's default 9464 may be taken on a test machine.
    bridge = await BridgeProcess.start('examples/quickstart.yaml', {
      env: { POLYBUS_HTTP_PORT: '0', POLYBUS_LOG_LEVEL: 'info' },
    });
    bridge.send(['{"id": 1, "total": 250}', '{"id": 2, "total": 5}', 'not json', '{"id": 3, "total": 5000}']);
    await bridge.waitForLines(3);
    await new Promise((r) => setTimeout(r, 200));
    expect(bridge.lines).toHaveLength(3);
    const orders = bridge.lines.filter((l) => l.startsWith('{"orderId"'));
    expect(orders.sort()).toEqual([
      '{"orderId":1,"total":250,"big":false}',
      '{"orderId":3,"total":5000,"big":true}',
    ]);
    const dead = bridge.lines
      .filter((l) => !l.startsWith('{"orderId"'))
      .map((l) => JSON.parse(l) as { body: string; headers: Record<string, string> });
    expect(dead).toHaveLength(1);
    expect(dead[0]?.body).toBe('not json');
    expect(dead[0]?.headers['x-polybus-route']).toBe('big-orders');
    expect(dead[0]?.headers['x-polybus-error']).toContain('order must be a JSON object');
    expect(await bridge.stop('SIGTERM')).toBe(0);
  });

  it('ends by itself with exit 0 once stdin reached its end and every line was delivered', async () => {
    const input = ['{"id": 1, "total": 250}', '{"id": 2, "total": 5}', 'not json', ''].join('\n');
    const result = await runCli(['run', '-c', 'examples/quickstart.yaml'], {
      input,
      env: { POLYBUS_HTTP_PORT: '0' },
      timeoutMs: 20_000,
    });
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines).toContain('{"orderId":1,"total":250,"big":false}');
    expect(lines.find((l) => l.includes('"body":"not json"'))).toContain('x-polybus-error');
  });
});
