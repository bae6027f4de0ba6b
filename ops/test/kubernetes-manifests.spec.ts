import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { loadApiConfig } from '../../apps/api/src/config/api.config';
import { loadJobsConfig } from '../../apps/jobs/src/config/jobs.config';
import { loadWorkerConfig } from '../../apps/worker/src/config/worker.config';

const K8S = path.resolve(__dirname, '../k8s');
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/CronJob': CronJob,
};

function loadKustomization(dir: string) {
  return parseAllDocuments(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'))[0].toJS();
}

const base = loadKustomization(path.join(K8S, 'base'));
const objects = (base.resources as string[]).flatMap((file) =>
  parseAllDocuments(readFileSync(path.join(K8S, 'base', file), 'utf8')).map((doc) => ({
    file,
    object: doc.toJS(),
  })),
);
const find = (kind: string, name: string) =>
  objects.find((o) => o.object.kind === kind && o.object.metadata.name === name)!.object;
const container = (deployment: any) => deployment.spec.template.spec.containers[0];
const config = find('ConfigMap', 'orders-config').data as Record<string, string>;
const SECRETS = {
  DATABASE_URL: 'postgresql://orders@postgres:5432/orders',
  OPERATOR_API_KEY: 'a-long-operator-key-0123',
};

describe('Kubernetes manifests (kustomize base and production overlay)', () => {
  it.each(objects.map((o) => [`${o.file}: ${o.object.kind}/${o.object.metadata.name}`, o.object]))(
    '%s is valid against the Kubernetes schema',
    (_name, object) => {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect(Model).toBeDefined();
      expect(() => new Model(object).validate()).not.toThrow();
    },
  );

  it('gives the API its probes on the routes and port the API serves, scrape annotations on its metrics port', () => {
    const api = find('Deployment', 'orders-api');
    const ports = Object.fromEntries(container(api).ports.map((p: any) => [p.name, p.containerPort]));
    const settings = loadApiConfig({ ...config, ...SECRETS });
    expect(ports).toEqual({ http: settings.port, metrics: settings.metricsPort });
    expect(container(api).startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container(api).livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container(api).readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(api.spec.template.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(settings.metricsPort),
      'prometheus.io/path': '/metrics',
      'prometheus.io/scheme': 'http',
    });
  });

  it('gives the worker its probes and scrape annotations on its management port', () => {
    const worker = find('Deployment', 'orders-worker');
    const settings = loadWorkerConfig({ ...config, ...SECRETS, WORKER_SHUTDOWN_GRACE_MS: '10000' });
    const ports = Object.fromEntries(container(worker).ports.map((p: any) => [p.name, p.containerPort]));
    expect(ports).toEqual({
      management: settings.metricsPort,
      'sdk-metrics': Number(settings.temporal.sdkMetricsAddress.split(':')[1]),
    });
    for (const probe of ['startupProbe', 'livenessProbe'])
      expect(container(worker)[probe].httpGet).toEqual({ path: '/health/live', port: 'management' });
    expect(container(worker).readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'management' });
    expect(worker.spec.template.metadata.annotations['prometheus.io/port']).toBe(
      String(settings.metricsPort),
    );
  });

  it('leaves enough termination grace for the preStop wait and the app’s own drain', () => {
    for (const [name, drainSeconds] of [
      ['orders-api', 10 + 5 + 3], // running sagas, log shipper, tracer
      ['orders-worker', 10 + 5 + 3], // in-flight activities (WORKER_SHUTDOWN_GRACE_MS), log shipper, tracer
    ] as const) {
      const deployment = find('Deployment', name);
      const preStop = Number(container(deployment).lifecycle.preStop.exec.command[1]);
      expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(
        preStop + drainSeconds,
      );
    }
    expect(config.SHUTDOWN_READINESS_DRAIN_MS).toBe('0'); // the preStop sleep does the endpoint drain
  });

  it('runs every container as non-root with a read-only root filesystem, no escalation and resource limits', () => {
    const pods = [
      find('Deployment', 'orders-api').spec.template.spec,
      find('Deployment', 'orders-worker').spec.template.spec,
      find('CronJob', 'orders-reconcile').spec.jobTemplate.spec.template.spec,
    ];
    for (const pod of pods) {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: expect.any(Number) });
      for (const c of pod.containers) {
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
        expect(c.resources.limits.memory).toBeDefined();
      }
    }
  });

  it('points services, budgets and the autoscaler at objects and ports that exist', () => {
    for (const name of ['orders-api', 'orders-worker']) {
      const deployment = find('Deployment', name);
      const podLabels = deployment.spec.template.metadata.labels;
      const service = find('Service', name);
      expect(podLabels).toMatchObject(service.spec.selector);
      const portNames = container(deployment).ports.map((p: any) => p.name);
      for (const port of service.spec.ports) expect(portNames).toContain(port.targetPort);
      expect(podLabels).toMatchObject(find('PodDisruptionBudget', name).spec.selector.matchLabels);
      expect(deployment.spec.selector.matchLabels).toEqual(podLabels);
    }
    expect(find('HorizontalPodAutoscaler', 'orders-api').spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'orders-api',
    });
  });

  it('configures every process with values its own configuration loader accepts', () => {
    expect(() => loadApiConfig({ ...config, ...SECRETS })).not.toThrow();
    expect(() => loadWorkerConfig({ ...config, ...SECRETS })).not.toThrow();
    expect(() => loadJobsConfig({ ...config, ...SECRETS })).not.toThrow();
    expect(loadApiConfig({ ...config, ...SECRETS }).engine.type).toBe('temporal');
  });

  it('builds the production overlay from the base: namespace, images, replicas and a patch of an existing object', () => {
    const overlay = loadKustomization(path.join(K8S, 'overlays/production'));
    expect(overlay.resources).toEqual(['../../base']);
    expect(overlay.namespace).toBe('orders');
    const images = objects.flatMap((o) => {
      const spec = o.object.spec?.template?.spec ?? o.object.spec?.jobTemplate?.spec?.template?.spec;
      return (spec?.containers ?? []).map((c: any) => c.image.split(':')[0]);
    });
    for (const image of overlay.images) expect(images).toContain(image.name);
    for (const { name } of overlay.replicas) expect(find('Deployment', name)).toBeDefined();
    for (const patch of overlay.patches) {
      expect(existsSync(path.join(K8S, 'overlays/production', patch.path))).toBe(true);
      const patched = parseAllDocuments(
        readFileSync(path.join(K8S, 'overlays/production', patch.path), 'utf8'),
      )[0].toJS();
      const target = find(patch.target.kind, patch.target.name);
      expect(patched.spec.template.spec.containers.map((c: any) => c.name)).toEqual(
        target.spec.template.spec.containers.map((c: any) => c.name),
      );
    }
  });
});
