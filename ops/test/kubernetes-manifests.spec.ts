import { spawnSync } from 'node:child_process';
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
import { describeWithServers, serverBinary } from '../../test/support/real-servers';

const K8S = path.resolve(__dirname, '../k8s');
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/CronJob': CronJob,
};

/** The objects `kustomize build <dir>` renders (the real kustomize, built by scripts/test-servers.sh). */
function kustomizeBuild(dir: string): any[] {
  const binary = serverBinary('kustomize');
  if (!binary) return [];
  const result = spawnSync(binary, ['build', path.join(K8S, dir)], { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`kustomize build ${dir} failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout).map((doc) => doc.toJS());
}

const SECRETS = {
  DATABASE_URL: 'postgresql://orders@postgres:5432/orders',
};

describeWithServers(
  ['kustomize'],
  'Kubernetes manifests (kustomize build of the base and the production overlay)',
  () => {
    const objects = kustomizeBuild('base');
    const overlay = kustomizeBuild('overlays/production');
    const find = (kind: string, name: string, from = objects) =>
      from.find((o) => o.kind === kind && o.metadata.name === name);
    const container = (deployment: any) => deployment.spec.template.spec.containers[0];
    const config = (find('ConfigMap', 'orders-config')?.data ?? {}) as Record<string, string>;

    const rendered = [...objects.map((o) => ['base', o]), ...overlay.map((o) => ['production', o])].map(
      ([build, o]: any[]) => [`${build}: ${o.kind}/${o.metadata.name}`, o],
    );
    it('renders every object of the base and the overlay', () => {
      expect(objects.length).toBeGreaterThan(0);
      expect(overlay).toHaveLength(objects.length);
    });
    // (An empty table only when kustomize is missing and the suite is skipped.)
    if (rendered.length > 0)
      it.each(rendered)('%s is valid against the Kubernetes schema', (_name, object) => {
        const Model = MODELS[`${object.apiVersion}/${object.kind}`];
        expect(Model).toBeDefined();
        expect(() => new Model(object).validate()).not.toThrow();
      });

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
      // Production verifies the identity provider's tokens: never the local development key.
      expect(loadApiConfig({ ...config, ...SECRETS }).auth.mode).toBe('jwks');
    });

    it('renders the production overlay: one namespace, tagged images, three replicas, the worker resources patch', () => {
      expect(overlay.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
        objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(),
      );
      expect(new Set(overlay.map((o) => o.metadata.namespace))).toEqual(new Set(['orders']));
      const images = overlay.flatMap((o) => {
        const spec = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
        return (spec?.containers ?? []).map((c: any) => c.image as string);
      });
      expect(images.sort()).toEqual([
        'ghcr.io/example/orders-api:0.1.0',
        'ghcr.io/example/orders-jobs:0.1.0',
        'ghcr.io/example/orders-worker:0.1.0',
      ]);
      expect(find('Deployment', 'orders-api', overlay).spec.replicas).toBe(3);
      expect(find('Deployment', 'orders-worker', overlay).spec.replicas).toBe(3);
      expect(container(find('Deployment', 'orders-worker', overlay)).resources).toEqual({
        requests: { cpu: '500m', memory: '512Mi' },
        limits: { cpu: '2', memory: '1Gi' },
      });
      // The base label reaches every object, and the patch changed nothing but the worker's resources.
      for (const object of overlay)
        expect(object.metadata.labels['app.kubernetes.io/part-of']).toBe('orders');
      expect(container(find('Deployment', 'orders-api', overlay))).toEqual({
        ...container(find('Deployment', 'orders-api')),
        image: 'ghcr.io/example/orders-api:0.1.0',
      });
    });
  },
);
