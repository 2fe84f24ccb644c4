// issue #13 item 3: Triton's command line. Every flag of Triton's src/command_line_parser.cc
// (SetupOptions) is taken with Triton's meaning, or refused by name with the reason.
import { describe, expect, it } from 'vitest';
import { parseServeFlags, SERVE_HELP, type ServeFlags } from '../../../engine/cli/args.js';
import { REFUSED_TRITON_FLAGS, TUNING_TRITON_FLAGS } from '../../../engine/cli/triton-flags.js';

const serve = (...args: string[]) => parseServeFlags(args) as ServeFlags;
const flags = (...args: string[]) => serve('--model-repository', 'models', ...args);

/**
 * Every flag of Triton's parser with a value Triton accepts, and what Braid makes of it: the
 * ServeFlags it sets, or the refusal. `--help` is left out: it prints the help.
 */
const TRITON_FLAGS: readonly [
  flag: string,
  value: string | undefined,
  outcome: Partial<ServeFlags> | RegExp,
][] = [
  ['id', 'edge-1', { id: 'edge-1' }],
  ['exit-timeout-secs', '5', { exitTimeoutSecs: 5 }],
  ['model-store', 'models', { modelRepository: 'models' }],
  ['model-repository', 'models', { modelRepository: 'models' }],
  ['exit-on-error', 'false', { exitOnError: false }],
  ['disable-auto-complete-config', undefined, { strictModelConfig: true }],
  ['strict-readiness', 'false', { strictReadiness: false }],
  ['model-control-mode', 'explicit', { modelControlMode: 'explicit' }],
  ['repository-poll-secs', '5', { repositoryPollSecs: 5 }],
  ['load-model', 'simple', { loadModel: ['simple'] }],
  ['model-load-thread-count', '4', {}],
  [
    'model-load-retry-count',
    '2',
    /--model-load-retry-count is not supported: Braid does not retry a failed load/,
  ],
  [
    'model-namespacing',
    'true',
    /--model-namespacing is not supported: Braid serves one model repository/,
  ],
  ['allow-http', 'false', { allowHttp: false }],
  ['http-address', '127.0.0.1', { httpAddress: '127.0.0.1' }],
  ['http-port', '9000', { httpPort: 9000 }],
  [
    'reuse-http-port',
    'true',
    /--reuse-http-port is not supported: Node\.js 20 cannot share a listening port/,
  ],
  [
    'http-header-forward-pattern',
    'x-.*',
    /--http-header-forward-pattern is not supported: Braid does not copy HTTP headers/,
  ],
  ['http-thread-count', '16', { httpThreadCount: 16 }],
  ['http-restricted-api', 'model-repository:admin-key=s3cret', {}],
  ['allow-grpc', 'false', { allowGrpc: false }],
  ['grpc-address', '127.0.0.1', { grpcAddress: '127.0.0.1' }],
  ['grpc-port', '9001', { grpcPort: 9001 }],
  [
    'reuse-grpc-port',
    '1',
    /--reuse-grpc-port is not supported: grpc-js cannot share a listening port/,
  ],
  ['grpc-header-forward-pattern', 'x-.*', /--grpc-header-forward-pattern is not supported/],
  ['grpc-infer-allocation-pool-size', '8', {}],
  ['grpc-use-ssl', 'false', {}],
  ['grpc-use-ssl-mutual', 'false', {}],
  [
    'grpc-infer-response-compression-level',
    'high',
    /--grpc-infer-response-compression-level is not supported: Braid's gRPC answers are not compressed/,
  ],
  ['grpc-keepalive-time', '7200000', { grpcKeepalive: { timeMs: 7200000 } }],
  ['grpc-keepalive-timeout', '20000', { grpcKeepalive: { timeoutMs: 20000 } }],
  [
    'grpc-keepalive-permit-without-calls',
    '1',
    /--grpc-keepalive-permit-without-calls is not supported: .*no ping policy/,
  ],
  [
    'grpc-http2-max-pings-without-data',
    '2',
    /--grpc-http2-max-pings-without-data is not supported/,
  ],
  [
    'grpc-http2-min-recv-ping-interval-without-data',
    '300000',
    /--grpc-http2-min-recv-ping-interval-without-data is not supported/,
  ],
  ['grpc-http2-max-ping-strikes', '2', /--grpc-http2-max-ping-strikes is not supported/],
  ['grpc-max-connection-age', '60000', { grpcKeepalive: { maxConnectionAgeMs: 60000 } }],
  ['grpc-max-connection-age-grace', '5000', { grpcKeepalive: { maxConnectionAgeGraceMs: 5000 } }],
  ['grpc-restricted-protocol', 'health:k=v', {}],
  ['log-verbose', '1', { logVerbose: 1 }],
  ['log-info', 'false', { logInfo: false }],
  ['log-warning', 'false', { logWarning: false }],
  ['log-error', 'false', { logError: false }],
  ['log-format', 'ISO8601', { logFormat: 'text' }],
  ['log-file', '/tmp/braid.log', { logFile: '/tmp/braid.log' }],
  [
    'allow-sagemaker',
    'true',
    /--allow-sagemaker is not supported: Braid has no SageMaker endpoint/,
  ],
  ['sagemaker-port', '8080', /--sagemaker-port is not supported/],
  ['sagemaker-safe-port-range', '8000-8002', /--sagemaker-safe-port-range is not supported/],
  ['sagemaker-thread-count', '8', /--sagemaker-thread-count is not supported/],
  [
    'allow-vertex-ai',
    'true',
    /--allow-vertex-ai is not supported: Braid has no Vertex AI endpoint/,
  ],
  ['vertex-ai-port', '8080', /--vertex-ai-port is not supported/],
  ['vertex-ai-thread-count', '8', /--vertex-ai-thread-count is not supported/],
  ['vertex-ai-default-model', 'simple', /--vertex-ai-default-model is not supported/],
  ['allow-metrics', 'false', { allowMetrics: false }],
  ['allow-gpu-metrics', 'false', { allowGpuMetrics: false }],
  ['allow-cpu-metrics', 'false', { allowCpuMetrics: false }],
  ['metrics-address', '127.0.0.1', { metricsAddress: '127.0.0.1' }],
  ['metrics-port', '9002', { metricsPort: 9002 }],
  ['metrics-interval-ms', '500', { metricsIntervalMs: 500 }],
  ['metrics-config', 'summary_latencies=true', { metricsConfig: ['summary_latencies=true'] }],
  ['trace-config', 'rate=10', { traceConfig: ['rate=10'] }],
  ['cache-directory', '/opt/tritonserver/caches', /--cache-directory is not supported/],
  ['rate-limit', 'execution_count', /--rate-limit is not supported: Braid has no rate limiter/],
  ['rate-limit-resource', 'R1:10', /--rate-limit-resource is not supported/],
  [
    'pinned-memory-pool-byte-size',
    '268435456',
    /--pinned-memory-pool-byte-size is not supported: Braid keeps no memory pools/,
  ],
  ['cuda-memory-pool-byte-size', '0:67108864', /--cuda-memory-pool-byte-size is not supported/],
  ['cuda-virtual-address-size', '0:1073741824', /--cuda-virtual-address-size is not supported/],
  [
    'min-supported-compute-capability',
    '6.0',
    /--min-supported-compute-capability is not supported/,
  ],
  ['buffer-manager-thread-count', '4', {}],
  ['host-policy', 'gpu_0,numa-node=0', /--host-policy is not supported/],
  ['model-load-gpu-limit', '0:0.8', /--model-load-gpu-limit is not supported/],
  [
    'backend-directory',
    '/opt/tritonserver/backends',
    /--backend-directory is not supported: Braid's backends .* are built in/,
  ],
  ['backend-config', 'default-max-batch-size=8', { defaultMaxBatchSize: 8 }],
  ['repoagent-directory', '/opt/tritonserver/repoagents', /--repoagent-directory is not supported/],
  ['strict-model-config', 'true', { strictModelConfig: true }],
  ['trace-file', '/tmp/trace.json', /--trace-file is not supported: Triton's file trace mode/],
  ['trace-level', 'TIMESTAMPS', { traceConfig: ['level=TIMESTAMPS'] }],
  ['trace-rate', '100', { traceConfig: ['rate=100'] }],
  ['trace-count', '10', { traceConfig: ['count=10'] }],
  ['trace-log-frequency', '50', /--trace-log-frequency is not supported/],
];

describe("Triton's command line", () => {
  it.each(TRITON_FLAGS)(
    '--%s %s is taken with its meaning or refused by name',
    (flag, value, outcome) => {
      const args = [
        '--model-repository',
        'models',
        value === undefined ? `--${flag}` : `--${flag}=${value}`,
      ];
      if (outcome instanceof RegExp) expect(() => parseServeFlags(args)).toThrow(outcome);
      else expect(parseServeFlags(args)).toMatchObject(outcome);
    },
  );

  it('lists every flag Braid refuses or only tolerates, and no flag twice', () => {
    const listed = new Set(TRITON_FLAGS.map(([f]) => f));
    expect(listed.size).toBe(TRITON_FLAGS.length);
    for (const name of [...REFUSED_TRITON_FLAGS.keys(), ...TUNING_TRITON_FLAGS.keys()])
      expect(listed).toContain(name);
  });

  it('starts as a Triton chart writes it: --flag=value', () => {
    const f = serve(
      '--model-store=/models',
      '--strict-model-config=false',
      '--log-verbose=1',
      '--allow-gpu-metrics=false',
      '--model-control-mode=poll',
      '--repository-poll-secs=5',
    );
    expect(f).toMatchObject({
      modelRepository: '/models',
      strictModelConfig: false,
      logVerbose: 1,
      allowGpuMetrics: false,
      modelControlMode: 'poll',
      repositoryPollSecs: 5,
    });
  });

  it('reads booleans as Triton does: true/on/1, false/off/0, any case', () => {
    for (const v of ['true', 'ON', '1', 'True'])
      expect(flags('--allow-http', v).allowHttp).toBe(true);
    for (const v of ['false', 'Off', '0', 'FALSE'])
      expect(flags('--allow-http', v).allowHttp).toBe(false);
    expect(() => flags('--allow-http', 'yes')).toThrow(
      "--allow-http must be true or false, got 'yes'",
    );
  });

  it('defaults to Triton’s: exit on a failed load, serve HTTP, name braid', () => {
    expect(flags()).toMatchObject({
      exitOnError: true,
      allowHttp: true,
      id: 'braid',
      strictModelConfig: false,
      notices: [],
    });
  });

  it('lets --disable-auto-complete-config win over --strict-model-config false, as Triton', () => {
    expect(
      flags('--strict-model-config=false', '--disable-auto-complete-config').strictModelConfig,
    ).toBe(true);
    expect(() => flags('--disable-auto-complete-config=true')).toThrow(/does not take an argument/);
  });

  it('serves one repository: the same one twice is fine, two are refused, cloud storage too', () => {
    expect(flags('--model-store', 'models').modelRepository).toBe('models');
    expect(() => flags('--model-store', 'other')).toThrow(
      '--model-repository is given 2 times (models, other): Braid serves one model repository',
    );
    expect(() => serve('--model-store', 's3://bucket/models')).toThrow(
      /cloud storage is not supported; copy or mount the repository/,
    );
    expect(() => serve('--http-port', '1')).toThrow(
      '--model-repository (or --model-store) is required',
    );
  });

  it('reads --log-verbose true/false and --log-format default|ISO8601|text|json', () => {
    expect(flags('--log-verbose', 'true').logVerbose).toBe(1);
    expect(flags('--log-verbose', 'false').logVerbose).toBe(0);
    expect(flags('--log-format', 'default').logFormat).toBe('text');
    expect(flags('--log-format', 'json').logFormat).toBe('json');
    expect(() => flags('--log-format', 'xml')).toThrow(
      "--log-format must be text, json, default or ISO8601, got 'xml'",
    );
  });

  it('reads the control mode in any case and keeps * the only --load-model', () => {
    expect(flags('--model-control-mode', 'EXPLICIT').modelControlMode).toBe('explicit');
    expect(flags('--load-model', '*').loadModel).toEqual(['*']);
    expect(() => flags('--load-model', '*', '--load-model', 'simple')).toThrow(
      /--load-model '\*' loads every model and must be the only --load-model/,
    );
  });

  it('accepts values that ask for what Braid does anyway', () => {
    const f = flags(
      '--reuse-http-port=false',
      '--reuse-grpc-port=0',
      '--rate-limit=off',
      '--model-namespacing=false',
      '--grpc-infer-response-compression-level=none',
      '--model-load-retry-count=0',
      '--allow-sagemaker=false',
      '--allow-vertex-ai=off',
    );
    expect(f.notices).toEqual([]);
  });

  it('accepts tuning flags with a warning saying why they change nothing, and still checks the value', () => {
    const f = flags('--model-load-thread-count=2', '--buffer-manager-thread-count=4');
    expect(f.notices.map(n => n.msg)).toEqual([
      '--model-load-thread-count has no effect in Braid',
      '--buffer-manager-thread-count has no effect in Braid',
    ]);
    expect(f.notices[0]!.fields).toMatchObject({
      value: '2',
      why: expect.stringMatching(/concurrently/),
    });
    expect(() => flags('--model-load-thread-count=many')).toThrow(
      "--model-load-thread-count must be an integer in [0, 9007199254740991], got 'many'",
    );
  });

  it('takes --http-thread-count as the number of HTTP frontend threads, from 1', () => {
    // issue #14: the flag now sets how many threads serve HTTP in front of the one engine.
    expect(flags('--http-thread-count=4').httpThreadCount).toBe(4);
    expect(flags('--http-thread-count=4').notices).toEqual([]);
    expect(() => flags('--http-thread-count=0')).toThrow(
      "--http-thread-count must be an integer in [1, 64], got '0'",
    );
    expect(() => flags('--http-thread-count=many')).toThrow(
      "--http-thread-count must be an integer in [1, 64], got 'many'",
    );
  });

  it('maps the deprecated trace flags to --trace-config settings before the explicit ones, with a warning', () => {
    const f = flags('--trace-config', 'rate=5', '--trace-level', 'TIMESTAMPS');
    expect(f.traceConfig).toEqual(['level=TIMESTAMPS', 'rate=5']);
    expect(f.notices).toEqual([
      { msg: '--trace-level is deprecated', fields: { use: '--trace-config level=TIMESTAMPS' } },
    ]);
  });

  it('lets a backend’s own --backend-config win over the global one, whatever the order', () => {
    expect(
      flags(
        '--backend-config',
        'onnxruntime,default-max-batch-size=4',
        '--backend-config',
        'default-max-batch-size=8',
      ).defaultMaxBatchSize,
    ).toBe(4);
  });

  it('checks the gRPC connection limits', () => {
    expect(() => flags('--grpc-keepalive-time', '0')).toThrow(
      /--grpc-keepalive-time must be an integer in \[1, 2147483647\]/,
    );
    expect(flags().grpcKeepalive).toEqual({});
  });

  it('names the tolerated and refused flags in the help', () => {
    expect(SERVE_HELP).toMatch(/--model-store DIR/);
    expect(SERVE_HELP).toMatch(/--exit-on-error BOOL/);
    for (const name of [...REFUSED_TRITON_FLAGS.keys(), ...TUNING_TRITON_FLAGS.keys()])
      expect(SERVE_HELP).toContain(`--${name}`);
  });
});
