import { describe, expect, it } from 'vitest';
import {
  DEFAULT_OTLP_TRACES_URL,
  parseTraceConfig,
} from '../../../../engine/telemetry/tracing/trace-config.js';

describe('parseTraceConfig', () => {
  it("reads Triton's --trace-config flags", () => {
    const c = parseTraceConfig(
      [
        'mode=opentelemetry',
        'level=TIMESTAMPS',
        'rate=5',
        'count=100',
        'opentelemetry,url=http://jaeger:4318/v1/traces',
        'opentelemetry,resource=deployment.environment=prod',
        'opentelemetry,resource=team=vision',
        'opentelemetry,bsp_max_queue_size=4096',
        'opentelemetry,bsp_schedule_delay=200',
        'opentelemetry,bsp_max_export_batch_size=128',
      ],
      {},
    );
    expect(c.settings).toEqual({ level: 'TIMESTAMPS', rate: 5, count: 100 });
    expect(c.url).toBe('http://jaeger:4318/v1/traces');
    expect(c.protocol).toBe('http/protobuf');
    expect(c.resource).toEqual({ 'deployment.environment': 'prod', team: 'vision' });
    expect(c.batch).toEqual({
      maxQueueSize: 4096,
      scheduledDelayMillis: 200,
      maxExportBatchSize: 128,
    });
    expect(c.options).toMatchObject({
      url: 'http://jaeger:4318/v1/traces',
      bsp_schedule_delay: '200',
      resource: 'deployment.environment=prod,team=vision',
    });
  });

  it("defaults to Triton's settings and the OTLP/HTTP default endpoint", () => {
    const c = parseTraceConfig([], {});
    expect(c.settings).toEqual({ level: 'OFF', rate: 1000, count: -1 });
    expect(c.url).toBe(DEFAULT_OTLP_TRACES_URL);
    expect(c.options).toEqual({ url: DEFAULT_OTLP_TRACES_URL });
  });

  it('takes the endpoint and protocol from the standard OTEL_EXPORTER_OTLP_* variables, the flag first', () => {
    expect(parseTraceConfig([], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318/' }).url).toBe(
      'http://otel:4318/v1/traces',
    );
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/v1/traces',
    };
    expect(parseTraceConfig([], env).url).toBe('http://tempo:4318/v1/traces');
    expect(parseTraceConfig(['opentelemetry,url=http://flag/v1/traces'], env).url).toBe(
      'http://flag/v1/traces',
    );
    expect(parseTraceConfig([], { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).protocol).toBe(
      'http/json',
    );
    expect(
      parseTraceConfig([], {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      }).protocol,
    ).toBe('http/protobuf');
    expect(() => parseTraceConfig([], { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      /OTLP protocol 'grpc' is not supported/,
    );
  });

  it.each([
    ['mode=triton', /trace mode 'triton' is not supported/],
    ['level=TENSORS', /TENSORS is not available in opentelemetry mode/],
    ['level=LOUD', /expected level OFF or TIMESTAMPS/],
    ['rate=-1', /'rate=-1': expected an integer >= 0/],
    ['count=-2', /expected an integer >= -1/],
    ['rate', /expected \[mode,\]key=value/],
    ['triton,file=trace.json', /unknown setting/],
    ['opentelemetry,resource=novalue', /expected resource=key=value/],
    ['opentelemetry,bsp_schedule_delay=0', /expected an integer >= 1/],
  ])('rejects %s naming the flag value', (entry, message) => {
    expect(() => parseTraceConfig([entry], {})).toThrow(
      expect.objectContaining({ code: 'INVALID_ARG', message: expect.stringMatching(message) }),
    );
  });
});
