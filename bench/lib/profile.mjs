import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { round } from './stats.mjs';

/** Which part of the process a profile frame belongs to, from its script URL. */
export function componentOf(url, functionName) {
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'V8 / native (program)';
    return 'native';
  }
  const pkg = /\/packages\/([a-z-]+)\//.exec(url);
  if (pkg) return `@polybus/${pkg[1]}`;
  const mod = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (mod) return mod[1];
  if (url.startsWith('node:')) return 'node internals';
  return 'other';
}

function where(url, line, repoDir) {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '').replace(`${repoDir}/`, '');
  return `${path.replace(/^.*node_modules\//, '')}:${line + 1}`;
}

/**
 * Summarises the `.cpuprofile` files in `dir` (the bridge writes one on exit): self time by
 * component, the hottest functions by self time, and polybus functions by total (inclusive) time.
 */
export function summariseProfile(dir, repoDir) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return { error: `no .cpuprofile in ${dir}` };
  const profile = JSON.parse(readFileSync(join(dir, files[0]), 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, { ...n, self: 0 }]));
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    if (node) node.self += (profile.timeDeltas[i] ?? 0) / 1000;
  }
  let total = 0;
  let idle = 0;
  const components = new Map();
  const functions = new Map();
  for (const node of byId.values()) {
    const { functionName, url, lineNumber } = node.callFrame;
    const component = componentOf(url, functionName);
    total += node.self;
    if (component === 'idle') idle += node.self;
    components.set(component, (components.get(component) ?? 0) + node.self);
    const key = `${functionName}|${url}|${lineNumber}`;
    const f = functions.get(key) ?? {
      name: functionName || '(anonymous)',
      where: where(url, lineNumber, repoDir),
      component,
      ms: 0,
    };
    f.ms += node.self;
    functions.set(key, f);
  }
  const busy = total - idle;
  const pct = (ms) => round((ms / busy) * 100, 1);
  // Inclusive time of polybus functions, counting a function once per stack (recursion).
  const inclusive = new Map();
  const root = profile.nodes[0];
  const visit = (id, onStack) => {
    const node = byId.get(id);
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName}|${url}|${lineNumber}`;
    let sum = node.self;
    const isPolybus = /\/packages\//.test(url);
    const fresh = isPolybus && !onStack.has(key);
    if (fresh) onStack.add(key);
    for (const child of node.children ?? []) sum += visit(child, onStack);
    if (fresh) {
      onStack.delete(key);
      const f = inclusive.get(key) ?? {
        name: functionName || '(anonymous)',
        where: where(url, lineNumber, repoDir),
        ms: 0,
      };
      f.ms += sum;
      inclusive.set(key, f);
    }
    return sum;
  };
  visit(root.id, new Set());
  return {
    file: join(dir, files[0]),
    totalMs: round(total, 0),
    idleMs: round(idle, 0),
    busyMs: round(busy, 0),
    byComponent: [...components.entries()]
      .filter(([c]) => c !== 'idle')
      .map(([component, ms]) => ({ component, ms: round(ms, 0), percent: pct(ms) }))
      .sort((a, b) => b.ms - a.ms),
    topFunctions: [...functions.values()]
      .filter((f) => f.component !== 'idle')
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 30)
      .map((f) => ({ ...f, ms: round(f.ms, 0), percent: pct(f.ms) })),
    polybusInclusive: [...inclusive.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 25)
      .map((f) => ({ ...f, ms: round(f.ms, 0), percent: pct(f.ms) })),
  };
}
