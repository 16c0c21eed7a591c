import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';

/** Reads W3C trace headers (`traceparent`, `tracestate`, `baggage`) from polybus headers, any case. */
export const headerGetter: TextMapGetter<Readonly<Record<string, string>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const exact = carrier[key];
    if (exact !== undefined) return exact;
    const wanted = key.toLowerCase();
    for (const [name, value] of Object.entries(carrier)) if (name.toLowerCase() === wanted) return value;
    return undefined;
  },
};

/** Writes W3C trace headers into a mutable polybus header record, lower-case as polybus names are. */
export const headerSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key.toLowerCase()] = value;
  },
};
