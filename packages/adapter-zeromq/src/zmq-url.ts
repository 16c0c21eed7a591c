import { ConfigError, redactUrl } from '@polybus/core';

/** The ZeroMQ endpoint a `zmq+tcp://` or `zmq+ipc://` URL names. */
export interface ZmqEndpoint {
  /** `tcp` or `ipc`. */
  readonly transport: 'tcp' | 'ipc';
  /** The endpoint in ZeroMQ's own syntax: `tcp://host:port` or `ipc:///path`. */
  readonly endpoint: string;
  /** True for `tcp://host:0` / `tcp://host:*`: the OS picks the port when the endpoint is bound. */
  readonly ephemeral: boolean;
}

/** Schemes served by the adapter. */
export const ZMQ_SCHEMES = ['zmq+tcp', 'zmq+ipc'] as const;

const TCP = /^zmq\+tcp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.*-]+):(\d{1,5}|\*)\/?$/i;
const IPC = /^zmq\+ipc:\/\/(\/[^?#\0]+)$/i;

/**
 * Parses `zmq+tcp://host:port` (port `0` or `*`: the OS picks one when bound; host `*` or `0.0.0.0`:
 * every interface, bind only) or `zmq+ipc:///absolute/path` (a Unix domain socket). User info, query
 * strings and relative ipc paths are refused. Throws {@link ConfigError} (URL redacted). Pure.
 */
export function parseZmqUrl(url: string): ZmqEndpoint {
  const tcp = TCP.exec(url);
  if (tcp) {
    const [, host = '', portText = ''] = tcp;
    const port = portText === '*' ? 0 : Number(portText);
    if (!Number.isInteger(port) || port > 65_535)
      throw new ConfigError(`invalid zmq URL "${redactUrl(url)}": port must be 0-65535 or *`);
    const ephemeral = port === 0;
    return { transport: 'tcp', endpoint: `tcp://${host}:${ephemeral ? '*' : port}`, ephemeral };
  }
  const ipc = IPC.exec(url);
  if (ipc) return { transport: 'ipc', endpoint: `ipc://${ipc[1]}`, ephemeral: false };
  throw new ConfigError(
    `invalid zmq URL "${redactUrl(url)}": expected zmq+tcp://host:port or zmq+ipc:///absolute/path`,
  );
}
