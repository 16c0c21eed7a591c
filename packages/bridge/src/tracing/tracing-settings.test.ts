import { describe, expect, it } from 'vitest';
import { tracingSettings } from './tracing-settings.js';

describe('tracingSettings', () => {
  it('is off by default', () => {
    expect(tracingSettings(undefined, {}).enabled).toBe(false);
  });

  it('turns on when the environment names an OTLP endpoint, with the traces path added', () => {
    const s = tracingSettings(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/' });
    expect(s).toMatchObject({ enabled: true, endpoint: 'http://127.0.0.1:4318/v1/traces', sampleRatio: 1 });
  });

  it('lets the config block win over the environment, and clamps the ratio', () => {
    const s = tracingSettings(
      {
        enabled: true,
        endpoint: 'http://collector:4318/v1/traces',
        sampleRatio: 7,
        serviceName: 'bridge-eu',
      },
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other/v1/traces', OTEL_SERVICE_NAME: 'x' },
    );
    expect(s).toEqual({
      enabled: true,
      endpoint: 'http://collector:4318/v1/traces',
      sampleRatio: 1,
      serviceName: 'bridge-eu',
    });
  });

  it('is off when OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none say so, whatever the config says', () => {
    expect(tracingSettings({ enabled: true }, { OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
    expect(tracingSettings({ enabled: true }, { OTEL_TRACES_EXPORTER: 'none' }).enabled).toBe(false);
  });

  it('reads the ratio from OTEL_TRACES_SAMPLER_ARG when the config has none', () => {
    expect(tracingSettings({ enabled: true }, { OTEL_TRACES_SAMPLER_ARG: '0.25' }).sampleRatio).toBe(0.25);
  });
});
