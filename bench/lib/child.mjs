import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';

const live = new Set();

/** Kills every child still running (SIGKILL); called on the harness' exit and on failure. */
export function killAllChildren() {
  for (const child of live) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {}
  }
  live.clear();
}

process.on('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

/**
 * Starts `node <args>` with stdout and stderr appended to `logFile`, and an IPC channel when
 * `ipc` is true. Returns `{ pid, exited, ready, stop }`: `exited` resolves with the exit code,
 * `ready` resolves with the child's `{ ready: true, ... }` IPC message (IPC children only), `stop()` sends
 * SIGTERM and SIGKILLs after `graceMs`.
 */
export function startNode(args, { logFile, ipc = false, env = process.env, cwd } = {}) {
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, {
    cwd,
    env,
    stdio: ipc ? ['ignore', log, log, 'ipc'] : ['ignore', log, log],
  });
  live.add(child);
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal);
    });
  });
  const ready = ipc
    ? new Promise((resolve, reject) => {
        child.on('message', (m) => m?.ready && resolve(m));
        exited.then((code) =>
          reject(new Error(`child exited (${code}) before it was ready; see ${logFile}`)),
        );
      })
    : undefined;
  ready?.catch(() => undefined);
  return {
    pid: child.pid,
    exited,
    ready,
    async stop(graceMs = 20_000) {
      if (!live.has(child)) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
