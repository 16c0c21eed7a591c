/**
 * Diagnostic preload (`node --require bench/lib/count-batches.cjs ...`, BENCH_COUNT_BATCHES=1):
 * counts how many messages each kafkajs `producer.send` carries, in the process under test, and
 * prints one `bench-batches {json}` line to stderr on exit. Measures batching; changes nothing else.
 */
const kafkajs = require('kafkajs');

const sizes = new Map();
let sends = 0;
let messages = 0;
const original = kafkajs.Kafka.prototype.producer;
kafkajs.Kafka.prototype.producer = function producer(...args) {
  const p = original.apply(this, args);
  const send = p.send;
  p.send = (request) => {
    const n = request?.messages?.length ?? 0;
    sends += 1;
    messages += n;
    const bucket = n <= 1 ? '1' : n <= 8 ? '2-8' : n <= 64 ? '9-64' : n <= 256 ? '65-256' : '>256';
    sizes.set(bucket, (sizes.get(bucket) ?? 0) + 1);
    return send(request);
  };
  return p;
};
process.on('exit', () => {
  if (sends === 0) return;
  const summary = {
    kafkaSends: sends,
    kafkaMessages: messages,
    meanBatch: messages / sends,
    histogram: Object.fromEntries(sizes),
  };
  process.stderr.write(`bench-batches ${JSON.stringify(summary)}\n`);
});
