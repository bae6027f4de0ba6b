// Writes the PrometheusRule objects of the kube-prometheus component (ops/k8s/components/kube-prometheus)
// from the rule files Prometheus loads (ops/prometheus/rules/*.yml): one PrometheusRule per file, whose
// spec.groups are that file's groups, unchanged. Kustomize cannot make them itself: it loads no file from
// outside the component's folder, and its generators make ConfigMaps and Secrets, not a custom resource
// whose spec is a file's YAML tree.
//
//   npm run ops:kube-prometheus               # rewrite the component's prometheus-rules.yaml
//   npm run ops:kube-prometheus -- --check    # exit 1 when the committed file differs from what would be written
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Document, isMap, isSeq, parseAllDocuments } from 'yaml';

const REPO_ROOT = path.resolve(__dirname, '..');
export const RULES_DIR = path.join(REPO_ROOT, 'ops/prometheus/rules');
export const PROMETHEUS_RULES_FILE = path.join(
  REPO_ROOT,
  'ops/k8s/components/kube-prometheus/prometheus-rules.yaml',
);
/** The annotation naming the rule file a PrometheusRule is written from (a path from the repository's root). */
export const RULE_FILE_ANNOTATION = 'orders.example.com/rule-file';

const HEADER = [
  '# Written by `npm run ops:kube-prometheus` (scripts/kube-prometheus-rules.ts) from ops/prometheus/rules/*.yml:',
  '# edit the rule files, not this file, then run it. ops/test/kube-prometheus.spec.ts fails while they differ.',
].join('\n');

/** The rule files, in name order. */
export function ruleFiles(rulesDir = RULES_DIR): string[] {
  return readdirSync(rulesDir)
    .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
    .sort()
    .map((name) => path.join(rulesDir, name));
}

/** A rule file's one YAML document, which has `groups` (a list) and nothing else, as Prometheus reads it. */
function ruleDocument(file: string): Document.Parsed {
  const documents = parseAllDocuments(readFileSync(file, 'utf8'));
  if (!Array.isArray(documents)) throw new Error(`${file}: not YAML`);
  const [document, ...others] = documents.filter((doc) => doc.contents !== null);
  if (!document || others.length > 0)
    throw new Error(`${file}: ${others.length + 1} YAML documents, 1 expected`);
  if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0].message}`);
  const keys = isMap(document.contents) ? document.contents.items.map((pair) => String(pair.key)) : [];
  if (!isSeq(document.get('groups', true)) || keys.length !== 1)
    throw new Error(
      `${file}: a rule file has \`groups\` (a list) and nothing else, found ${keys.join(', ')}`,
    );
  return document;
}

/**
 * The PrometheusRule of one rule file: `orders-<file name>`, whose groups are the file's YAML nodes as they
 * are, comments and block scalars included, so the two read alike.
 */
export function prometheusRule(file: string): Document {
  const document = new Document({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: `orders-${path.basename(file).replace(/\.ya?ml$/, '')}`,
      labels: { 'app.kubernetes.io/part-of': 'orders' },
      // Where the file lives in the repository (also when the script reads a copy of the rules elsewhere).
      annotations: { [RULE_FILE_ANNOTATION]: `ops/prometheus/rules/${path.basename(file)}` },
    },
    spec: { groups: [] },
  });
  document.setIn(['spec', 'groups'], ruleDocument(file).get('groups', true));
  return document;
}

/** The whole file, formatted as the repository formats YAML. */
export async function render(rulesDir = RULES_DIR, target = PROMETHEUS_RULES_FILE): Promise<string> {
  // Folded at Prettier's print width, which Prettier leaves as they are.
  const documents = ruleFiles(rulesDir).map((file) => prometheusRule(file).toString({ lineWidth: 110 }));
  const text = `${HEADER}\n${documents.map((doc) => `---\n${doc}`).join('')}`;
  const { format, resolveConfig } = await import('prettier');
  // The repository's Prettier options, also for a copy written elsewhere (tests).
  const options = await resolveConfig(PROMETHEUS_RULES_FILE);
  return format(text, { ...options, filepath: target });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      // Another copy of the file to check or write, and other rule files (tests).
      file: { type: 'string', default: PROMETHEUS_RULES_FILE },
      rules: { type: 'string', default: RULES_DIR },
    },
  });
  const file = path.relative(process.cwd(), values.file);
  const next = await render(path.resolve(values.rules), values.file);
  let current: string | undefined;
  try {
    current = readFileSync(values.file, 'utf8');
  } catch {
    current = undefined;
  }
  if (values.check) {
    if (next === current) return 0;
    const [was, now] = [(current ?? '').split('\n'), next.split('\n')];
    const differing = now.findIndex((text, i) => text !== was[i]);
    const line = differing < 0 ? now.length : differing;
    console.error(
      `${file} differs from the rule files from line ${line + 1}:\n  committed: ${was[line] ?? '(end of file)'}\n` +
        `  expected:  ${now[line] ?? '(end of file)'}\nRun \`npm run ops:kube-prometheus\` and commit the result.`,
    );
    return 1;
  }
  if (next !== current) writeFileSync(values.file, next);
  console.log(next === current ? `${file} is up to date` : `${file} written`);
  return 0;
}

if (require.main === module)
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
