import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { OBSERVABILITY_DEFAULTS } from '../../libs/observability/src/observability.options';
import { describeWithServers } from '../../test/support/real-servers';
import { requireServer } from '../../tooling/real-servers';
import { REPO_ROOT } from '../../tooling/repo-root';
import { runTool } from './promtool';

const K8S = path.resolve(__dirname, '../k8s');
const COMPONENT = path.join(K8S, 'components/kube-prometheus');
const RULES_DIR = path.resolve(__dirname, '../prometheus/rules');
const KUBERNETES_CONFIG = path.resolve(__dirname, '../prometheus/prometheus.kubernetes.yml');
const RULE_FILE_ANNOTATION = 'orders.example.com/rule-file';
const MONITORING_GROUP = 'monitoring.coreos.com/';
/** The example overlay: the production overlay with the component. */
const EXAMPLE = 'overlays/production-kube-prometheus';

/** The fields of a rule group and of a rule in the PrometheusRule CRD: the API server drops any other. */
const CRD_GROUP_FIELDS = [
  'name',
  'interval',
  'rules',
  'limit',
  'partial_response_strategy',
  'query_offset',
  'labels',
];
const CRD_RULE_FIELDS = ['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'];

const ruleFiles = () =>
  readdirSync(RULES_DIR)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(RULES_DIR, name));
/** A rule file's groups, read here on their own (not through the generator). */
const groupsOf = (file: string) => parse(readFileSync(file, 'utf8')).groups;
const fromRoot = (file: string) => path.relative(REPO_ROOT, file).split(path.sep).join('/');

/** `npm run ops:kube-prometheus -- --check [--rules <dir>]`, as the npm script runs it (on this Node.js). */
function checkRules(rulesDir?: string) {
  return spawnSync(
    process.execPath,
    [
      '-r',
      '@swc-node/register',
      'scripts/kube-prometheus-rules.ts',
      '--check',
      ...(rulesDir ? ['--rules', rulesDir] : []),
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
  );
}

describe('kube-prometheus component: its PrometheusRules, written by npm run ops:kube-prometheus', () => {
  it('are what the generator writes from the rule files today', () => {
    const result = checkRules();
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('fail the check when a rule file no longer matches them', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kube-prometheus-rules-'));
    try {
      cpSync(RULES_DIR, dir, { recursive: true });
      // The same rules elsewhere write the same file.
      expect(checkRules(dir).status).toBe(0);
      const drifted = path.join(dir, path.basename(ruleFiles()[0]));
      const content = parse(readFileSync(drifted, 'utf8'));
      content.groups[0].rules[0].labels = { ...content.groups[0].rules[0].labels, drifted: 'yes' };
      writeFileSync(drifted, stringify(content));
      const result = checkRules(dir);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('Run `npm run ops:kube-prometheus`');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('come from every rule file the Kubernetes Prometheus configuration loads', () => {
    const loaded = parse(readFileSync(KUBERNETES_CONFIG, 'utf8')).rule_files.map((file: string) =>
      path.resolve(path.dirname(KUBERNETES_CONFIG), file),
    );
    expect(loaded.length).toBeGreaterThan(0);
    expect(ruleFiles()).toEqual(expect.arrayContaining(loaded));
  });

  it('are listed by the component, which kustomize cannot generate them for', () => {
    const component = parse(readFileSync(path.join(COMPONENT, 'kustomization.yaml'), 'utf8'));
    expect(component).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1alpha1', kind: 'Component' });
    expect(component.resources).toContain('prometheus-rules.yaml');
  });
});

type Labels = Record<string, string>;

interface RelabelConfig {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: string;
}

/** Prometheus's relabeling (replace, keep, drop): the labels it leaves, or undefined for a dropped target. */
function relabel(input: Labels, configs: RelabelConfig[]): Labels | undefined {
  const labels = { ...input };
  for (const config of configs) {
    const value = (config.source_labels ?? [])
      .map((name) => labels[name] ?? '')
      .join(config.separator ?? ';');
    const match = new RegExp(`^(?:${config.regex ?? '(.*)'})$`).exec(value);
    const action = (config.action ?? 'replace').toLowerCase();
    if (action === 'keep' && !match) return undefined;
    if (action === 'drop' && match) return undefined;
    if (action === 'replace' && match) {
      const result = (config.replacement ?? '$1').replace(
        /\$\{?(\w+)\}?/g,
        (_all, group: string) => match[Number(group)] ?? '',
      );
      if (result === '') delete labels[config.target_label!];
      else labels[config.target_label!] = result;
    } else if (!['keep', 'drop', 'replace'].includes(action)) throw new Error(`unsupported action ${action}`);
  }
  return labels;
}

/** A PodMonitor's relabelings, in the scrape configuration's spelling. */
const scrapeSpelling = (relabelings: any[] = []): RelabelConfig[] =>
  relabelings.map((r) => ({
    source_labels: r.sourceLabels,
    separator: r.separator,
    regex: r.regex,
    target_label: r.targetLabel,
    replacement: r.replacement,
    action: r.action,
  }));

/** Kubernetes label or annotation name as a `__meta_kubernetes_pod_*` label name. */
const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, '_');

/** The pod template of a Deployment or a CronJob, and its namespace. */
const podTemplate = (workload: any) => workload.spec.template ?? workload.spec.jobTemplate.spec.template;
const workloads = (objects: any[]) => objects.filter((o) => ['Deployment', 'CronJob'].includes(o.kind));

/**
 * What pod discovery (kubernetes_sd_configs, role pod) finds for the pods of a workload in a phase: a target
 * per declared container port, with the `__meta_kubernetes_pod_*` labels of the pod.
 */
function discoveredTargets(workload: any, phase: string): Labels[] {
  const template = podTemplate(workload);
  const pod: Labels = {
    __meta_kubernetes_namespace: workload.metadata.namespace ?? 'default',
    __meta_kubernetes_pod_name: `${workload.metadata.name}-5d8c7`,
    __meta_kubernetes_pod_phase: phase,
    ...Object.fromEntries(
      Object.entries(template.metadata.labels ?? {}).flatMap(([k, v]) => [
        [`__meta_kubernetes_pod_label_${sanitize(k)}`, String(v)],
        [`__meta_kubernetes_pod_labelpresent_${sanitize(k)}`, 'true'],
      ]),
    ),
    ...Object.fromEntries(
      Object.entries(template.metadata.annotations ?? {}).map(([k, v]) => [
        `__meta_kubernetes_pod_annotation_${sanitize(k)}`,
        String(v),
      ]),
    ),
  };
  return template.spec.containers.flatMap((container: any) =>
    (container.ports ?? []).map((port: any) => ({
      ...pod,
      __address__: `10.1.2.3:${port.containerPort}`,
      __meta_kubernetes_pod_container_name: container.name,
      __meta_kubernetes_pod_container_port_name: port.name ?? '',
      __meta_kubernetes_pod_container_port_number: String(port.containerPort),
    })),
  );
}

/** A scraped target as the samples and dashboards see it: where it is scraped, and the labels it gives. */
function target(labels: Labels): string {
  const { __address__, __scheme__, __metrics_path__, job, app, namespace, pod } = labels;
  return JSON.stringify({
    url: `${__scheme__}://${__address__}${__metrics_path__}`,
    job,
    app,
    namespace,
    pod,
    instance: labels.instance ?? __address__,
  });
}

/** What the scrape jobs of prometheus.kubernetes.yml scrape among these workloads' pods. */
function scrapedByConfig(objects: any[], phase: string): string[] {
  const config = parse(readFileSync(KUBERNETES_CONFIG, 'utf8'));
  return config.scrape_configs.flatMap((job: any) =>
    workloads(objects)
      .flatMap((w) => discoveredTargets(w, phase))
      .map((discovered) =>
        relabel(
          {
            ...discovered,
            job: job.job_name,
            __scheme__: job.scheme ?? 'http',
            __metrics_path__: job.metrics_path ?? '/metrics',
          },
          job.relabel_configs ?? [],
        ),
      )
      .filter((labels): labels is Labels => labels !== undefined)
      .map(target),
  );
}

/**
 * What the PodMonitors scrape among these workloads' pods: the scrape configuration the Prometheus Operator
 * writes for each endpoint (keep the selected pods in the PodMonitor's namespace on the endpoint's port,
 * never a Failed or Succeeded pod; set namespace, container, pod, job `<namespace>/<name>` and endpoint),
 * then the endpoint's own relabelings.
 */
function scrapedByPodMonitors(objects: any[], phase: string): string[] {
  return objects
    .filter((o) => o.kind === 'PodMonitor')
    .flatMap((monitor) =>
      monitor.spec.podMetricsEndpoints.flatMap((endpoint: any) =>
        workloads(objects)
          .flatMap((w) => discoveredTargets(w, phase))
          .map((discovered) =>
            relabel(
              {
                ...discovered,
                __scheme__: endpoint.scheme ?? 'http',
                __metrics_path__: endpoint.path ?? '/metrics',
              },
              [
                ...Object.entries(monitor.spec.selector.matchLabels ?? {}).map(([k, v]) => ({
                  source_labels: [`__meta_kubernetes_pod_label_${sanitize(k)}`],
                  regex: String(v),
                  action: 'keep',
                })),
                {
                  source_labels: ['__meta_kubernetes_namespace'],
                  regex: monitor.metadata.namespace ?? 'default',
                  action: 'keep',
                },
                { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Failed|Succeeded', action: 'drop' },
                {
                  source_labels: ['__meta_kubernetes_pod_container_port_name'],
                  regex: endpoint.port,
                  action: 'keep',
                },
                { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
                { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
                { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
                {
                  target_label: 'job',
                  replacement: `${monitor.metadata.namespace ?? 'default'}/${monitor.metadata.name}`,
                },
                { target_label: 'endpoint', replacement: endpoint.port },
                ...scrapeSpelling(endpoint.relabelings),
              ],
            ),
          )
          .filter((labels: Labels | undefined): labels is Labels => labels !== undefined)
          .map(target),
      ),
    );
}

/** Whether a label selector selects these labels (matchLabels and matchExpressions). */
function selects(selector: any, labels: Labels): boolean {
  const matchLabels = Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const matchExpressions = (selector?.matchExpressions ?? []).every((e: any) => {
    if (e.operator === 'In') return e.values.includes(labels[e.key]);
    if (e.operator === 'NotIn') return !e.values.includes(labels[e.key]);
    if (e.operator === 'Exists') return e.key in labels;
    if (e.operator === 'DoesNotExist') return !(e.key in labels);
    throw new Error(`unsupported operator ${e.operator}`);
  });
  return Boolean(selector) && matchLabels && matchExpressions;
}

describeWithServers(
  ['kustomize', 'promtool'],
  'kube-prometheus component (kustomize build of the overlays with and without it)',
  () => {
    const rendered = new Map<string, any[]>();
    /** The objects `kustomize build <dir>` renders (the real kustomize, built by scripts/test-servers.sh). */
    function build(dir: string): any[] {
      if (!rendered.has(dir)) {
        const result = spawnSync(requireServer('kustomize'), ['build', path.join(K8S, dir)], {
          encoding: 'utf8',
          timeout: 60_000,
        });
        if (result.status !== 0) throw new Error(`kustomize build ${dir} failed:\n${result.stderr}`);
        rendered.set(
          dir,
          parseAllDocuments(result.stdout).map((doc) => doc.toJS()),
        );
      }
      return rendered.get(dir)!;
    }
    const overlays = readdirSync(path.join(K8S, 'overlays')).map((name) => `overlays/${name}`);
    /** Whether an overlay lists the component under `components:`. */
    const usesComponent = (overlay: string) =>
      (parse(readFileSync(path.join(K8S, overlay, 'kustomization.yaml'), 'utf8')).components ?? []).some(
        (component: string) => path.resolve(K8S, overlay, component) === COMPONENT,
      );
    const withComponent = overlays.filter(usesComponent);
    const withoutComponent = ['base', ...overlays.filter((overlay) => !usesComponent(overlay))];
    const monitoring = (objects: any[]) => objects.filter((o) => o.apiVersion.startsWith(MONITORING_GROUP));

    it('is used by the example overlay', () => {
      expect(withComponent).toContain(EXAMPLE);
    });

    describe.each(withComponent)('%s', (overlay) => {
      const prometheusRules = () => build(overlay).filter((o) => o.kind === 'PrometheusRule');

      it('has one PrometheusRule per rule file, whose groups are that file’s, every rule as it is', () => {
        const byFile = Object.fromEntries(
          prometheusRules().map((rule) => [rule.metadata.annotations?.[RULE_FILE_ANNOTATION], rule]),
        );
        expect(Object.keys(byFile).sort()).toEqual(ruleFiles().map(fromRoot));
        for (const file of ruleFiles()) {
          const groups = groupsOf(file);
          expect(groups.length).toBeGreaterThan(0);
          expect({ file: fromRoot(file), groups: byFile[fromRoot(file)].spec.groups }).toEqual({
            file: fromRoot(file),
            groups,
          });
        }
        // Names are unique in the namespace, rule groups across the objects (the operator's files keep
        // them apart, Prometheus's own rule_files would not).
        const names = prometheusRules().map((rule) => rule.metadata.name);
        expect(new Set(names).size).toBe(names.length);
        const groupNames = prometheusRules().flatMap((rule) => rule.spec.groups.map((g: any) => g.name));
        expect(new Set(groupNames).size).toBe(groupNames.length);
      });

      it('gives the PrometheusRules only fields the CRD keeps, label and annotation values as strings', () => {
        const namespace = build(overlay).find((o) => o.kind === 'Deployment').metadata.namespace;
        const problems: string[] = [];
        for (const rule of prometheusRules()) {
          expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
          expect(rule.metadata.namespace).toBe(namespace);
          expect(Object.keys(rule.spec)).toEqual(['groups']);
          for (const group of rule.spec.groups) {
            const where = `${rule.metadata.name}/${group.name}`;
            for (const field of Object.keys(group))
              if (!CRD_GROUP_FIELDS.includes(field)) problems.push(`${where}: group field ${field}`);
            for (const entry of group.rules) {
              const name = `${where}/${entry.alert ?? entry.record}`;
              for (const field of Object.keys(entry))
                if (!CRD_RULE_FIELDS.includes(field)) problems.push(`${name}: rule field ${field}`);
              if ([entry.record, entry.alert].filter((n) => typeof n === 'string').length !== 1)
                problems.push(`${name}: neither or both of record and alert`);
              if (typeof entry.expr !== 'string') problems.push(`${name}: expr is a ${typeof entry.expr}`);
              for (const [field, values] of Object.entries({
                labels: entry.labels,
                annotations: entry.annotations,
              }))
                for (const [key, value] of Object.entries(values ?? {}))
                  if (typeof value !== 'string')
                    problems.push(`${name}: ${field}.${key} is a ${typeof value}`);
            }
          }
        }
        expect(problems).toEqual([]);
      });

      it('gives the PrometheusRules groups promtool accepts as a rule file', () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'kube-prometheus-promtool-'));
        try {
          const files = prometheusRules().map((rule) => {
            const file = `${rule.metadata.name}.yml`;
            writeFileSync(path.join(dir, file), stringify({ groups: rule.spec.groups }));
            return file;
          });
          const result = runTool('promtool', ['check', 'rules', ...files], dir);
          expect(result).toMatchObject({ status: 0 });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });

      it('selects with each PodMonitor pod templates carrying its labels, in its namespace, on a named port they declare, at the path the apps serve metrics on', () => {
        const objects = build(overlay);
        const monitors = objects.filter((o) => o.kind === 'PodMonitor');
        expect(monitors.map((m) => m.metadata.name).sort()).toEqual([
          'orders-api',
          'orders-worker',
          'otel-collector',
        ]);
        for (const monitor of monitors) {
          expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
          // No namespaceSelector: the PodMonitor's own namespace, which must be its pods'.
          expect(monitor.spec.namespaceSelector).toBeUndefined();
          const selected = workloads(objects).filter((w) =>
            selects(monitor.spec.selector, podTemplate(w).metadata.labels ?? {}),
          );
          expect({ monitor: monitor.metadata.name, selected: selected.length }).toEqual({
            monitor: monitor.metadata.name,
            selected: 1,
          });
          const [workload] = selected;
          expect(workload.metadata.namespace).toBe(monitor.metadata.namespace);
          const ports = podTemplate(workload).spec.containers.flatMap((c: any) => c.ports ?? []);
          for (const endpoint of monitor.spec.podMetricsEndpoints) {
            expect(ports.map((p: any) => p.name)).toContain(endpoint.port);
            // The API's metrics server and the worker's /metrics route serve this path (the Temporal SDK's
            // exporter too, on its own port).
            expect(endpoint.path).toBe(OBSERVABILITY_DEFAULTS.metrics.path);
          }
        }
        // The ports the scrape annotations name are the ones the PodMonitors scrape.
        for (const workload of workloads(objects)) {
          const annotations = podTemplate(workload).metadata.annotations ?? {};
          const ports = podTemplate(workload).spec.containers.flatMap((c: any) => c.ports ?? []);
          const annotated = ['prometheus.io/port', 'prometheus.io/sdk-port']
            .filter((key) => key in annotations)
            .map((key) => ports.find((p: any) => String(p.containerPort) === annotations[key])?.name);
          // The Collector is not annotated: its own job scrapes its port named metrics.
          if (podTemplate(workload).metadata.labels?.['app.kubernetes.io/name'] === 'otel-collector')
            annotated.push('metrics');
          const monitored = monitors
            .filter((m) => selects(m.spec.selector, podTemplate(workload).metadata.labels ?? {}))
            .flatMap((m) => m.spec.podMetricsEndpoints.map((e: any) => e.port));
          expect({ workload: workload.metadata.name, ports: monitored.sort() }).toEqual({
            workload: workload.metadata.name,
            ports: annotated.sort(),
          });
        }
      });

      it.each(['Running', 'Pending'])(
        'scrapes the %s pods prometheus.kubernetes.yml scrapes, at the same URLs, with the same job, app, namespace and pod',
        (phase) => {
          const objects = build(overlay);
          const byConfig = scrapedByConfig(objects, phase);
          if (phase === 'Running')
            expect(byConfig.map((t) => JSON.parse(t).job).sort()).toEqual([
              // The API's targets once per declared port (http, metrics), the same target both times.
              'orders-api',
              'orders-api',
              'orders-worker',
              'orders-worker',
              'otel-collector',
              'temporal-sdk',
              'temporal-sdk',
            ]);
          expect([...new Set(scrapedByPodMonitors(objects, phase))].sort()).toEqual(
            [...new Set(byConfig)].sort(),
          );
        },
      );

      it('adds its own objects only, and changes none of the overlay’s', () => {
        const component = parse(readFileSync(path.join(COMPONENT, 'kustomization.yaml'), 'utf8'));
        const own = new Set(
          component.resources.flatMap((file: string) =>
            parseAllDocuments(readFileSync(path.join(COMPONENT, file), 'utf8')).map((doc) => {
              const o = doc.toJS();
              return `${o.kind}/${o.metadata.name}`;
            }),
          ),
        );
        const key = (o: any) => `${o.kind}/${o.metadata.name}`;
        const objects = build(overlay);
        expect(objects.filter((o) => own.has(key(o))).length).toBe(own.size);
        if (overlay !== EXAMPLE) return;
        expect(objects.filter((o) => !own.has(key(o))).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
          build('overlays/production').sort((a, b) => key(a).localeCompare(key(b))),
        );
      });
    });

    it.each(withoutComponent)('%s renders no monitoring.coreos.com object', (dir) => {
      expect(build(dir).length).toBeGreaterThan(0);
      expect(monitoring(build(dir)).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    });
  },
);
