import { describe, expect, it } from 'vitest';
import { parseMqttUrl } from './mqtt-url.js';

describe('parseMqttUrl', () => {
  it('reads host, default port and decoded credentials', () => {
    expect(parseMqttUrl('mqtt://us%40er:p%3Ass@broker')).toEqual({
      protocol: 'mqtt',
      host: 'broker',
      port: 1883,
      username: 'us@er',
      password: 'p:ss',
    });
    expect(parseMqttUrl('mqtts://h').port).toBe(8883);
    expect(parseMqttUrl('mqtt://h:18830').port).toBe(18830);
  });

  it('rejects other schemes and never shows credentials', () => {
    expect(() => parseMqttUrl('amqp://h')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    try {
      parseMqttUrl('mqtt://bob:secret@');
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('secret');
    }
  });
});
