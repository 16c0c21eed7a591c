import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, type Node, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigFileError, type ConfigProblem, formatPath } from '../config/config-problem.js';
import { nodeLine } from '../config/yaml-position.js';

const body = z.union([
  z.string(),
  z.record(z.string(), z.unknown()),
  z.array(z.unknown()),
  z.number(),
  z.boolean(),
  z.null(),
]);

/** What one sink must receive: exact body, a JSON subset, headers (subset) and key. */
const sinkExpectation = z.strictObject({
  body: body.optional(),
  json: z.unknown().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  key: z.string().optional(),
});

/** One case: a message into a route and what must come out. */
const testCase = z.strictObject({
  name: z.string().optional(),
  route: z.string().min(1),
  input: z.strictObject({
    body,
    headers: z.record(z.string(), z.string()).optional(),
    key: z.string().optional(),
    id: z.string().optional(),
  }),
  expect: z.union([
    z.strictObject({ filtered: z.literal(true) }),
    z.strictObject({ deadLettered: z.strictObject({ reason: z.string().optional() }) }),
    z.strictObject({ sinks: z.record(z.string(), sinkExpectation) }),
  ]),
});

/** A `*.polybus-test.yaml` file. */
export const testFileSchema = z.strictObject({
  config: z.string().min(1),
  env: z.record(z.string(), z.string()).optional(),
  cases: z.array(testCase).min(1, 'at least one case is required'),
});

/** A parsed test file, with the config path resolved against the test file's folder. */
export type ConfigTestFile = z.output<typeof testFileSchema> & {
  readonly file: string;
  readonly configFile: string;
};
/** One case of a test file. */
export type ConfigTestCase = ConfigTestFile['cases'][number];
/** What one sink must receive. */
export type SinkExpectation = z.output<typeof sinkExpectation>;

/** Reads and validates a test file; rejects with {@link ConfigFileError} (`file:line: path: problem`). */
export async function loadTestFile(file: string): Promise<ConfigTestFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigFileError([
      { file, path: '(root)', message: `cannot read file (${(error as NodeJS.ErrnoException).code})` },
    ]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0)
    throw new ConfigFileError(
      doc.errors.slice(0, 3).map((e) => ({
        file,
        line: e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line,
        path: '(root)',
        message: `YAML: ${e.message.split('\n')[0]}`,
      })),
    );
  const parsed = testFileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const problems: ConfigProblem[] = parsed.error.issues.map((issue) => {
      const path = issue.path as (string | number)[];
      return {
        file,
        line: nodeLine(doc.contents as Node | null, path, lineCounter),
        path: formatPath(path),
        message: issue.message,
      };
    });
    throw new ConfigFileError(problems);
  }
  return { ...parsed.data, file, configFile: resolve(dirname(file), parsed.data.config) };
}
