import { createMessage, type Message } from '@polybus/core';

/**
 * What a faulty copy of `list` would hold: message 10 deleted, 20 duplicated (the copy right after
 * it), 30 and `30 + keys` swapped (the same key when keys go round-robin over `keys`), 40's body
 * altered. Shared by the verify tests (engine and CLI). Pure; needs at least 41 messages.
 */
export function withPlantedFaults(list: readonly Message[], keys: number): Message[] {
  const partner = 30 + keys;
  const out: Message[] = [];
  for (let i = 0; i < list.length; i++) {
    const m = list[i] as Message;
    if (i === 10) continue;
    if (i === 30) out.push(list[partner] as Message);
    else if (i === partner) out.push(list[30] as Message);
    else if (i === 40) out.push(createMessage({ ...m, body: '{"n":"tampered"}' }));
    else out.push(m);
    if (i === 20) out.push(m);
  }
  return out;
}

/**
 * The source list the verify tests copy: `count` messages `<prefix>-<i>` with key `k<i % keys>`
 * (round-robin, as {@link withPlantedFaults} expects), body `{"n":i}` and header `app: shop`. Pure.
 */
export function verifySourceMessages(prefix: string, count: number, keys: number): Message[] {
  return Array.from({ length: count }, (_, i) =>
    createMessage({
      id: `${prefix}-${i}`,
      key: `k${i % keys}`,
      body: `{"n":${i}}`,
      headers: { app: 'shop' },
    }),
  );
}

/**
 * Publishes a {@link withPlantedFaults} list to a JetStream subject so that its planted duplicate is
 * stored: JetStream drops a second `Nats-Msg-Id` within the stream's duplicate window, so the list is
 * sent in two parts, split at the copy, `waitMs` apart (the caller sets a window shorter than that).
 */
export async function publishPastDuplicateWindow(
  publish: (messages: Message[]) => Promise<void>,
  faults: readonly Message[],
  waitMs = 500,
): Promise<void> {
  const copy = faults.findIndex((m, i) => i > 0 && m.id === faults[i - 1]?.id);
  await publish(faults.slice(0, copy));
  // Within the window JetStream would drop the copy (its Nats-Msg-Id dedupe); past it, it is stored.
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  await publish(faults.slice(copy));
}
