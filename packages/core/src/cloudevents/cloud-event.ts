import { DataError } from '../errors.js';

/** The CloudEvents spec version polybus reads and writes. */
export const CLOUD_EVENTS_SPEC_VERSION = '1.0';

/** Names of the context attributes the spec defines (everything else is an extension). */
export const CORE_ATTRIBUTES = [
  'specversion',
  'id',
  'source',
  'type',
  'datacontenttype',
  'dataschema',
  'subject',
  'time',
] as const;

/**
 * Context attributes of a CloudEvent, each in its canonical string representation (the form every
 * binding carries in headers). Extensions are any other lower-case alphanumeric name.
 */
export interface CloudEventAttributes {
  readonly specversion: string;
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly datacontenttype?: string;
  readonly dataschema?: string;
  readonly subject?: string;
  readonly time?: string;
  readonly [extension: string]: string | undefined;
}

/** A CloudEvent as polybus moves it: attributes plus the data as bytes, never re-encoded. */
export interface CloudEventRecord {
  readonly attributes: CloudEventAttributes;
  readonly data: Uint8Array;
}

const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;

/** True when `name` may be a CloudEvents attribute name (lower-case a-z, 0-9, at most 20). */
export function isAttributeName(name: string): boolean {
  return ATTRIBUTE_NAME.test(name);
}

/**
 * Checks a set of attributes against the spec: `specversion` 1.0, non-empty `id`, `source`, `type`,
 * valid names, RFC 3339 `time`. Returns them frozen; throws {@link DataError} naming the attribute
 * (never its value, which may be anything a producer sent). Pure.
 */
export function validateAttributes(attributes: Record<string, string | undefined>): CloudEventAttributes {
  const out: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    if (!isAttributeName(name))
      throw new DataError(`cloudevents: invalid attribute name "${name.slice(0, 40)}"`);
    if (typeof value !== 'string') throw new DataError(`cloudevents: attribute ${name} must be a string`);
    out[name] = value;
  }
  if (out.specversion !== CLOUD_EVENTS_SPEC_VERSION)
    throw new DataError('cloudevents: specversion must be "1.0"');
  for (const required of ['id', 'source', 'type'] as const) {
    if (!out[required])
      throw new DataError(`cloudevents: required attribute ${required} is missing or empty`);
  }
  if (out.time !== undefined && Number.isNaN(Date.parse(out.time)))
    throw new DataError('cloudevents: attribute time is not an RFC 3339 timestamp');
  return Object.freeze({ ...out }) as unknown as CloudEventAttributes;
}

/** True for media types whose data is JSON (`application/json`, `…+json`, or none given). */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType === '') return true;
  const base = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return base === 'application/json' || base === 'text/json' || base.endsWith('+json');
}
