export { headerGetter, headerSetter } from './header-carrier.js';
export { messagingSystemOf } from './messaging-system.js';
export { MessagingTracer, TRACER_NAME } from './messaging-tracer.js';
