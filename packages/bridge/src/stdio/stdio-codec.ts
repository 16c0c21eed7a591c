import { bodyBuffer, createMessage, DataError, type Message } from '@polybus/core';

/** How `stdio://` frames messages: `text` = one body per line; `json` = one JSON envelope per line. */
export type StdioFormat = 'text' | 'json';

/** A message as one JSON line: `{ id, key, headers, timestamp, body }` (body as UTF-8 text) or `bodyBase64`. */
export interface StdioEnvelope {
  id?: string;
  key?: string;
  headers?: Record<string, string>;
  timestamp?: number;
  body?: string;
  bodyBase64?: string;
}

/**
 * Turns one input line into a message. `text`: the line is the body. `json`: the line is a
 * {@link StdioEnvelope}; throws {@link DataError} when it is not. Pure but for id generation.
 */
export function decodeLine(line: string, format: StdioFormat): Message {
  if (format === 'text') return createMessage({ body: line });
  let envelope: StdioEnvelope;
  try {
    envelope = JSON.parse(line) as StdioEnvelope;
  } catch (error) {
    throw new DataError('stdio: input line is not a JSON envelope', { cause: error });
  }
  if (envelope === null || typeof envelope !== 'object')
    throw new DataError('stdio: input line is not a JSON object');
  const body =
    envelope.bodyBase64 !== undefined ? Buffer.from(envelope.bodyBase64, 'base64') : (envelope.body ?? '');
  return createMessage({
    body: typeof body === 'string' ? body : new Uint8Array(body),
    ...(envelope.id === undefined ? {} : { id: envelope.id }),
    ...(envelope.key === undefined ? {} : { key: envelope.key }),
    ...(envelope.headers === undefined ? {} : { headers: envelope.headers }),
    ...(envelope.timestamp === undefined ? {} : { timestamp: envelope.timestamp }),
  });
}

/**
 * Turns a message into one output line (without the newline). `text`: the body as UTF-8 (newlines in
 * it are kept, so such a body spans lines). `json`: an envelope; the body is `body` when it is valid
 * UTF-8, else `bodyBase64`. Pure.
 */
export function encodeLine(message: Message, format: StdioFormat): string {
  const buffer = bodyBuffer(message.body);
  if (format === 'text') return buffer.toString('utf8');
  const text = buffer.toString('utf8');
  const exact = Buffer.from(text, 'utf8').equals(buffer);
  const envelope: StdioEnvelope = {
    id: message.id,
    ...(message.key === undefined ? {} : { key: message.key }),
    headers: { ...message.headers },
    timestamp: message.timestamp,
    ...(exact ? { body: text } : { bodyBase64: buffer.toString('base64') }),
  };
  return JSON.stringify(envelope);
}
