// Micro-benchmark of the expression guardrails (issue 14): ns per jsonata evaluation without (A) and
// with (B) jsonata's timeout/stack/sequence options. A and B rounds are interleaved, so a shared,
// noisy machine slows both alike; the ratio B/A per round is what to read.
// Run: node bench/expression-limits.mjs
import jsonata from 'jsonata';

const guardrails = { timeout: 100, stack: 500, sequence: 100_000 };
const input = {
  id: 'm1',
  headers: { type: 'order' },
  body: { id: 42, name: 'widget', items: [{ price: 3 }, { price: 4 }, { price: 5 }] },
};
const expressions = [
  '$sum(body.items.price) > 10 and headers.type = "order"',
  '{ "id": body.id, "name": $uppercase(body.name), "n": $count(body.items) }',
];
const ITERATIONS = 20_000;
const ROUNDS = 6;

async function time(expression) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) await expression.evaluate(input);
  return Number(process.hrtime.bigint() - started) / ITERATIONS;
}

for (const source of expressions) {
  const a = jsonata(source);
  const b = jsonata(source, guardrails);
  await time(a);
  await time(b); // warm-up
  const ratios = [];
  const as = [];
  const bs = [];
  for (let round = 0; round < ROUNDS; round++) {
    const [ta, tb] =
      round % 2 === 0 ? [await time(a), await time(b)] : [...[await time(b), await time(a)].reverse()];
    as.push(ta);
    bs.push(tb);
    ratios.push(tb / ta);
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  console.log(
    `${source}\n  A (no limits) median ${median(as).toFixed(0)} ns/eval, B (limits) median ${median(bs).toFixed(0)} ns/eval, B/A per round ${ratios.map((r) => r.toFixed(3)).join(' ')} (median ${median(ratios).toFixed(3)})`,
  );
}
