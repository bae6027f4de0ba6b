import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { loadApiConfig } from '../../apps/api/src/config/api.config';
import { loadJobsConfig } from '../../apps/jobs/src/config/jobs.config';
import { loadWorkerConfig } from '../../apps/worker/src/config/worker.config';
import { describeWithServers } from '../../test/support/real-servers';
import { serverBinary } from '../../tooling/real-servers';

const K8S = path.resolve(__dirname, '../k8s');
const COLLECTOR_CONFIG = path.resolve(__dirname, '../otel-collector/config.yaml');
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/CronJob': CronJob,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

/** The objects `kustomize build <dir>` renders (the real kustomize, built by scripts/test-servers.sh). */
function kustomizeBuild(dir: string): any[] {
  const binary = serverBinary('kustomize');
  if (!binary) return [];
  const result = spawnSync(binary, ['build', path.join(K8S, dir)], { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`kustomize build ${dir} failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout).map((doc) => doc.toJS());
}

const SECRETS: Record<string, string> = {
  'database-url': 'postgresql://orders@postgres:5432/orders',
};

const QUANTITY_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** A Kubernetes memory quantity (`512Mi`, `1Gi`) in bytes, as the Downward API hands it to the process. */
function bytes(quantity: string): number {
  const match = /^(\d+)([a-zA-Z]*)$/.exec(quantity);
  if (!match || !(match[2] in QUANTITY_UNITS)) throw new Error(`unsupported quantity ${quantity}`);
  return Number(match[1]) * QUANTITY_UNITS[match[2]];
}

/** The pod spec of a Deployment or a CronJob. */
const podSpec = (workload: any) =>
  workload.spec.template?.spec ?? workload.spec.jobTemplate.spec.template.spec;

/** Whether a label selector's matchLabels select these labels. */
const selects = (selector: any, labels: Record<string, string>) =>
  Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);

describeWithServers(
  ['kustomize'],
  'Kubernetes manifests (kustomize build of the base and the production overlay)',
  () => {
    const objects = kustomizeBuild('base');
    const overlay = kustomizeBuild('overlays/production');
    const builds = [
      ['base', objects],
      ['production', overlay],
    ] as const;
    const find = (kind: string, name: string, from = objects) =>
      from.find((o) => o.kind === kind && o.metadata.name === name);
    const container = (deployment: any) => deployment.spec.template.spec.containers[0];
    const configMap = (from = objects) => find('ConfigMap', 'orders-config', from);
    const config = (configMap()?.data ?? {}) as Record<string, string>;

    /** The environment the kubelet gives a container: its ConfigMap, then its own variables. */
    function processEnv(c: any, from = objects): Record<string, string> {
      const env: Record<string, string> = {};
      for (const source of c.envFrom ?? [])
        Object.assign(env, find('ConfigMap', source.configMapRef.name, from).data);
      for (const variable of c.env ?? []) {
        const ref = variable.valueFrom;
        if (variable.value !== undefined) env[variable.name] = variable.value;
        else if (ref?.secretKeyRef) env[variable.name] = SECRETS[ref.secretKeyRef.key];
        else if (ref?.resourceFieldRef?.resource === 'limits.memory') {
          const target = podSpec(workloadOf(c, from)).containers.find(
            (other: any) => other.name === ref.resourceFieldRef.containerName,
          );
          env[variable.name] = String(bytes(target.resources.limits.memory));
        } else throw new Error(`${variable.name}: unsupported source ${JSON.stringify(ref)}`);
      }
      return env;
    }
    const workloadOf = (c: any, from: any[]) =>
      from.find((o) => ['Deployment', 'CronJob'].includes(o.kind) && podSpec(o).containers.includes(c));

    const rendered = builds
      .flatMap(([build, list]) => list.map((o) => [build, o]))
      .map(([build, o]: any[]) => [`${build}: ${o.kind}/${o.metadata.name}`, o]);
    it('renders every object of the base and the overlay, which adds its namespace', () => {
      expect(objects.length).toBeGreaterThan(0);
      expect(overlay.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
        [...objects.map((o) => `${o.kind}/${o.metadata.name}`), 'Namespace/orders'].sort(),
      );
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
      const settings = loadApiConfig(processEnv(container(api)));
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
      const settings = loadWorkerConfig(processEnv(container(worker)));
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
        find('Deployment', 'otel-collector').spec.template.spec,
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
      for (const name of ['orders-api', 'orders-worker', 'otel-collector']) {
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
      const api = loadApiConfig(processEnv(container(find('Deployment', 'orders-api'))));
      expect(() =>
        loadWorkerConfig(processEnv(container(find('Deployment', 'orders-worker')))),
      ).not.toThrow();
      const job = podSpec(find('CronJob', 'orders-reconcile')).containers[0];
      expect(() => loadJobsConfig(processEnv(job))).not.toThrow();
      expect(api.engine.type).toBe('temporal');
      // Production verifies the identity provider's tokens: never the local development key.
      expect(api.auth.mode).toBe('jwks');
      // The order limit is counted once for all replicas, in Redis.
      expect(api.orderRateLimitStore).toMatchObject({ kind: 'redis', url: 'redis://redis:6379' });
    });

    it('leaves the API’s replica count to its autoscaler alone; the worker, which has none, keeps its own', () => {
      for (const [build, list] of builds) {
        expect({ build, replicas: find('Deployment', 'orders-api', list).spec.replicas }).toEqual({
          build,
          replicas: undefined,
        });
        const targets = list
          .filter((o) => o.kind === 'HorizontalPodAutoscaler')
          .map((o) => o.spec.scaleTargetRef.name);
        expect(targets).toEqual(['orders-api']);
      }
      expect(find('HorizontalPodAutoscaler', 'orders-api').spec.minReplicas).toBe(2);
      expect(find('HorizontalPodAutoscaler', 'orders-api', overlay).spec.minReplicas).toBe(3);
      expect(find('Deployment', 'orders-worker').spec.replicas).toBe(2);
      expect(find('Deployment', 'orders-worker', overlay).spec.replicas).toBe(3);
    });

    it('passes each container its own memory limit, which its loader turns into the readiness heap limit', () => {
      for (const [build, list] of builds)
        for (const [name, load] of [
          ['orders-api', loadApiConfig],
          ['orders-worker', loadWorkerConfig],
        ] as const) {
          const c = container(find('Deployment', name, list));
          const variable = c.env.find((v: any) => v.name === 'MEMORY_LIMIT_BYTES');
          expect(variable.valueFrom.resourceFieldRef).toEqual({
            containerName: c.name,
            resource: 'limits.memory',
          });
          expect({ build, name, limit: load(processEnv(c, list)).memoryLimitBytes }).toEqual({
            build,
            name,
            limit: bytes(c.resources.limits.memory),
          });
        }
      // The overlay's larger worker limit is the one the worker reads.
      expect(
        loadWorkerConfig(processEnv(container(find('Deployment', 'orders-worker', overlay)), overlay)),
      ).toMatchObject({ memoryLimitBytes: 1024 ** 3 });
    });

    it('spreads the API and worker replicas over nodes, and over zones where there are any', () => {
      for (const [, list] of builds)
        for (const name of ['orders-api', 'orders-worker']) {
          const deployment = find('Deployment', name, list);
          const labels = deployment.spec.template.metadata.labels;
          const constraints = deployment.spec.template.spec.topologySpreadConstraints;
          const byKey = Object.fromEntries(constraints.map((c: any) => [c.topologyKey, c]));
          expect(byKey['kubernetes.io/hostname']).toMatchObject({
            maxSkew: 1,
            whenUnsatisfiable: 'DoNotSchedule',
          });
          // Nodes without zone labels would refuse every pod under DoNotSchedule.
          expect(byKey['topology.kubernetes.io/zone']).toMatchObject({ whenUnsatisfiable: 'ScheduleAnyway' });
          for (const constraint of constraints) {
            expect(selects(constraint.labelSelector, labels)).toBe(true);
            expect(constraint.matchLabelKeys).toEqual(['pod-template-hash']);
          }
        }
    });

    describe('network policies', () => {
      /**
       * The namespaces whose pods may open connections to `port` of the workload's pods: the union of
       * the ingress rules of every policy selecting them; undefined when no policy isolates them.
       */
      function allowedNamespaces(list: any[], workload: any, port: string): string[] | undefined {
        const labels = (workload.spec.template ?? workload.spec.jobTemplate.spec.template).metadata.labels;
        const policies = list.filter(
          (o) =>
            o.kind === 'NetworkPolicy' &&
            o.spec.policyTypes.includes('Ingress') &&
            selects(o.spec.podSelector, labels),
        );
        if (policies.length === 0) return undefined;
        const namespaces = policies.flatMap((policy) =>
          (policy.spec.ingress ?? [])
            .filter((rule: any) => !rule.ports || rule.ports.some((p: any) => p.port === port))
            .flatMap((rule: any) =>
              (rule.from ?? [{ namespaceSelector: undefined }]).map((peer: any) => {
                // Only namespace selectors on the standard name label: anything wider fails the test.
                expect(peer.podSelector).toBeUndefined();
                expect(Object.keys(peer.namespaceSelector.matchLabels)).toEqual([
                  'kubernetes.io/metadata.name',
                ]);
                return peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name'] as string;
              }),
            ),
        );
        return [...new Set(namespaces)].sort();
      }

      it('open the API’s HTTP port to the ingress controller and its metrics port to monitoring only', () => {
        for (const [, list] of builds) {
          const api = find('Deployment', 'orders-api', list);
          expect(
            container(api)
              .ports.map((p: any) => p.name)
              .sort(),
          ).toEqual(['http', 'metrics']);
          expect(allowedNamespaces(list, api, 'http')).toEqual(['ingress-nginx']);
          expect(allowedNamespaces(list, api, 'metrics')).toEqual(['monitoring']);
        }
      });

      it('let only monitoring reach the worker, on its management and SDK metrics ports; nothing reach the job', () => {
        for (const [, list] of builds) {
          const worker = find('Deployment', 'orders-worker', list);
          for (const port of container(worker).ports.map((p: any) => p.name))
            expect(allowedNamespaces(list, worker, port)).toEqual(['monitoring']);
          expect(allowedNamespaces(list, find('CronJob', 'orders-reconcile', list), 'any')).toEqual([]);
        }
      });

      it('leave the apps’ egress open (webhooks go to customers’ URLs anywhere) and select pods that exist', () => {
        const pods = ['Deployment', 'CronJob'].flatMap((kind) => objects.filter((o) => o.kind === kind));
        for (const policy of objects.filter((o) => o.kind === 'NetworkPolicy')) {
          expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
          // The Collector's is checked below.
          if (policy.metadata.name !== 'otel-collector') expect(policy.spec.egress).toEqual([{}]);
          const selected = pods.filter((w) =>
            selects(
              policy.spec.podSelector,
              (w.spec.template ?? w.spec.jobTemplate.spec.template).metadata.labels,
            ),
          );
          expect({ policy: policy.metadata.name, selected: selected.length }).toEqual({
            policy: policy.metadata.name,
            selected: 1,
          });
        }
      });

      it('let the processes that export spans reach the Collector’s OTLP ports, monitoring its metrics, and it only Jaeger and DNS', () => {
        for (const [, list] of builds) {
          const collector = find('Deployment', 'otel-collector', list);
          const labels = collector.spec.template.metadata.labels;
          const policies = list.filter(
            (o) => o.kind === 'NetworkPolicy' && selects(o.spec.podSelector, labels),
          );
          expect(policies.map((p) => p.metadata.name)).toEqual(['otel-collector']);
          const [policy] = policies;
          /** Who may open connections to `port`: `pod <name>` (same namespace) or `namespace <name>`. */
          const peers = (port: string) =>
            policy.spec.ingress
              .filter((rule: any) => rule.ports.some((p: any) => p.port === port))
              .flatMap((rule: any) =>
                rule.from.map((peer: any) => {
                  // Pods of this namespace, or a whole namespace by its name: nothing wider.
                  if (peer.podSelector) {
                    expect(peer.namespaceSelector).toBeUndefined();
                    expect(Object.keys(peer.podSelector.matchLabels)).toEqual(['app.kubernetes.io/name']);
                    return `pod ${peer.podSelector.matchLabels['app.kubernetes.io/name']}`;
                  }
                  expect(Object.keys(peer.namespaceSelector.matchLabels)).toEqual([
                    'kubernetes.io/metadata.name',
                  ]);
                  return `namespace ${peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name']}`;
                }),
              )
              .sort();
          // Every workload whose environment names the Collector's endpoint, and those only.
          const exporters = list
            .filter((o) => ['Deployment', 'CronJob'].includes(o.kind))
            .filter((w) => {
              const env = processEnv(podSpec(w).containers[0], list);
              return new URL(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://none').hostname === 'otel-collector';
            })
            .map((w) => `pod ${w.metadata.name}`)
            .sort();
          expect(exporters).toEqual(['pod orders-api', 'pod orders-reconcile', 'pod orders-worker']);
          for (const port of ['otlp-grpc', 'otlp-http']) expect(peers(port)).toEqual(exporters);
          expect(peers('metrics')).toEqual(['namespace monitoring']);
          expect(
            container(collector)
              .ports.map((p: any) => p.name)
              .sort(),
          ).toEqual(['metrics', 'otlp-grpc', 'otlp-http']);
          // Egress: the OTLP/HTTP port of JAEGER_OTLP_ENDPOINT, and DNS.
          const jaeger = new URL(processEnv(container(collector), list).JAEGER_OTLP_ENDPOINT);
          expect(policy.spec.egress).toEqual([
            { ports: [{ port: Number(jaeger.port), protocol: 'TCP' }] },
            {
              ports: [
                { port: 53, protocol: 'UDP' },
                { port: 53, protocol: 'TCP' },
              ],
            },
          ]);
        }
      });
    });

    describe('the OpenTelemetry Collector', () => {
      const configText = readFileSync(COLLECTOR_CONFIG, 'utf8');
      /** The configuration's `${env:NAME:-default}` references: each name with its default (undefined: none). */
      const references = new Map(
        [...configText.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g)].map((m) => [
          m[1],
          m[2],
        ]),
      );
      const defaultPort = (name: string) => Number(references.get(name)!.split(':').pop());

      it('runs one replica of the contrib Collector, with ops/otel-collector/config.yaml unchanged as its configuration', () => {
        for (const [build, list] of builds) {
          const collector = find('Deployment', 'otel-collector', list);
          expect({ build, replicas: collector.spec.replicas }).toEqual({ build, replicas: 1 });
          const c = container(collector);
          expect(c.image).toBe('otel/opentelemetry-collector-contrib:0.140.1');
          // The generated ConfigMap (its name carries the content's hash) holds the file byte for byte, mounted
          // where the Collector's --config reads it.
          const volume = collector.spec.template.spec.volumes.find((v: any) => v.configMap);
          const mount = c.volumeMounts.find((m: any) => m.name === volume.name);
          const configMap = find('ConfigMap', volume.configMap.name, list);
          expect(configMap.metadata.name).toMatch(/^otel-collector-[a-z0-9]{10}$/);
          expect(Object.keys(configMap.data)).toEqual(['config.yaml']);
          expect(configMap.data['config.yaml']).toBe(configText);
          expect(c.args).toEqual([`--config=${mount.mountPath}/config.yaml`]);
          expect(mount.readOnly).toBe(true);
          // Every variable without a default is set.
          const env = processEnv(c, list);
          for (const [name, fallback] of references)
            if (fallback === undefined) expect({ name, set: name in env }).toEqual({ name, set: true });
        }
      });

      it('takes every span of the apps on the ports its receivers listen on, and serves its metrics on the port named metrics', () => {
        for (const [, list] of builds) {
          const collector = find('Deployment', 'otel-collector', list);
          const ports = Object.fromEntries(
            container(collector).ports.map((p: any) => [p.name, p.containerPort]),
          );
          expect(ports).toEqual({
            'otlp-grpc': defaultPort('COLLECTOR_OTLP_GRPC_ENDPOINT'),
            'otlp-http': defaultPort('COLLECTOR_OTLP_HTTP_ENDPOINT'),
            metrics: Number(references.get('COLLECTOR_TELEMETRY_PORT')),
          });
          // The apps' endpoint is the Service's OTLP/HTTP port, which leads to that container port.
          const app = configMap(list).data;
          const endpoint = new URL(app.OTEL_EXPORTER_OTLP_ENDPOINT);
          const service = find('Service', endpoint.hostname, list);
          const servicePort = service.spec.ports.find((p: any) => p.port === Number(endpoint.port));
          expect(servicePort.targetPort).toBe('otlp-http');
          // Head sampling keeps everything: the Collector decides what Jaeger gets.
          expect(app.OTEL_TRACES_SAMPLER).toBe('parentbased_always_on');
          expect(app.OTEL_TRACES_SAMPLER_ARG).toBeUndefined();
          // Probes on its own ports: ready once the OTLP receiver listens, alive while it serves metrics.
          const c = container(collector);
          expect(c.readinessProbe.tcpSocket).toEqual({ port: 'otlp-http' });
          expect(c.livenessProbe.httpGet).toEqual({ path: '/metrics', port: 'metrics' });
          expect(collector.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(
            c.lifecycle.preStop.sleep.seconds,
          );
        }
      });
    });

    it('keeps every connection pool, at the most pods there can be, within PostgreSQL’s max_connections', () => {
      /** Connections a process keeps outside its pool: the API's database gauges lease. */
      const OUTSIDE_POOL: Record<string, number> = {
        'orders-api': 1,
        'orders-worker': 0,
        'orders-reconcile': 0,
      };
      const RESERVED = 3 + 5; // superuser_reserved_connections, and a margin for the exporter and operators
      const budget = (list: any[]) => {
        const perWorkload: Record<string, number> = {};
        // The Collector opens no database connection.
        for (const deployment of list.filter(
          (o) => o.kind === 'Deployment' && o.metadata.name !== 'otel-collector',
        )) {
          const name = deployment.metadata.name;
          const hpa = list.find(
            (o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef.name === name,
          );
          const surge = deployment.spec.strategy.rollingUpdate.maxSurge;
          expect(Number.isInteger(surge)).toBe(true);
          const pods = (hpa ? hpa.spec.maxReplicas : deployment.spec.replicas) + surge;
          const env = processEnv(container(deployment), list);
          expect(env.DATABASE_POOL_MAX).toBeDefined(); // explicit, so the sum can be computed
          const load = name === 'orders-api' ? loadApiConfig : loadWorkerConfig;
          perWorkload[name] = pods * (load(env).database.poolMax + OUTSIDE_POOL[name]);
        }
        for (const cronJob of list.filter((o) => o.kind === 'CronJob')) {
          expect(cronJob.spec.concurrencyPolicy).toBe('Forbid'); // one run at a time
          expect(cronJob.spec.jobTemplate.spec.parallelism ?? 1).toBe(1);
          const env = processEnv(podSpec(cronJob).containers[0], list);
          expect(env.DATABASE_POOL_MAX).toBeDefined();
          perWorkload[cronJob.metadata.name] =
            loadJobsConfig(env).database.poolMax + OUTSIDE_POOL[cronJob.metadata.name];
        }
        return perWorkload;
      };
      const sum = (perWorkload: Record<string, number>) => Object.values(perWorkload).reduce((a, b) => a + b);
      for (const [, list] of builds) {
        const maxConnections = Number(
          configMap(list).metadata.annotations['orders.example.com/postgres-max-connections'],
        );
        expect(maxConnections).toBe(100);
        expect(sum(budget(list))).toBeLessThanOrEqual(maxConnections - RESERVED);
      }
      // The table in config.yaml.
      expect(budget(overlay)).toEqual({ 'orders-api': 55, 'orders-worker': 28, 'orders-reconcile': 2 });
      expect(sum(budget(overlay))).toBe(85);
    });

    it('renders the production overlay: its namespace, tagged images, the worker resources patch', () => {
      const namespace = find('Namespace', 'orders', overlay);
      expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
      expect(new Set(overlay.filter((o) => o.kind !== 'Namespace').map((o) => o.metadata.namespace))).toEqual(
        new Set(['orders']),
      );
      const images = overlay.flatMap((o) => {
        const spec = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
        return (spec?.containers ?? []).map((c: any) => c.image as string);
      });
      expect(images.sort()).toEqual([
        'ghcr.io/example/orders-api:0.1.0',
        'ghcr.io/example/orders-jobs:0.1.0',
        'ghcr.io/example/orders-worker:0.1.0',
        'otel/opentelemetry-collector-contrib:0.140.1',
      ]);
      expect(container(find('Deployment', 'orders-worker', overlay)).resources).toEqual({
        requests: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '128Mi' },
        limits: { cpu: '2', memory: '1Gi', 'ephemeral-storage': '1Gi' },
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
