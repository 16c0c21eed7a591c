import { ConfigError, redactUrl } from '@polybus/core';

/** Where and how to connect, parsed from an `mqtt://` or `mqtts://` URL. */
export interface MqttEndpoint {
  readonly protocol: 'mqtt' | 'mqtts';
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
}

const DEFAULT_PORTS = { mqtt: 1883, mqtts: 8883 } as const;

/**
 * Parses a connection URL (pure). Userinfo is percent-decoded into `username` / `password`; it never
 * appears in an error. Throws {@link ConfigError}.
 */
export function parseMqttUrl(url: string): MqttEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`invalid MQTT URL ${redactUrl(url)}`);
  }
  const protocol = parsed.protocol.replace(/:$/, '');
  if (protocol !== 'mqtt' && protocol !== 'mqtts') {
    throw new ConfigError(`unsupported MQTT URL scheme "${protocol}:" (mqtt, mqtts)`);
  }
  if (parsed.hostname === '') throw new ConfigError(`MQTT URL ${redactUrl(url)} has no host`);
  const port = parsed.port === '' ? DEFAULT_PORTS[protocol] : Number(parsed.port);
  const endpoint: MqttEndpoint = {
    protocol,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
  };
  return endpoint;
}
