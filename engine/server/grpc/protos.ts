/**
 * @module The .proto files Braid serves over gRPC and their service definitions, loaded once:
 * `inference.GRPCInferenceService` (grpc_service.proto, which imports Triton's
 * model_config.proto from engine/repository/pbtxt/) and `grpc.health.v1.Health` (health.proto).
 * dist/ holds compiled JavaScript only; the build copies the protos next to it, and sources read
 * them in place.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** grpc_service.proto: the Open Inference Protocol's service, as Triton declares it. */
export const GRPC_SERVICE_PROTO = fileURLToPath(new URL('./grpc_service.proto', import.meta.url));
/** health.proto: gRPC's standard health service. */
export const HEALTH_PROTO = fileURLToPath(new URL('./health.proto', import.meta.url));
/** Where grpc_service.proto's `import "model_config.proto"` is found: pass as proto-loader's `includeDirs`. */
export const GRPC_PROTO_INCLUDE_DIRS: readonly string[] = [
  fileURLToPath(new URL('../../repository/pbtxt/', import.meta.url)),
];

/** proto-loader's options for serving: field names as the protos spell them, 64-bit integers as strings. */
const OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
} as const;

function service(file: string, path: readonly string[]): ServiceDefinition {
  if (!existsSync(file))
    throw new Error(`the gRPC service definition is missing at ${file}; run npm run build`);
  let node: unknown = loadPackageDefinition(
    loadSync(file, { ...OPTIONS, includeDirs: [...GRPC_PROTO_INCLUDE_DIRS] }),
  );
  for (const p of path) node = (node as Record<string, unknown>)[p];
  return (node as { service: ServiceDefinition }).service;
}

let inference: ServiceDefinition | undefined;
let health: ServiceDefinition | undefined;

/**
 * `inference.GRPCInferenceService`'s definition.
 *
 * @example
 * server.addService(inferenceServiceDefinition(), handlers);
 */
export function inferenceServiceDefinition(): ServiceDefinition {
  return (inference ??= service(GRPC_SERVICE_PROTO, ['inference', 'GRPCInferenceService']));
}

/**
 * `grpc.health.v1.Health`'s definition.
 *
 * @example
 * server.addService(healthServiceDefinition(), healthHandlers(engine));
 */
export function healthServiceDefinition(): ServiceDefinition {
  return (health ??= service(HEALTH_PROTO, ['grpc', 'health', 'v1', 'Health']));
}
