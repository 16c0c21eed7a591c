import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, writeConfig } from './helpers/bridge-process.js';

const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.polybus-test.yaml'));

describe('polybus test', () => {
  it('passes the tests the examples ship with', async () => {
    expect(examples.length).toBeGreaterThan(0);
    const result = await runCli(['test', ...examples.map((f) => join('examples', f))]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+ passed, 0 failed\n$/);
  });

  it('fails with a readable diff naming route, sink, message and field on a planted wrong expectation', async () => {
    const text = readFileSync(join(ROOT, 'examples/quickstart.polybus-test.yaml'), 'utf8')
      .replace('total: 250, big: false', 'total: 250, big: true')
      .replace('config: quickstart.yaml', `config: ${join(ROOT, 'examples/quickstart.yaml')}`);
    const file = writeConfig(text, 'wrong.polybus-test.yaml');
    const result = await runCli(['test', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('3 passed, 1 failed\n');
    expect(result.stderr).toContain('route big-orders, message big order is reshaped, sink console: body');
    expect(result.stderr).toContain('- expected: "{\\"orderId\\":1,\\"total\\":250,\\"big\\":true}"');
    expect(result.stderr).toContain('+ actual:   "{\\"orderId\\":1,\\"total\\":250,\\"big\\":false}"');
  });

  it('exits 2 with file:line: path: problem for an invalid test file', async () => {
    const file = writeConfig(
      `config: ${join(ROOT, 'examples/quickstart.yaml')}\ncases:\n  - route: big-orders\n    input: { body: x }\n    expect: { bogus: 1 }\n`,
      'bad.polybus-test.yaml',
    );
    const result = await runCli(['test', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.polybus-test\.yaml:5: cases\[0\]\.expect: /);
  });
});
