import Redis from 'ioredis';

/** Raw ioredis access for the benchmark: streams, load, sink consumer and the baseline pipe ends. */
const HOST = '127.0.0.1';
const PORT = 6379;
const FILL_BATCH = 1000;
/** Field of a stream entry that carries the body (the polybus Redis adapter's layout). */
export const BODY_FIELD = 'body';
const GROUP = 'bench';

/** A connection with an error listener (a Redis restart by someone else must not crash the run). */
function connection(name, options = {}) {
  const redis = new Redis({ host: HOST, port: PORT, connectionName: `polybus-bench:${name}`, ...options });
  redis.on('error', () => undefined);
  return redis;
}

function bodyOf(fields) {
  for (let i = 0; i < fields.length; i += 2) if (fields[i].toString() === BODY_FIELD) return fields[i + 1];
  return Buffer.alloc(0);
}

export const redisBroker = {
  name: 'redis',
  product: 'Redis',
  label: 'Redis Streams',
  url: `redis://${HOST}:${PORT}`,

  bridgeSource: (name) => ({ stream: name, group: GROUP, startFrom: 'earliest' }),
  bridgeSink: (name) => ({ stream: name }),

  async admin() {
    const redis = connection('admin');
    return {
      async prepare() {},
      async cleanup(name) {
        await redis.del(name).catch(() => undefined);
      },
      async version() {
        const info = await redis.info('server');
        return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
      },
      close: () => redis.quit(),
    };
  },

  async producer() {
    const redis = connection('load');
    return {
      async send(name, bodies) {
        for (let i = 0; i < bodies.length; i += FILL_BATCH) {
          const pipeline = redis.pipeline();
          for (const body of bodies.slice(i, i + FILL_BATCH)) pipeline.xadd(name, '*', BODY_FIELD, body);
          const results = await pipeline.exec();
          const failed = results.find(([error]) => error);
          if (failed) throw failed[0];
        }
      },
      close: () => redis.quit(),
    };
  },

  async collect(name, onBody) {
    const redis = connection('collect');
    let open = true;
    let last = '0-0';
    const loop = (async () => {
      while (open) {
        const reply = await redis
          .xreadBuffer('COUNT', 1000, 'BLOCK', 500, 'STREAMS', name, last)
          .catch(() => null);
        if (!reply) continue;
        for (const [id, fields] of reply[0][1]) {
          last = id.toString();
          onBody(bodyOf(fields));
        }
      }
    })();
    return {
      async close() {
        open = false;
        await loop;
        redis.disconnect();
      },
    };
  },

  /**
   * Baseline source: XREADGROUP (own blocking connection) of as many entries as free in-flight
   * slots, XACK each once `handle` resolved (acks of one turn pipelined).
   */
  async source(name, maxInFlight, handle) {
    const reader = connection('pipe-read');
    const acker = connection('pipe-ack', { enableAutoPipelining: true });
    await reader.xgroup('CREATE', name, GROUP, '0', 'MKSTREAM').catch((e) => {
      if (!String(e.message).includes('BUSYGROUP')) throw e;
    });
    let open = true;
    let inFlight = 0;
    let wake;
    const loop = (async () => {
      while (open) {
        if (inFlight >= maxInFlight) {
          await new Promise((resolve) => {
            wake = resolve;
          });
          continue;
        }
        const reply = await reader
          .xreadgroupBuffer(
            'GROUP',
            GROUP,
            'pipe',
            'COUNT',
            maxInFlight - inFlight,
            'BLOCK',
            500,
            'STREAMS',
            name,
            '>',
          )
          .catch(() => null);
        if (!reply) continue;
        for (const [id, fields] of reply[0][1]) {
          inFlight += 1;
          handle(bodyOf(fields)).then(
            async () => {
              await acker.xack(name, GROUP, id);
              inFlight -= 1;
              wake?.();
            },
            () => {
              inFlight -= 1;
              wake?.();
            },
          );
        }
      }
    })();
    return {
      async close() {
        open = false;
        wake?.();
        await loop;
        reader.disconnect();
        await acker.quit();
      },
    };
  },

  /** Baseline sink: XADD per message; auto-pipelining sends one turn's XADDs together. */
  async sink(name) {
    const redis = connection('pipe-sink', { enableAutoPipelining: true });
    return {
      publish: (body) => redis.xadd(name, '*', BODY_FIELD, body),
      close: () => redis.quit(),
    };
  },
};
