import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describeWithServers } from '../../test/support/real-servers';
import { requireServer } from '../../tooling/real-servers';

const K8S = path.resolve(__dirname, '../k8s');
/** What gets applied: the base on its own (any namespace) and every overlay. */
const BUILDS = ['base', ...readdirSync(path.join(K8S, 'overlays')).map((name) => `overlays/${name}`)];

/** The oldest Kubernetes the manifests are for (topologySpreadConstraints' matchLabelKeys, PSA labels). */
const KUBERNETES_VERSION = 'v1.33';
const IGNORE_ANNOTATION = 'kube-score/ignore';
const GRADE = { critical: 1, warning: 5 } as const;

interface Finding {
  object: string;
  check: string;
  grade: number;
  comments: string[];
}

/** What `kube-score score --output-format json` prints for each object (the fields read here). */
interface ScoredObject {
  type_meta: { kind: string };
  object_meta: { name: string };
  checks: Array<{
    check: { id: string };
    grade: number;
    skipped: boolean;
    comments: Array<{ path: string; summary: string }> | null;
  }>;
}

function kustomizeBuild(dir: string): string {
  const result = spawnSync(requireServer('kustomize'), ['build', path.join(K8S, dir)], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`kustomize build ${dir} failed:\n${result.stderr}`);
  return result.stdout;
}

/**
 * `kube-score score -` of the manifests, with the optional seccomp and container port checks too: every
 * check it ran that did not pass (graded below "almost OK"), and the objects it scored.
 */
function kubeScore(manifests: string, extraArgs: string[] = []): { scored: string[]; findings: Finding[] } {
  const args = [
    'score',
    '-',
    '--output-format',
    'json',
    '--kubernetes-version',
    KUBERNETES_VERSION,
    '--enable-optional-test',
    'container-seccomp-profile',
    '--enable-optional-test',
    'container-ports-check',
    ...extraArgs,
  ];
  const result = spawnSync(requireServer('kube-score'), args, {
    input: manifests,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error || ![0, 1].includes(result.status ?? -1))
    throw new Error(`kube-score failed (${result.status}):\n${result.stderr}`);
  const objects = JSON.parse(result.stdout) as ScoredObject[];
  return {
    scored: objects.map((o) => `${o.type_meta.kind}/${o.object_meta.name}`).sort(),
    findings: objects.flatMap((o) =>
      o.checks
        .filter((c) => !c.skipped && c.grade <= GRADE.warning)
        .map((c) => ({
          object: `${o.type_meta.kind}/${o.object_meta.name}`,
          check: c.check.id,
          grade: c.grade,
          comments: (c.comments ?? []).map((comment) => `${comment.path} ${comment.summary}`.trim()),
        })),
    ),
  };
}

/** The `kube-score/ignore` annotations of the rendered objects, as `Kind/name check` pairs. */
function ignoredChecks(manifests: string): string[] {
  return parseAllDocuments(manifests)
    .map((doc) => doc.toJS())
    .flatMap((o) =>
      String(o.metadata.annotations?.[IGNORE_ANNOTATION] ?? '')
        .split(',')
        .filter(Boolean)
        .map((check) => `${o.kind}/${o.metadata.name} ${check.trim()}`),
    )
    .sort();
}

describeWithServers(['kustomize', 'kube-score'], 'Kubernetes manifests under kube-score 1.20', () => {
  const rendered = new Map<string, string>();
  const manifests = (build: string) => {
    if (!rendered.has(build)) rendered.set(build, kustomizeBuild(build));
    return rendered.get(build)!;
  };

  it.each(BUILDS)('%s: no CRITICAL and no WARNING', (build) => {
    const { scored, findings } = kubeScore(manifests(build));
    // Everything that runs was scored, so a clean result is not an empty one.
    expect(scored).toEqual(
      expect.arrayContaining([
        'Deployment/orders-api',
        'Deployment/orders-worker',
        'CronJob/orders-reconcile',
        'HorizontalPodAutoscaler/orders-api',
        'NetworkPolicy/orders-api',
        'Deployment/otel-collector',
        'Service/otel-collector',
        'NetworkPolicy/otel-collector',
        'PodDisruptionBudget/otel-collector',
      ]),
    );
    expect(findings).toEqual([]);
  });

  it.each(BUILDS)('%s: each kube-score/ignore annotation hides a finding that is really there', (build) => {
    const ignored = ignoredChecks(manifests(build));
    const { findings } = kubeScore(manifests(build), ['--disable-ignore-checks-annotations']);
    expect(findings.map((f) => `${f.object} ${f.check}`).sort()).toEqual(ignored);
  });

  it('gives each kube-score/ignore annotation a comment saying why', () => {
    const sources = [...BUILDS.map((build) => path.join(K8S, build))]
      .flatMap((dir) => readdirSync(dir).map((file) => path.join(dir, file)))
      .filter((file) => file.endsWith('.yaml'));
    let annotations = 0;
    for (const file of sources) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, index) => {
        if (!line.includes(`${IGNORE_ANNOTATION}:`)) return;
        annotations += 1;
        expect({ file, line: index + 1, previous: lines[index - 1].trim() }).toEqual({
          file,
          line: index + 1,
          previous: expect.stringMatching(/^# \S.{20,}/),
        });
      });
    }
    expect(annotations).toBeGreaterThan(0);
  });

  it('reports a CRITICAL for a Deployment with a fixed replica count under an autoscaler', () => {
    const api = parseAllDocuments(manifests('base'))
      .map((doc) => doc.toJS())
      .filter((o) => o.metadata.name === 'orders-api');
    const deployment = api.find((o) => o.kind === 'Deployment');
    deployment.spec.replicas = 3;
    const { findings } = kubeScore(api.map((o) => JSON.stringify(o)).join('\n---\n'));
    expect(findings).toContainEqual(
      expect.objectContaining({
        object: 'Deployment/orders-api',
        check: 'deployment-targeted-by-hpa-does-not-have-replicas-configured',
        grade: GRADE.critical,
      }),
    );
  });
});
