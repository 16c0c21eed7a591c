/**
 * An in-flight bound: `acquire()` resolves when fewer than `max` slots are taken (FIFO), `release()`
 * frees one. `idle()` resolves once nothing is in flight. Not re-entrant-safe beyond that; one
 * process, one event loop.
 */
export function createWindow(max) {
  let taken = 0;
  const waiters = [];
  let idleWaiters = [];
  return {
    get inFlight() {
      return taken;
    },
    get free() {
      return max - taken;
    },
    acquire() {
      if (taken < max) {
        taken += 1;
        return Promise.resolve();
      }
      return new Promise((resolve) => waiters.push(resolve));
    },
    release() {
      const next = waiters.shift();
      if (next) next();
      else {
        taken -= 1;
        if (taken === 0) {
          const list = idleWaiters;
          idleWaiters = [];
          for (const w of list) w();
        }
      }
    },
    idle() {
      return taken === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

/**
 * Collects items pushed in the same event-loop turn and hands them to `flush(items)` together
 * (the micro-batching a hand-written pipe does for a client that sends a batch in one request).
 * `push(item)` returns a promise settled with the flush of its batch.
 */
export function createTickBatcher(flush, maxBatch = 1000) {
  let batch = [];
  let scheduled = false;
  const run = () => {
    scheduled = false;
    const items = batch;
    batch = [];
    const result = Promise.resolve().then(() => flush(items.map((i) => i.item)));
    result.then(
      () => {
        for (const i of items) i.resolve();
      },
      (error) => {
        for (const i of items) i.reject(error);
      },
    );
  };
  return {
    push(item) {
      return new Promise((resolve, reject) => {
        batch.push({ item, resolve, reject });
        if (batch.length >= maxBatch) run();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(() => {
            if (batch.length > 0) run();
            else scheduled = false;
          });
        }
      });
    },
  };
}
