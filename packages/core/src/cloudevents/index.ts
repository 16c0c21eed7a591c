export type { CloudEventsBinding, CloudEventsBindingName } from './bindings.js';
export { CLOUD_EVENTS_BINDINGS, cloudEventsBindingFor } from './bindings.js';
export type { CloudEventAttributes, CloudEventRecord } from './cloud-event.js';
export { CLOUD_EVENTS_SPEC_VERSION, validateAttributes } from './cloud-event.js';
export type { CloudEventsMode, ReadCloudEvent } from './cloud-event-codec.js';
export { convertCloudEvent, readCloudEvent, writeCloudEvent } from './cloud-event-codec.js';
export { percentDecode, percentEncode } from './percent-encoding.js';
export { STRUCTURED_CONTENT_TYPE } from './structured-mode.js';
