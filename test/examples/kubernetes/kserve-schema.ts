/**
 * JSON Schemas for the two KServe resources in examples/kubernetes/kserve, written from KServe's
 * API types (kserve/kserve: pkg/apis/serving/v1alpha1/servingruntime_types.go and
 * pkg/apis/serving/v1beta1/predictor_model.go, which generate config/crd/): every field of the
 * specs the manifests use, unknown fields refused, protocol versions as KServe names them. The
 * embedded core/v1 Containers are checked with Kubernetes' own schema (schemas.ts).
 */

const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;

const metadata = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    namespace: { type: 'string' },
    labels: stringMap,
    annotations: stringMap,
  },
  additionalProperties: false,
} as const;

/** constants.InferenceServiceProtocol */
const protocol = { enum: ['v1', 'v2', 'grpc-v1', 'grpc-v2'] } as const;

/** The fields of core/v1 Container that KServe's ModelSpec inlines. */
const CONTAINER_FIELDS = [
  'name',
  'image',
  'command',
  'args',
  'workingDir',
  'ports',
  'envFrom',
  'env',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'volumeMounts',
  'volumeDevices',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'imagePullPolicy',
  'securityContext',
  'stdin',
  'stdinOnce',
  'tty',
];

/** v1alpha1.ServingRuntimeSpec, with ServingRuntimePodSpec inlined. */
const servingRuntimeSpec = {
  type: 'object',
  required: ['containers'],
  properties: {
    supportedModelFormats: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1 },
          version: { type: 'string' },
          autoSelect: { type: 'boolean' },
          priority: { type: 'integer', minimum: 1 },
        },
        additionalProperties: false,
      },
    },
    multiModel: { type: 'boolean' },
    disabled: { type: 'boolean' },
    protocolVersions: { type: 'array', items: protocol },
    workerSpec: { type: 'object' },
    containers: { type: 'array', minItems: 1, items: { type: 'object' } },
    volumes: { type: 'array', items: { type: 'object' } },
    nodeSelector: stringMap,
    affinity: { type: 'object' },
    tolerations: { type: 'array', items: { type: 'object' } },
    labels: stringMap,
    annotations: stringMap,
    imagePullSecrets: { type: 'array', items: { type: 'object' } },
    hostIPC: { type: 'boolean' },
    grpcEndpoint: { type: 'string' },
    grpcDataEndpoint: { type: 'string' },
    httpDataEndpoint: { type: 'string' },
    replicas: { type: 'integer', minimum: 0, maximum: 65535 },
    storageHelper: {
      type: 'object',
      properties: { disabled: { type: 'boolean' } },
      additionalProperties: false,
    },
    builtInAdapter: { type: 'object' },
  },
  additionalProperties: false,
} as const;

export const CLUSTER_SERVING_RUNTIME = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'serving.kserve.io/v1alpha1' },
    kind: { const: 'ClusterServingRuntime' },
    metadata,
    spec: servingRuntimeSpec,
  },
  additionalProperties: false,
} as const;

/** v1beta1.ModelSpec: modelFormat, runtime, PredictorExtensionSpec (with a Container inlined). */
const modelSpec = {
  type: 'object',
  required: ['modelFormat'],
  properties: {
    modelFormat: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string', minLength: 1 }, version: { type: 'string' } },
      additionalProperties: false,
    },
    runtime: { type: 'string' },
    storageUri: { type: 'string' },
    runtimeVersion: { type: 'string' },
    protocolVersion: protocol,
    storage: { type: 'object' },
    ...Object.fromEntries(CONTAINER_FIELDS.map(f => [f, {}])),
  },
  additionalProperties: false,
} as const;

export const INFERENCE_SERVICE = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'serving.kserve.io/v1beta1' },
    kind: { const: 'InferenceService' },
    metadata,
    spec: {
      type: 'object',
      required: ['predictor'],
      properties: {
        predictor: {
          type: 'object',
          properties: {
            model: modelSpec,
            minReplicas: { type: 'integer', minimum: 0 },
            maxReplicas: { type: 'integer', minimum: 0 },
            scaleTarget: { type: 'integer' },
            scaleMetric: { enum: ['cpu', 'memory', 'concurrency', 'rps'] },
          },
        },
        transformer: { type: 'object' },
        explainer: { type: 'object' },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;
