/**
 * Diagnostic preload (`node --require bench/lib/amqp-timing.cjs ...`, BENCH_AMQP_TIMING=1): where a
 * RabbitMQ -> RabbitMQ pipe spends a message's time. Patches amqplib to timestamp the n-th delivery,
 * the n-th confirm-channel publish, its confirm and the delivery's ack (the n-th delivery is the n-th
 * publish in a pass-through pipe of one queue: no redeliveries, one publishing order), and prints one
 * `bench-amqp-timing {json}` line to stderr on exit: percentiles of deliver->publish,
 * publish->confirm, confirm->ack, confirms outstanding at each publish, confirm frames. Changes
 * nothing else.
 */
// The amqplib of the process under test (its working directory: another checkout for BENCH_BRIDGE_B).
const { ConfirmChannel, Channel } = require(
  require.resolve('amqplib/lib/channel_model.js', { paths: [process.cwd(), __dirname] }),
);

const now = () => performance.now();
const deliveredAt = [];
const tagIndex = new Map();
const publishedAt = [];
const confirmedAt = [];
const ackedAt = [];
const outstandingAtPublish = [];
let outstanding = 0;
let confirmFrames = 0;
let ackFrames = 0;

const origPublish = ConfirmChannel.prototype.publish;
ConfirmChannel.prototype.publish = function publish(exchange, routingKey, content, options, cb) {
  const i = publishedAt.length;
  publishedAt.push(now());
  outstanding++;
  outstandingAtPublish.push(outstanding);
  return origPublish.call(this, exchange, routingKey, content, options, (err, ok) => {
    outstanding--;
    confirmedAt[i] = now();
    cb?.(err, ok);
  });
};
// Inherited from amqplib's BaseChannel; shadowed on Channel (ConfirmChannel extends it).
const handleConfirm = Channel.prototype.handleConfirm;
Channel.prototype.handleConfirm = function patched(handle, frame) {
  confirmFrames++;
  return handleConfirm.call(this, handle, frame);
};

const origConsume = Channel.prototype.consume;
Channel.prototype.consume = function consume(queue, callback, options) {
  return origConsume.call(
    this,
    queue,
    (msg) => {
      if (msg) {
        tagIndex.set(msg.fields.deliveryTag, deliveredAt.length);
        deliveredAt.push(now());
      }
      callback(msg);
    },
    options,
  );
};
const origAck = Channel.prototype.ack;
Channel.prototype.ack = function ack(msg, allUpTo) {
  const t = now();
  ackFrames++;
  const tag = msg.fields.deliveryTag;
  for (const [k, i] of tagIndex) {
    if (k === tag || (allUpTo && k < tag)) {
      ackedAt[i] = t;
      tagIndex.delete(k);
    }
  }
  return origAck.call(this, msg, allUpTo);
};

function percentiles(values) {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const at = (p) =>
    s.length
      ? Math.round(s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] * 100) / 100
      : undefined;
  return { n: s.length, p10: at(10), p50: at(50), p90: at(90), p99: at(99) };
}

process.on('exit', () => {
  const diff = (a, b) => a.map((x, i) => (b[i] === undefined || x === undefined ? Number.NaN : b[i] - x));
  const summary = {
    deliverToPublishMs: percentiles(diff(deliveredAt, publishedAt)),
    publishToConfirmMs: percentiles(diff(publishedAt, confirmedAt)),
    confirmToAckMs: percentiles(diff(confirmedAt, ackedAt)),
    deliverToAckMs: percentiles(diff(deliveredAt, ackedAt)),
    outstandingAtPublish: percentiles(outstandingAtPublish),
    publishes: publishedAt.length,
    confirmFrames,
    ackFrames,
  };
  process.stderr.write(`bench-amqp-timing ${JSON.stringify(summary)}\n`);
});
