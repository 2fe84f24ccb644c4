/*
 * issue #16: the manifests under examples/kubernetes render with `kubectl kustomize`, match the
 * Kubernetes, Prometheus Operator, KEDA and KServe schemas, and agree with Braid itself: every
 * argument is a `braid serve` flag, the probes hit its health endpoints, the stop sequence fits
 * its drain, and the alerting and autoscaling queries behave on recorded series (promtool).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { parseServeFlags, type ServeFlags } from '../../engine/cli/args.js';
import { parseTraceConfig } from '../../engine/telemetry/tracing/trace-config.js';
import { ROOT } from '../support/repo.js';
import {
  find,
  KUSTOMIZATIONS,
  kubectl,
  render,
  type ContainerLike,
  type DeploymentLike,
  type K8sObject,
} from './kubernetes/manifests.js';
import { expandAdapterQuery, promtoolTests } from './kubernetes/promtool-tests.js';
import { validateObject } from './kubernetes/schemas.js';

const bin = kubectl();
const promtool = (() => {
  try {
    return (
      execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim() || undefined
    );
  } catch {
    return undefined;
  }
})();
const DEPLOYMENTS = ['base', 'overlays/production', 'overlays/keda', 'overlays/gpu'] as const;
const rendered: Record<string, K8sObject[]> = {};

/** `braid serve` flags of a container, parsed by Braid's own parser (which throws on a bad one). */
function serveFlags(c: ContainerLike): ServeFlags {
  expect(c.args?.[0]).toBe('serve');
  const flags = parseServeFlags(c.args!.slice(1));
  if (flags === 'help') throw new Error('--help in the manifest');
  parseTraceConfig(flags.traceConfig, {});
  return flags;
}

const braidContainer = (d: DeploymentLike): ContainerLike =>
  d.spec.template.spec.containers.find(c => c.name === 'braid')!;
const subset = (small: Record<string, string>, big: Record<string, string> = {}): boolean =>
  Object.entries(small).every(([k, v]) => big[k] === v);

beforeAll(() => {
  if (bin) for (const k of KUSTOMIZATIONS) rendered[k] = render(bin, k);
});

describe.skipIf(!bin)(`examples/kubernetes${bin ? '' : ' (skipped: kubectl not on PATH)'}`, () => {
  it.each(KUSTOMIZATIONS)('%s renders, and every object matches the schema of its API', k => {
    const objects = rendered[k]!;
    expect(objects.length).toBeGreaterThan(0);
    expect(
      objects.flatMap(o => validateObject(o).map(p => `${o.kind}/${o.metadata.name}: ${p}`)),
    ).toEqual([]);
  });

  it('the schemas refuse what an API server would', () => {
    const deployment = find<DeploymentLike>(rendered.base!, 'Deployment');
    expect(
      validateObject({ ...deployment, spec: { ...deployment.spec, replicas: 'three' } }),
    ).not.toEqual([]);
    const runtime = find(rendered.kserve!, 'ClusterServingRuntime') as K8sObject & {
      spec: Record<string, unknown>;
    };
    expect(
      validateObject({ ...runtime, spec: { ...runtime.spec, protocolVersions: ['v3'] } }),
    ).not.toEqual([]);
    expect(validateObject({ ...runtime, spec: { ...runtime.spec, modelFormats: [] } })).not.toEqual(
      [],
    );
    expect(validateObject({ ...runtime, apiVersion: 'serving.kserve.io/v1beta1' })).not.toEqual([]);
  });

  it.each(DEPLOYMENTS)(
    '%s: probes on the health endpoints, ports as the flags say, drain within the grace period',
    k => {
      const d = find<DeploymentLike>(rendered[k]!, 'Deployment', 'braid');
      const c = braidContainer(d);
      const flags = serveFlags(c);
      const port = (name: string): number | undefined =>
        c.ports?.find(p => p.name === name)?.containerPort;
      expect([port('http'), port('grpc'), port('metrics')]).toEqual([
        flags.httpPort,
        flags.grpcPort,
        flags.metricsPort,
      ]);
      expect([8000, 8001, 8002]).toEqual([flags.httpPort, flags.grpcPort, flags.metricsPort]);
      expect(c.startupProbe?.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
      expect(c.readinessProbe?.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
      // preStop, then the drain of --exit-timeout-secs, with time to close and unload after it.
      const [cmd, secs] = c.lifecycle?.preStop?.exec?.command ?? [];
      expect(cmd).toBe('sleep');
      expect(d.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(
        Number(secs) + flags.exitTimeoutSecs + 5,
      );
      expect(flags.modelRepository).toBe('/repository');
    },
  );

  it.each(DEPLOYMENTS)(
    '%s: non-root, read-only root, /tmp writable, every volume and selector resolves',
    k => {
      const objects = rendered[k]!;
      const d = find<DeploymentLike>(objects, 'Deployment', 'braid');
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: dockerUser() });
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        expect(c.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.resources?.requests).toBeDefined();
      }
      expect(braidContainer(d).volumeMounts?.find(m => m.mountPath === '/tmp')?.readOnly).not.toBe(
        true,
      );
      for (const v of pod.volumes) {
        if (v.configMap) find(objects, 'ConfigMap', v.configMap.name);
        if (v.persistentVolumeClaim)
          find(objects, 'PersistentVolumeClaim', v.persistentVolumeClaim.claimName);
      }
      const labels = d.spec.template.metadata.labels;
      expect(subset(d.spec.selector.matchLabels, labels)).toBe(true);
      const pdb = find(objects, 'PodDisruptionBudget') as K8sObject & {
        spec: { selector: { matchLabels: Record<string, string> } };
      };
      expect(subset(pdb.spec.selector.matchLabels, labels)).toBe(true);
      const portNames = new Set(braidContainer(d).ports?.map(p => p.name));
      const services = objects.filter(o => o.kind === 'Service') as (K8sObject & {
        spec: { selector: Record<string, string>; ports: { port: number; targetPort: string }[] };
      })[];
      expect(services.flatMap(s => s.spec.ports.map(p => p.port)).sort()).toEqual([
        8000, 8001, 8002,
      ]);
      for (const s of services) {
        expect(subset(s.spec.selector, labels)).toBe(true);
        for (const p of s.spec.ports) expect(portNames).toContain(p.targetPort);
      }
    },
  );

  it.each(['overlays/production', 'overlays/keda'])(
    '%s: the ServiceMonitor scrapes the metrics Service',
    k => {
      const objects = rendered[k]!;
      const monitor = find(objects, 'ServiceMonitor') as K8sObject & {
        spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
      };
      const scraped = objects.filter(
        o => o.kind === 'Service' && subset(monitor.spec.selector.matchLabels, o.metadata.labels),
      );
      expect(scraped.map(s => s.metadata.name)).toEqual(['braid-metrics']);
      const ports = (
        scraped[0] as K8sObject & { spec: { ports: { name: string }[] } }
      ).spec.ports.map(p => p.name);
      expect(monitor.spec.endpoints.map(e => e.port)).toEqual(ports);
    },
  );

  it('production scales on queue depth, a metric prometheus-adapter serves; KEDA on the same target', () => {
    const hpa = find(rendered['overlays/production']!, 'HorizontalPodAutoscaler') as K8sObject & {
      spec: {
        scaleTargetRef: { kind: string; name: string };
        metrics: {
          type: string;
          pods: { metric: { name: string }; target: { averageValue: string } };
        }[];
      };
    };
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'braid' });
    const served = adapterRules().map(r => r.name.as);
    for (const m of hpa.spec.metrics) {
      expect(m.type).toBe('Pods');
      expect(served).toContain(m.pods.metric.name);
    }
    const keda = find(rendered['overlays/keda']!, 'ScaledObject') as K8sObject & {
      spec: {
        scaleTargetRef: { name: string };
        triggers: { type: string; metadata: { query: string; threshold: string } }[];
      };
    };
    expect(keda.spec.scaleTargetRef.name).toBe('braid');
    expect(keda.spec.triggers[0]!.metadata.query).toContain('braid_queue_depth');
    expect(keda.spec.triggers[0]!.metadata.threshold).toBe(
      hpa.spec.metrics[0]!.pods.target.averageValue,
    );
    expect(rendered['overlays/keda']!.some(o => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
  });

  it('the GPU overlay asks for a GPU and runs the gpu image', () => {
    const c = braidContainer(find<DeploymentLike>(rendered['overlays/gpu']!, 'Deployment'));
    expect(c.resources?.limits?.['nvidia.com/gpu']).toBe(1);
    expect(c.image).toMatch(/-gpu$/);
  });

  it('KServe: the runtime serves /mnt/models with the protocol and format the InferenceService asks for', () => {
    const runtime = find(rendered.kserve!, 'ClusterServingRuntime') as K8sObject & {
      spec: {
        supportedModelFormats: { name: string; version?: string }[];
        protocolVersions: string[];
        containers: ContainerLike[];
      };
    };
    const flags = serveFlags(runtime.spec.containers[0]!);
    expect(flags.modelRepository).toBe('/mnt/models');
    expect(runtime.spec.protocolVersions).toEqual(['v2', 'grpc-v2']);
    const isvc = find(rendered.kserve!, 'InferenceService') as K8sObject & {
      spec: {
        predictor: {
          model: {
            runtime: string;
            protocolVersion: string;
            modelFormat: { name: string; version?: string };
          };
        };
      };
    };
    const model = isvc.spec.predictor.model;
    expect(model.runtime).toBe(runtime.metadata.name);
    expect(runtime.spec.protocolVersions).toContain(model.protocolVersion);
    // KServe matches a format by name, and by version when the InferenceService names one.
    expect(runtime.spec.supportedModelFormats.map(f => `${f.name}:${f.version}`)).toContain(
      `${model.modelFormat.name}:${model.modelFormat.version}`,
    );
  });

  it.skipIf(!promtool)(
    "promtool: the alerts and the autoscalers' queries behave on recorded series",
    async () => {
      const rule = find(rendered['overlays/production']!, 'PrometheusRule') as K8sObject & {
        spec: { groups: unknown[] };
      };
      const keda = find(rendered['overlays/keda']!, 'ScaledObject') as K8sObject & {
        spec: { triggers: { metadata: { query: string } }[] };
      };
      const adapter = Object.fromEntries(
        adapterRules().map(r => [
          r.name.as,
          expandAdapterQuery(r.metricsQuery, r.name.as, 'braid', ['braid-a', 'braid-b']),
        ]),
      );
      const dir = await mkdtemp(path.join(tmpdir(), 'braid-promtool-'));
      try {
        await writeFile(path.join(dir, 'rules.yaml'), stringify({ groups: rule.spec.groups }));
        await writeFile(
          path.join(dir, 'tests.yaml'),
          stringify(
            promtoolTests('rules.yaml', { keda: keda.spec.triggers[0]!.metadata.query, adapter }),
          ),
        );
        for (const args of [
          ['check', 'rules', 'rules.yaml'],
          ['test', 'rules', 'tests.yaml'],
        ]) {
          const run = runIn(dir, promtool!, args);
          expect(run.status, run.output).toBe(0);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('Dockerfile', () => {
  const lines = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').split('\n');
  const last = (instruction: string): string =>
    lines
      .filter(l => l.startsWith(`${instruction} `))
      .at(-1)!
      .slice(instruction.length + 1);

  it('runs as a numeric non-root user, drains on SIGTERM, keeps /tmp writable, serves the example repository', () => {
    expect(dockerUser()).toBeGreaterThan(0);
    expect(last('STOPSIGNAL')).toBe('SIGTERM');
    expect(last('VOLUME')).toBe('["/tmp"]');
    const cmd = JSON.parse(last('CMD')) as string[];
    const flags = parseServeFlags(cmd.slice(1));
    expect(flags === 'help' ? undefined : flags.modelRepository).toBe(
      '/app/examples/model_repository',
    );
    // The stop timeout the header comment tells `docker run` to use outlasts the drain.
    const stopTimeout = Number(/--stop-timeout (\d+)/.exec(lines.join('\n'))?.[1]);
    expect(flags === 'help' ? undefined : flags.exitTimeoutSecs).toBeLessThan(stopTimeout);
  });
});

/** The uid of the Dockerfile's last USER, which the manifests' runAsUser must equal. */
function dockerUser(): number {
  const users = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
    .split('\n')
    .filter(l => l.startsWith('USER '));
  return Number(users.at(-1)!.slice(5).split(':')[0]);
}

interface AdapterRule {
  readonly name: { readonly as: string };
  readonly metricsQuery: string;
}

function adapterRules(): AdapterRule[] {
  const cm = find(rendered['prometheus-adapter']!, 'ConfigMap') as K8sObject & {
    data: Record<string, string>;
  };
  return (parseYaml(cm.data['config.yaml']!) as { rules: AdapterRule[] }).rules;
}

function runIn(cwd: string, cmd: string, args: string[]): { status: number; output: string } {
  try {
    return {
      status: 0,
      output: execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { status: err.status, output: `${err.stdout}${err.stderr}` };
  }
}
