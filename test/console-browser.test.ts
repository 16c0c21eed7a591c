import { existsSync } from 'node:fs';
import { createMessage, isMessageReader, type Message } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeProcess, writeConfig } from './helpers/bridge-process.js';
import { TransportPool } from './helpers/transports.js';

// Issue 17: the web console in a real browser (Debian's chromium driven by playwright-core, which
// never downloads a browser) on a real bridge process and Redis: rates move, a route is paused and
// resumed from the page, a dead letter is browsed and replayed and arrives at the sink.
const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'console-test-admin-token-0123456789';
const REQUIRE = process.env.POLYBUS_REQUIRE_BROKERS === '1';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (REQUIRE)
    throw new Error(`${CHROMIUM} is missing: run \`bash scripts/brokers.sh up\` (it installs chromium)`);
  console.warn(`skipping the console browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`);
}
const up =
  (await requireBroker('redis', '127.0.0.1', 6379)) && (await requireBroker('amqp', '127.0.0.1', 5672));

let bridge: BridgeProcess | undefined;
let browser: Browser | undefined;
const pool = new TransportPool();
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  bridge?.kill();
  bridge = undefined;
  await pool.closeAll();
});

const cellOf = (page: Page, route: string, field: string) =>
  page.locator(`tr[data-route="${route}"] [data-field="${field}"]`);

describe.runIf(up && haveChromium)('web console in chromium (real polybus process, Redis)', () => {
  it('shows rates moving, pauses and resumes a route, browses a dead letter and replays it to the sink', {
    timeout: 240_000,
  }, async () => {
    const n = uniqueName('console');
    const [src, out, dlq] = [`${n}-in`, `${n}-out`, `${n}-dlq`];
    const strict = '$exists(body.total) ? body : $error("order needs a total")';
    bridge = await BridgeProcess.start(
      writeConfig(`connections:
  redis: redis://127.0.0.1:6379
  rabbit: amqp://guest:guest@127.0.0.1:5672
http: { port: 0 }
routes:
  - name: orders
    from: { connection: redis, stream: ${src}, group: ${n} }
    transform: { body: '${strict}' }
    to: [{ connection: redis, stream: ${out} }]
    deadLetter: { connection: redis, stream: ${dlq} }
    lag: { interval: 200ms }
`),
      { env: { POLYBUS_ADMIN_TOKEN: TOKEN } },
    );
    const running = bridge;
    const base = `http://127.0.0.1:${running.port}`;
    const redis = await pool.open('redis://127.0.0.1:6379');
    if (!isMessageReader(redis)) throw new Error('redis transport cannot read');
    const sink = async (): Promise<Message[]> => {
      const got: Message[] = [];
      for await (const r of redis.read({ stream: out })) got.push(r.message);
      return got;
    };
    let sent = 0;
    const send = async (count: number): Promise<void> => {
      const batch = Array.from({ length: count }, (_, i) =>
        createMessage({ id: `o-${sent + i}`, body: JSON.stringify({ id: sent + i, total: 10 }) }),
      );
      await redis.publish({ stream: src }, batch);
      sent += count;
    };

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    // Script errors and CSP refusals count; failed requests count unless expected (/health/ready is 503
    // while a route is paused; the browser asks for a favicon the console does not have).
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
        problems.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname;
      if (r.status() >= 400 && path !== '/health/ready' && path !== '/favicon.ico')
        problems.push(`${r.status()} ${path}`);
    });
    await page.goto(`${base}/console`);
    await expect
      .poll(() => cellOf(page, 'orders', 'state').textContent(), { timeout: 20_000 })
      .toBe('running');
    // Connections with their health; the URL's password never reaches the page.
    await expect
      .poll(() => page.locator('tr[data-connection="rabbit"] [data-field="health"]').textContent(), {
        timeout: 20_000,
      })
      .toBe('up');
    expect(await page.locator('tr[data-connection="redis"] [data-field="health"]').textContent()).toBe('up');
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).not.toContain('guest:guest');
    expect(text).toContain('127.0.0.1:5672');
    await page.fill('#token', TOKEN);
    await page.click('#token-form button[type="submit"]');
    await expect.poll(() => page.textContent('#status')).toBe('token kept for this tab');

    // Rates: messages flowing show a rate above 0; once the source is idle it falls back to 0.0.
    const rates: string[] = [];
    for (let i = 0; i < 300; i++) {
      await send(20);
      const rate = (await cellOf(page, 'orders', 'rate-in').textContent()) ?? '';
      rates.push(rate);
      if (Number(rate) > 0 && i > 10) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(Math.max(...rates.map(Number).filter(Number.isFinite))).toBeGreaterThan(0);
    await expect.poll(async () => (await sink()).length, { timeout: 60_000 }).toBe(sent);
    await expect.poll(() => cellOf(page, 'orders', 'rate-in').textContent(), { timeout: 20_000 }).toBe('0.0');
    await expect
      .poll(() => cellOf(page, 'orders', 'acked').textContent(), { timeout: 20_000 })
      .toBe(String(sent));

    // Pause from the page: what is sent now waits on the broker (the lag shows it), nothing moves.
    await page.click('tr[data-route="orders"] button[data-action="pause"]');
    await expect
      .poll(() => cellOf(page, 'orders', 'state').textContent(), { timeout: 30_000 })
      .toBe('paused');
    const before = sent;
    await send(25);
    await expect.poll(() => cellOf(page, 'orders', 'lag').textContent(), { timeout: 30_000 }).toBe('25');
    expect((await sink()).length).toBe(before);
    await page.click('tr[data-route="orders"] button[data-action="resume"]');
    await expect
      .poll(() => cellOf(page, 'orders', 'state').textContent(), { timeout: 30_000 })
      .toBe('running');
    await expect.poll(async () => (await sink()).length, { timeout: 60_000 }).toBe(sent);

    // A message without a total is dead-lettered; the route is fixed (PUT); the page replays it.
    await redis.publish({ stream: src }, [
      createMessage({ id: 'poison-1', body: JSON.stringify({ id: 'poison-1' }) }),
      createMessage({ id: 'poison-2', body: JSON.stringify({ id: 'poison-2' }) }),
    ]);
    await expect
      .poll(() => cellOf(page, 'orders', 'dead-lettered').textContent(), { timeout: 30_000 })
      .toBe('2');
    await page.click('tr[data-route="orders"] button[data-action="dead-letters"]');
    const letter = page.locator('#dl-table tr[data-id="poison-1"]');
    await expect.poll(() => letter.count(), { timeout: 20_000 }).toBe(1);
    expect(await letter.textContent()).toContain('expression failed: order needs a total');
    expect(await letter.textContent()).toContain('{"id":"poison-1"}');
    const fixed = await fetch(`${base}/api/routes/orders`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        from: { connection: 'redis', stream: src, group: n },
        transform: { body: '$exists(body.total) ? body : $merge([body, { "total": 0 }])' },
        to: [{ connection: 'redis', stream: out }],
        deadLetter: { connection: 'redis', stream: dlq },
        lag: { interval: '200ms' },
      }),
    });
    expect(fixed.status, await fixed.text()).toBe(200);
    await letter.locator('button[data-action="replay"]').click();
    await expect.poll(() => page.textContent('#status'), { timeout: 20_000 }).toBe('replay poison-1: done');
    await expect
      .poll(
        async () =>
          (await sink())
            .filter((m) => m.headers['x-polybus-replay-of'] === 'poison-1')
            .map((m) => Buffer.from(m.body).toString()),
        { timeout: 60_000 },
      )
      .toEqual(['{"id":"poison-1","total":0}']);
    // The other one is discarded: the list is empty, the summary counts both as handled.
    await page.locator('#dl-table tr[data-id="poison-2"] button[data-action="discard"]').click();
    await expect.poll(() => page.locator('#dl-table tbody tr').count(), { timeout: 20_000 }).toBe(0);
    expect(await page.textContent('#dl-summary')).toContain('0 shown, 2 handled');
    expect(
      (await sink()).filter((m) => m.id === 'poison-2' || m.headers['x-polybus-replay-of'] === 'poison-2'),
    ).toEqual([]);

    expect(problems).toEqual([]);
    console.log(
      `console: ${sent} messages moved, rates seen ${rates.filter((r) => Number(r) > 0).join(',')} msg/s, ` +
        'paused with lag 25, resumed, 1 dead letter replayed to the sink, 1 discarded',
    );
    expect(await running.stop()).toBe(0);
  });
});
