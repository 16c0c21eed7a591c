import { connect as netConnect } from 'node:net';
import { Publisher, Pull, Push, Subscriber, XPublisher } from 'zeromq';
import { curveSocketOptions } from './zmq-curve.js';
import { MAX_METADATA_BYTES } from './zmq-envelope.js';
import type { ZmqTransportOptions } from './zmq-options.js';

/** A socket this adapter sends on. */
export type SendingSocket = XPublisher | Push;
/** A socket this adapter receives on. */
export type ReceivingSocket = Subscriber | Pull;

function common(options: ZmqTransportOptions) {
  return {
    ...curveSocketOptions(options.curve),
    reconnectInterval: options.reconnectIntervalMs,
    reconnectMaxInterval: options.reconnectMaxIntervalMs,
    heartbeatInterval: options.heartbeatIntervalMs,
    ...(options.heartbeatIntervalMs > 0
      ? {
          heartbeatTimeToLive: options.heartbeatIntervalMs * 3,
          heartbeatTimeout: options.heartbeatIntervalMs * 3,
        }
      : {}),
  };
}

/**
 * A new sending socket for `pattern`: an XPUB (a PUB that also reads subscriptions, so the transport
 * knows when a subscriber joined; drops at the high-water mark like PUB) or a PUSH (blocks at the
 * high-water mark, up to `sendTimeoutMs`). Linger is always finite, so closing never hangs the process.
 * With `curve`, CURVE options are set (reads the secret key file; a ConfigError when it is unusable).
 */
export function createSendingSocket(
  pattern: 'pubsub' | 'pushpull',
  options: ZmqTransportOptions,
): SendingSocket {
  const settings = {
    ...common(options),
    linger: options.lingerMs,
    sendHighWaterMark: options.sendHighWaterMark,
    sendTimeout: options.sendTimeoutMs,
  };
  if (pattern === 'pushpull') return new Push(settings);
  const socket = new XPublisher(settings);
  socket.verbosity = 'allSubs';
  return socket;
}

/**
 * A new receiving socket for `pattern` (SUB or PULL). ZMQ_MAXMSGSIZE bounds every frame, so a peer
 * that sends a larger one is disconnected before it fills memory. Linger 0: a receiver queues nothing.
 */
export function createReceivingSocket(
  pattern: 'pubsub' | 'pushpull',
  options: ZmqTransportOptions,
): ReceivingSocket {
  const settings = {
    ...common(options),
    linger: 0,
    receiveHighWaterMark: options.receiveHighWaterMark,
    maxMessageSize: Math.max(options.maxMessageBytes, MAX_METADATA_BYTES) + 1024,
  };
  return pattern === 'pushpull' ? new Pull(settings) : new Subscriber(settings);
}

/** True when `socket` is a publisher (XPUB or PUB). */
export function isPublisher(socket: SendingSocket): socket is XPublisher {
  return socket instanceof XPublisher || socket instanceof Publisher;
}

/**
 * True when something accepts connections on the Unix socket at `path`. ZeroMQ's ipc bind silently
 * replaces a socket file another live process is bound to; the transport checks first and refuses.
 */
export function ipcInUse(path: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ path });
    const done = (inUse: boolean): void => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(timeoutMs, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
