import { DataError } from '../errors.js';
import { CanonicalHeaders } from '../headers.js';
import { bodyText, type Message } from '../message.js';
import { type CloudEventRecord, isJsonMediaType, validateAttributes } from './cloud-event.js';

/** The `content-type` of a structured-mode CloudEvent in the JSON event format. */
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** True when `message` is a structured-mode CloudEvent (its content type is `application/cloudevents…`). */
export function isStructured(message: Message): boolean {
  const contentType = message.headers[CanonicalHeaders.contentType];
  return contentType !== undefined && /^application\/cloudevents(\+json)?\s*(;|$)/i.test(contentType);
}

/**
 * Reads a structured-mode CloudEvent (JSON event format) from the body. `data` becomes bytes: JSON
 * data as JSON text, a string as UTF-8, `data_base64` decoded. Throws DataError for a body that is not
 * a JSON object or breaks the spec. Pure.
 */
export function readStructured(message: Message): CloudEventRecord {
  let event: unknown;
  try {
    event = JSON.parse(bodyText(message));
  } catch (error) {
    throw new DataError('cloudevents: structured event body is not JSON', { cause: error });
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event))
    throw new DataError('cloudevents: structured event body is not a JSON object');
  const attributes: Record<string, string> = Object.create(null);
  let data: Uint8Array = new Uint8Array(0);
  for (const [name, value] of Object.entries(event as Record<string, unknown>)) {
    if (name === 'data' || name === 'data_base64') continue;
    if (value === null || value === undefined) continue;
    if (typeof value === 'object')
      throw new DataError(`cloudevents: attribute ${name.slice(0, 40)} is not a scalar`);
    attributes[name] = String(value);
  }
  const record = event as { data?: unknown; data_base64?: unknown };
  if (typeof record.data_base64 === 'string') data = Buffer.from(record.data_base64, 'base64');
  else if (record.data !== undefined) {
    data =
      typeof record.data === 'string' && !isJsonMediaType(attributes.datacontenttype)
        ? encoder.encode(record.data)
        : encoder.encode(JSON.stringify(record.data));
  }
  return { attributes: validateAttributes(attributes), data };
}

/**
 * The JSON event format body of `record`: JSON data inline (DataError if the bytes are not JSON though
 * `datacontenttype` says so), text as a string, anything else as `data_base64`. Pure.
 */
export function structuredBody(record: CloudEventRecord): string {
  const event: Record<string, unknown> = { ...record.attributes };
  const type = record.attributes.datacontenttype;
  if (record.data.byteLength > 0) {
    if (isJsonMediaType(type)) {
      try {
        event.data = JSON.parse(bodyText({ body: record.data }));
      } catch (error) {
        throw new DataError('cloudevents: data is not JSON although datacontenttype says so', {
          cause: error,
        });
      }
    } else {
      const text = textOf(record.data, type);
      if (text === undefined) event.data_base64 = Buffer.from(record.data).toString('base64');
      else event.data = text;
    }
  }
  return JSON.stringify(event);
}

/** The data as a string for `text/*` and XML types when it is valid UTF-8, else `undefined`. */
function textOf(data: Uint8Array, contentType: string | undefined): string | undefined {
  if (!contentType || !/^(text\/|application\/(xml|[^;]*\+xml))/i.test(contentType)) return undefined;
  try {
    return strictDecoder.decode(data);
  } catch {
    return undefined;
  }
}
