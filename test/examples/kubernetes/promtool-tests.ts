/**
 * `promtool test rules` cases for examples/kubernetes: the PrometheusRule's alerts and recording
 * rules, and the autoscalers' queries (KEDA's, and prometheus-adapter's as the adapter expands
 * it for an HPA), on recorded series. Scraped series carry namespace, pod and service, as the
 * ServiceMonitor's scrapes do.
 */

const queue = (ns: string, pod: string, model: string, values: string) => ({
  series: `braid_queue_depth{namespace="${ns}",pod="${pod}",service="braid-metrics",model="${model}",version="1"}`,
  values,
});
const requests = (name: string, model: string, values: string, reason?: string) => ({
  series: `${name}{namespace="braid",pod="braid-a",service="braid-metrics",model="${model}",version="1"${reason ? `,reason="${reason}"` : ''}}`,
  values,
});

/** The alerts: each fires on the series made to trigger it and stays quiet on the others. */
function alertTests(): unknown {
  return {
    interval: '1m',
    input_series: [
      // namespace braid: two replicas, queues growing by 4 a minute in all (4 + 4t).
      queue('braid', 'braid-a', 'simple', '0+2x30'),
      queue('braid', 'braid-b', 'simple', '0+2x30'),
      queue('braid', 'braid-b', 'ocr', '4x30'),
      // namespace calm: a long queue that does not grow (the autoscaler is catching up).
      queue('calm', 'braid-c', 'simple', '20x30'),
      // simple fails 10 of 100 requests a minute; ocr never fails.
      requests('nv_inference_request_success', 'simple', '0+90x30'),
      requests('nv_inference_request_failure', 'simple', '0+10x30', 'BACKEND'),
      requests('nv_inference_request_success', 'ocr', '0+100x30'),
      requests('nv_inference_request_failure', 'ocr', '0x30', 'BACKEND'),
      // braid-new never becomes ready; braid-old is not ready because it is being deleted.
      {
        series: 'kube_pod_status_ready{namespace="braid",pod="braid-a",condition="false"}',
        values: '0x30',
      },
      {
        series: 'kube_pod_status_ready{namespace="braid",pod="braid-new",condition="false"}',
        values: '1x30',
      },
      {
        series: 'kube_pod_status_ready{namespace="braid",pod="braid-old",condition="false"}',
        values: '1x30',
      },
      {
        series: 'kube_pod_deletion_timestamp{namespace="braid",pod="braid-old"}',
        values: '1700000000x30',
      },
    ],
    alert_rule_test: [
      // Above 8 per replica from minute 4 (4 + 4t > 16), growing all along: firing 10 minutes later.
      { eval_time: '10m', alertname: 'BraidQueueGrowing', exp_alerts: [] },
      {
        eval_time: '15m',
        alertname: 'BraidQueueGrowing',
        exp_alerts: [
          {
            exp_labels: { severity: 'warning', namespace: 'braid' },
            exp_annotations: {
              summary: "Braid's request queues keep growing in braid",
              description:
                '64 requests wait, more than 8 per replica, and the number rose over the last 10 minutes. Check the HorizontalPodAutoscaler (maxReplicas) and pending pods.',
            },
          },
        ],
      },
      {
        eval_time: '10m',
        alertname: 'BraidInferenceFailures',
        exp_alerts: [
          {
            exp_labels: { severity: 'critical', namespace: 'braid', model: 'simple' },
            exp_annotations: {
              summary: 'More than 5% of requests to simple fail',
              description:
                '10% of the requests to model simple in braid failed over 5 minutes (nv_inference_request_failure by reason).',
            },
          },
        ],
      },
      { eval_time: '9m', alertname: 'BraidModelLoadFailing', exp_alerts: [] },
      {
        eval_time: '11m',
        alertname: 'BraidModelLoadFailing',
        exp_alerts: [
          {
            exp_labels: { severity: 'critical', namespace: 'braid', pod: 'braid-new' },
            exp_annotations: {
              summary: 'Braid replica braid-new is not ready after 10 minutes',
              description:
                'braid-new in braid reports not ready: a model failed to load or is still loading. See its log (model version ... failed).',
            },
          },
        ],
      },
    ],
  };
}

export interface AutoscalingQueries {
  /** The ScaledObject's Prometheus query. */
  readonly keda: string;
  /** prometheus-adapter's metricsQuery per metric name, expanded for the pods braid-a and braid-b. */
  readonly adapter: Readonly<Record<string, string>>;
}

/**
 * The autoscalers' queries on steady queues: braid-a holds 6 + 3 requests (two models), braid-b
 * 1; another namespace's replica, 50, must not count. KEDA sees 10 (3 replicas at 4 each); the
 * HPA sees 9 and 1 per pod (an average of 5, above its target of 4).
 */
function autoscalingTests(q: AutoscalingQueries): unknown {
  const pending = (pod: string, model: string, values: string) => ({
    series: `nv_inference_pending_request_count{namespace="braid",pod="${pod}",service="braid-metrics",model="${model}",version="1"}`,
    values,
  });
  const perPod = [
    { labels: '{pod="braid-a"}', value: 9 },
    { labels: '{pod="braid-b"}', value: 1 },
  ];
  return {
    interval: '1m',
    input_series: [
      queue('braid', 'braid-a', 'simple', '6x10'),
      queue('braid', 'braid-a', 'ocr', '3x10'),
      queue('braid', 'braid-b', 'simple', '1x10'),
      queue('other', 'braid-x', 'simple', '50x10'),
      pending('braid-a', 'simple', '6x10'),
      pending('braid-a', 'ocr', '3x10'),
      pending('braid-b', 'simple', '1x10'),
    ],
    promql_expr_test: [
      { expr: q.keda, eval_time: '5m', exp_samples: [{ labels: '{}', value: 10 }] },
      ...Object.values(q.adapter).map(expr => ({ expr, eval_time: '5m', exp_samples: perPod })),
      {
        expr: 'pod:braid_queue_depth:sum{namespace="braid"}',
        eval_time: '5m',
        exp_samples: perPod.map(s => ({
          labels: `pod:braid_queue_depth:sum{namespace="braid",${s.labels.slice(1)}`,
          value: s.value,
        })),
      },
    ],
  };
}

/** The whole `promtool test rules` file for a rule file named `rules`. */
export function promtoolTests(rules: string, queries: AutoscalingQueries): unknown {
  return {
    rule_files: [rules],
    evaluation_interval: '1m',
    tests: [alertTests(), autoscalingTests(queries)],
  };
}

/**
 * A prometheus-adapter metricsQuery as the adapter expands it for the custom metrics API when an
 * HPA asks for pods `pods` in `namespace`.
 */
export function expandAdapterQuery(
  template: string,
  series: string,
  namespace: string,
  pods: readonly string[],
): string {
  return template
    .replaceAll('<<.Series>>', series)
    .replaceAll('<<.LabelMatchers>>', `namespace="${namespace}",pod=~"${pods.join('|')}"`)
    .replaceAll('<<.GroupBy>>', 'pod');
}
