import { loadBridgeRegistry } from '../adapter-loader.js';
import { loadConfig } from '../config/load-config.js';
import { formatFailure, runCase } from '../config-test/run-config-test.js';
import { loadTestFile } from '../config-test/test-file.js';
import { type CliIo, ExitCode, fail } from './cli-io.js';

/**
 * `polybus test <files...>`: runs each `*.polybus-test.yaml` against its config with in-memory
 * connections (no broker). Resolves 0 when every case passed, 1 with a diff per failure (route,
 * sink, message, field, expected and actual), 2 for an invalid test or config file.
 */
export async function testCommand(io: CliIo, files: readonly string[]): Promise<number> {
  let failed = 0;
  let passed = 0;
  for (const file of files) {
    try {
      const tests = await loadTestFile(file);
      const { config, registry } = await loadConfig(tests.configFile, {
        registry: loadBridgeRegistry,
        env: { ...process.env, ...tests.env },
      });
      for (const [i, testCase] of tests.cases.entries()) {
        const label = testCase.name ?? `cases[${i}]`;
        const failures = await runCase(config, registry, testCase, label);
        if (failures.length === 0) passed++;
        else {
          failed++;
          for (const f of failures) io.stderr.write(`FAIL ${formatFailure(file, f)}\n`);
        }
      }
    } catch (error) {
      fail(io, error, Number.POSITIVE_INFINITY);
    }
  }
  io.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 ? ExitCode.ok : ExitCode.fatal;
}
