import { CanonicalHeaders } from '../headers.js';
import type { Message } from '../message.js';
import type { CloudEventsBinding } from './bindings.js';
import {
  type CloudEventRecord,
  CORE_ATTRIBUTES,
  isAttributeName,
  validateAttributes,
} from './cloud-event.js';
import { percentDecode, percentEncode } from './percent-encoding.js';

const CANONICAL = new Set<string>(Object.values(CanonicalHeaders));
const CORE = new Set<string>(CORE_ATTRIBUTES);

/**
 * The attribute a header carries in `binding`'s binary mode, or `undefined` when it is an ordinary
 * header. With an empty prefix (MQTT) a header is an attribute when its name is a spec attribute or a
 * valid extension name that is not one of polybus's canonical headers. Pure.
 */
export function attributeOfHeader(name: string, binding: CloudEventsBinding): string | undefined {
  const compared = binding.caseInsensitive ? name.toLowerCase() : name;
  for (const prefix of binding.readPrefixes) {
    if (prefix === '') {
      return CORE.has(name) || (isAttributeName(name) && !CANONICAL.has(name)) ? name : undefined;
    }
    const wanted = binding.caseInsensitive ? prefix.toLowerCase() : prefix;
    if (compared.startsWith(wanted)) {
      const attribute = compared.slice(wanted.length);
      return isAttributeName(attribute) ? attribute : undefined;
    }
  }
  return undefined;
}

/**
 * Reads a binary-mode CloudEvent from `message`: `undefined` when it carries no `specversion`
 * attribute, else the validated record (data = the body, untouched). Throws DataError for an event
 * that breaks the spec. Pure.
 */
export function readBinary(message: Message, binding: CloudEventsBinding): CloudEventRecord | undefined {
  const attributes: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(message.headers)) {
    const attribute = attributeOfHeader(name, binding);
    if (attribute !== undefined)
      attributes[attribute] = binding.percentEncoded ? percentDecode(value) : value;
  }
  if (attributes.specversion === undefined) return undefined;
  const contentType = message.headers[CanonicalHeaders.contentType];
  if (binding.contentTypeHeader && contentType !== undefined) attributes.datacontenttype ??= contentType;
  if (binding.keyIsPartitionKey && message.key !== undefined) attributes.partitionkey ??= message.key;
  return { attributes: validateAttributes(attributes), data: message.body };
}

/**
 * The headers (and key) that carry `record`'s attributes in `binding`'s binary mode; the body is
 * `record.data`. Pure.
 */
export function binaryHeaders(
  record: CloudEventRecord,
  binding: CloudEventsBinding,
): { headers: Record<string, string>; key?: string } {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.attributes)) {
    if (value === undefined) continue;
    if (name === 'datacontenttype' && binding.contentTypeHeader)
      headers[CanonicalHeaders.contentType] = value;
    else headers[`${binding.prefix}${name}`] = binding.percentEncoded ? percentEncode(value) : value;
  }
  const key = binding.keyIsPartitionKey ? record.attributes.partitionkey : undefined;
  return key === undefined ? { headers } : { headers, key };
}
