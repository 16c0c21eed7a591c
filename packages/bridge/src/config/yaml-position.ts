import { isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

/** A path into a config document: keys and sequence indexes. */
export type Path = readonly (string | number)[];

/** `path` cut after the first scalar it passes through (a scalar has no children to point into). */
export function writtenPath(root: Node | null, path: Path): Path {
  let node: Node | null = root;
  for (let i = 0; i < path.length; i++) {
    if (!node) return path;
    if (isScalar(node)) return path.slice(0, i);
    const part = path[i];
    let next: unknown = null;
    if (isMap(node)) next = node.get(String(part), true);
    else if (isSeq(node) && typeof part === 'number') next = node.items[part];
    else return path;
    node = (next as Node | null | undefined) ?? null;
  }
  return path;
}

/** The 1-based line of the deepest existing node along `path`. */
export function nodeLine(root: Node | null, path: Path, lineCounter: LineCounter): number | undefined {
  let node: Node | null = root;
  let line = node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  for (const part of path) {
    if (!node) break;
    let next: Node | null = null;
    if (isMap(node)) {
      const pair = node.items.find((item) => {
        const key = item.key as { value?: unknown } | null;
        return key !== null && typeof key === 'object' && String(key.value) === String(part);
      });
      if (pair) {
        const keyNode = pair.key as Node;
        if (keyNode?.range) line = lineCounter.linePos(keyNode.range[0]).line;
        next = (pair.value as Node | null) ?? null;
      }
    } else if (isSeq(node) && typeof part === 'number') {
      next = (node.items[part] as Node | undefined) ?? null;
      if (next?.range) line = lineCounter.linePos(next.range[0]).line;
    }
    if (!next) break;
    node = next;
  }
  return line;
}
