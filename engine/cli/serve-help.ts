/**
 * @module The help text of `braid serve`.
 */
import { RESTRICTED_HELP } from './restricted-flags.js';
import { TLS_HELP } from './tls-flags.js';
import { REFUSED_TRITON_FLAGS, TUNING_TRITON_FLAGS } from './triton-flags.js';

/** `--a, --b, ...` wrapped to the help text's width, each line indented by `indent`. */
function flagList(names: Iterable<string>, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const n of names) {
    const item = `--${n}`;
    if (line !== '' && line.length + item.length + 2 > 94 - indent.length) {
      lines.push(`${line},`);
      line = '';
    }
    line = line === '' ? item : `${line}, ${item}`;
  }
  if (line !== '') lines.push(line);
  return lines.map(l => indent + l).join('\n');
}

/** Help text of `braid serve`. */
export const SERVE_HELP = `Usage: braid serve --model-repository DIR [options]

Serves the models in DIR over the Open Inference Protocol (KServe v2) on HTTP and gRPC.
Takes Triton's flags with Triton's meaning; a boolean is true|on|1 or false|off|0.

Options:
  --model-repository DIR         model repository to serve (required; one only)
  --model-store DIR              the same (Triton's alias)
  --id NAME                      server name in server metadata (default braid)
  --exit-on-error BOOL           exit if a model fails to load at start (default true); false
                                 serves the others, the failed ones UNAVAILABLE with a reason
  --allow-http BOOL              serve HTTP (default true)
  --http-port N                  HTTP port (default 8000; 0 picks a free port)
  --http-address ADDR            address to bind (default 0.0.0.0)
  --allow-console BOOL           serve the web console at /console on HTTP (default true)
  --allow-grpc BOOL              serve inference.GRPCInferenceService too (default true)
  --grpc-port N                  gRPC port (default 8001; 0 picks a free port)
  --grpc-address ADDR            gRPC address (default: the HTTP address)
  --grpc-keepalive-time MS       ping idle gRPC connections this often (default: never)
  --grpc-keepalive-timeout MS    close a connection whose ping is unanswered this long (default 20000)
  --grpc-max-connection-age MS   close gRPC connections this old (default: never)
  --grpc-max-connection-age-grace MS   time calls get to finish on such a connection
  --model-control-mode MODE      none | explicit | poll (default none)
                                   none: load every model at start; load/unload API refused
                                   explicit: load --load-model names at start, then only by API
                                   poll: load all, then rescan every --repository-poll-secs
  --load-model NAME              model to load at start in explicit mode; '*' (alone) for all
                                 (repeatable)
  --repository-poll-secs N       rescan interval in poll mode (default 15)
  --disable-auto-complete-config every model needs a complete config file
  --strict-model-config BOOL     the same, Triton's older flag (default false)
  --strict-readiness BOOL        ready only when every model is READY (default true)
  --http-max-input-size BYTES    largest accepted request body (default 67108864)
  --http-thread-count N          threads that parse HTTP and encode/decode infer bodies, in
                                 front of the one engine (batching stays global); 1 serves
                                 HTTP on the engine's own event loop (default: cores - 2,
                                 from 1 to 4)
  --http-header-timeout-ms N     a client still sending its request headers after N ms gets
                                 408 and is disconnected (default 10000; 0: no limit)
  --http-request-timeout-ms N    the same for the whole request, body included: bounds a body
                                 that stalls or trickles in; answering is not counted
                                 (default 30000; 0: no limit; not below the header timeout)
  --exit-timeout-secs N          grace period for in-flight requests on SIGTERM (default 30)
  --log-format FORMAT            text (Triton's default and ISO8601 too: lines start with an
                                 ISO 8601 time) | json (default text)
  --log-file FILE                append log lines to FILE instead of standard output
  --log-verbose N                1 or more logs debug lines, one per HTTP request too (default 0)
  --log-info|--log-warning|--log-error BOOL   write lines of that severity (default true)
  --backend-config [B,]K=V       backend setting (repeatable; without B, for every backend):
                                 default-max-batch-size=N (onnxruntime auto-complete);
                                 js,max-heap-mb=N (heap of each JS model worker, default 512);
                                 js,execute-timeout-ms=N (stop and replace a JS model worker whose
                                 execute runs longer, default 30000; 0 never)
  --max-instance-count N         most instances of one model version, summed over its
                                 instance_group entries; larger loads are refused (default 64)
  --cache-config local,size=N    response cache of N bytes (LRU), shared by models whose config
                                 sets response_cache { enable: true } and pipeline steps with
                                 cache: true (default: no cache); Triton's deprecated
                                 --response-cache-byte-size N sets the same
  --allow-metrics BOOL           serve Prometheus metrics at /metrics (default true)
  --metrics-port N               metrics port (default 8002; 0 picks a free port)
  --metrics-address ADDR         metrics address (default: the HTTP address)
  --metrics-interval-ms N        polling interval of CPU and GPU metrics (default 2000)
  --allow-cpu-metrics BOOL       nv_cpu_* from /proc (default true)
  --allow-gpu-metrics BOOL       nv_gpu_* from nvidia-smi when present (default true)
  --metrics-config K=V           summary_latencies=true, summary_quantiles=0.5:0.05,...,
                                 counter_latencies=false, braid_latency_buckets=0.01,0.1,1,
                                 braid_batch_size_buckets=1,2,4,8 (repeatable)
  --trace-config [MODE,]K=V      tracing, as Triton: mode=opentelemetry, level=OFF|TIMESTAMPS,
                                 rate=N, count=N, opentelemetry,url=http://HOST:4318/v1/traces,
                                 opentelemetry,resource=K=V, opentelemetry,bsp_max_queue_size=N,
                                 bsp_schedule_delay=MS, bsp_max_export_batch_size=N (repeatable);
                                 OTEL_EXPORTER_OTLP_* and OTEL_SERVICE_NAME apply too;
                                 Triton's --trace-level, --trace-rate, --trace-count set the same
${RESTRICTED_HELP}
${TLS_HELP}
  -h, --help                     this help

Triton's tuning flags, accepted and logged as having no effect (models load concurrently and
run in their backends' workers):
${flagList(TUNING_TRITON_FLAGS.keys(), '  ')}
Triton's flags Braid refuses, saying why (a value asking for what Braid does anyway, such as
--rate-limit=off or --reuse-http-port=false, is accepted):
${flagList(REFUSED_TRITON_FLAGS.keys(), '  ')}
`;
