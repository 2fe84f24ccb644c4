import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Ajv } from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ConfigMap,
  Container,
  Namespace,
  PersistentVolumeClaim,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';
import { CLUSTER_SERVING_RUNTIME, INFERENCE_SERVICE } from './kserve-schema.js';
import type { K8sObject } from './manifests.js';

/** A model class of kubernetes-models: constructed from the object, `validate()` throws on a mismatch. */
type Model = new (data: never) => { validate(): void };

/** apiVersion/kind → the schema of that API, from kubernetes-models and its CRD packages. */
const MODELS: Record<string, Model> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

const ajv = new Ajv({ allErrors: true, strict: true });
const KSERVE: Record<string, ReturnType<typeof ajv.compile>> = {
  'serving.kserve.io/v1alpha1/ClusterServingRuntime': ajv.compile(CLUSTER_SERVING_RUNTIME),
  'serving.kserve.io/v1beta1/InferenceService': ajv.compile(INFERENCE_SERVICE),
};

/**
 * Validates one rendered object against the schema of its apiVersion and kind; returns the
 * problems found, empty when it conforms. A kind with no schema here is itself a problem, so a
 * new manifest cannot slip through unchecked.
 */
export function validateObject(o: K8sObject): string[] {
  const key = `${o.apiVersion}/${o.kind}`;
  const model = MODELS[key];
  if (model) return attempt(() => new model(o as never).validate());
  const kserve = KSERVE[key];
  if (!kserve) return [`${key}: no schema to validate it against`];
  const problems = kserve(o)
    ? []
    : (kserve.errors ?? []).map(
        e => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
      );
  // KServe embeds core/v1 Container in its specs: those parts are checked with Kubernetes' schema.
  for (const c of kserveContainers(o))
    problems.push(...attempt(() => new Container(c as never).validate()));
  return problems;
}

function kserveContainers(o: K8sObject): unknown[] {
  const spec = o.spec as
    { containers?: unknown[]; predictor?: { model?: Record<string, unknown> } } | undefined;
  if (spec?.containers) return spec.containers;
  // ModelSpec inlines a Container beside its own fields; the Container needs a name to validate.
  const model = spec?.predictor?.model;
  if (!model) return [];
  const {
    modelFormat: _f,
    runtime: _r,
    protocolVersion: _p,
    storageUri: _s,
    runtimeVersion: _v,
    storage: _st,
    ...container
  } = model;
  return [{ name: 'kserve-container', ...container }];
}

function attempt(check: () => void): string[] {
  try {
    check();
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}
