import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../../support/repo.js';

/** The kustomizations under examples/kubernetes that users apply, relative to it. */
export const KUSTOMIZATIONS = [
  'base',
  'overlays/production',
  'overlays/keda',
  'overlays/gpu',
  'prometheus-adapter',
  'kserve',
] as const;

export const KUBERNETES_DIR = path.join(ROOT, 'examples', 'kubernetes');

/** A Kubernetes object as kustomize renders it. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
  };
  readonly [field: string]: unknown;
}

/** `kubectl` on PATH, or undefined. */
export function kubectl(): string | undefined {
  try {
    return (
      execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/** Renders one kustomization with `kubectl kustomize` and parses every object in the output. */
export function render(binary: string, kustomization: string): K8sObject[] {
  const out = execFileSync(binary, ['kustomize', path.join(KUBERNETES_DIR, kustomization)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseAllDocuments(out).map(doc => {
    if (doc.errors.length > 0)
      throw new Error(`${kustomization}: ${doc.errors.map(e => e.message).join('; ')}`);
    return doc.toJS() as K8sObject;
  });
}

/** The one object of `kind` (and `name`, when given); throws naming what is missing. */
export function find<T = K8sObject>(objects: readonly K8sObject[], kind: string, name?: string): T {
  const found = objects.filter(
    o => o.kind === kind && (name === undefined || o.metadata.name === name),
  );
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  return found[0] as T;
}

/** The parts of a Deployment the tests read. */
export interface DeploymentLike extends K8sObject {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds: number;
        securityContext: Record<string, unknown>;
        initContainers?: ContainerLike[];
        containers: ContainerLike[];
        volumes: {
          name: string;
          configMap?: { name: string };
          persistentVolumeClaim?: { claimName: string };
        }[];
      };
    };
  };
}

export interface ProbeLike {
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  failureThreshold?: number;
}

export interface ContainerLike {
  name: string;
  image: string;
  args?: string[];
  ports?: { name: string; containerPort: number }[];
  startupProbe?: ProbeLike;
  livenessProbe?: ProbeLike;
  readinessProbe?: ProbeLike;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string | number> };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
