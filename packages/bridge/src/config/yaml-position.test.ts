import { describe, expect, it } from 'vitest';
import { LineCounter, type Node, parseDocument } from 'yaml';
import { nodeLine, writtenPath } from './yaml-position.js';

const text = 'connections:\n  a: memory://a\n  b:\n    url: memory://b\nroutes:\n  - name: r\n';
const lineCounter = new LineCounter();
const root = parseDocument(text, { lineCounter }).contents as Node;

describe('writtenPath', () => {
  it('cuts a path at the scalar it passes through, and keeps paths into maps and sequences', () => {
    expect(writtenPath(root, ['connections', 'a', 'url'])).toEqual(['connections', 'a']);
    expect(writtenPath(root, ['connections', 'b', 'url'])).toEqual(['connections', 'b', 'url']);
    expect(writtenPath(root, ['routes', 0, 'to'])).toEqual(['routes', 0, 'to']);
  });
});

describe('nodeLine', () => {
  it('gives the line of the deepest node along the path that exists', () => {
    expect(nodeLine(root, ['connections', 'b', 'url'], lineCounter)).toBe(4);
    expect(nodeLine(root, ['routes', 0, 'missing'], lineCounter)).toBe(6);
  });
});
