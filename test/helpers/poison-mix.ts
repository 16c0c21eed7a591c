import { createMessage, type Message } from '@polybus/core';

/** Good messages with poison among them, as {@link interleavePoison} builds them. */
export interface PoisonMix<K extends string> {
  /** Good and poison messages, in publish order. */
  readonly messages: Message[];
  /** Each poison message's kind and body, by id. */
  readonly poison: Map<string, { readonly kind: K; readonly body: Uint8Array }>;
}

/**
 * `good` with a poison message after every `every`-th one. The n-th poison (from 0) has id
 * `<prefix>-poison-<n>`, kind `kinds[n % kinds.length]`, key `poison`, `content-type: application/json`
 * and the body `body(kind, id)`. Shared by the poison fault scenarios (9 and 13). Pure.
 */
export function interleavePoison<K extends string>(
  good: readonly Message[],
  options: {
    readonly prefix: string;
    readonly every: number;
    readonly kinds: readonly K[];
    readonly body: (kind: K, id: string) => Uint8Array;
  },
): PoisonMix<K> {
  const messages: Message[] = [];
  const poison = new Map<string, { kind: K; body: Uint8Array }>();
  good.forEach((message, i) => {
    messages.push(message);
    if (i % options.every !== options.every - 1) return;
    const kind = options.kinds[poison.size % options.kinds.length] as K;
    const id = `${options.prefix}-poison-${poison.size}`;
    const body = options.body(kind, id);
    poison.set(id, { kind, body });
    messages.push(
      createMessage({ id, key: 'poison', headers: { 'content-type': 'application/json' }, body }),
    );
  });
  return { messages, poison };
}

/** The ids of `poison` that are not among the dead letters received, in poison order. Pure. */
export function neverDeadLettered(
  poison: ReadonlyMap<string, unknown>,
  deadLetters: Iterable<{ readonly id: string }>,
): string[] {
  const received = new Set<string>();
  for (const d of deadLetters) received.add(d.id);
  return [...poison.keys()].filter((id) => !received.has(id));
}
