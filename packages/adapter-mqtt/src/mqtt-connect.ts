import type { IConnackPacket, MqttClient } from 'mqtt';

/**
 * Starts a `manualConnect` client and resolves with its first CONNACK. Rejects with the driver's
 * error (a refused CONNACK, a socket error) or, when the broker never answers (mqtt.js then only
 * retries quietly), with an error after `timeoutMs`. The caller ends the client on rejection.
 */
export function connectOnce(client: MqttClient, timeoutMs: number): Promise<IConnackPacket> {
  return new Promise<IConnackPacket>((resolve, reject) => {
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`no CONNACK within ${timeoutMs} ms`));
    }, timeoutMs);
    const onConnect = (connack: IConnackPacket): void => {
      finish();
      resolve(connack);
    };
    const onError = (error: Error): void => {
      finish();
      reject(error);
    };
    const finish = (): void => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', onError);
    };
    client.on('connect', onConnect);
    client.on('error', onError);
    client.connect();
  });
}
