import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../tooling/repo-root';

/** The placeholder base every runbook_url starts with; a deployment replaces it (docs/runbooks/README.md). */
const RUNBOOK_BASE = 'https://runbooks.example.invalid/';
const RUNBOOKS = path.join(REPO_ROOT, 'docs/runbooks');
const RULES = path.join(REPO_ROOT, 'ops/prometheus/rules');
const SECTIONS = ['## What it means', '## Look first', '## What to do'];

/** Every alerting rule of every rule file Prometheus loads (the Sloth-generated SLO rules included). */
const alertRules = readdirSync(RULES)
  .filter((file) => /\.ya?ml$/.test(file))
  .flatMap((file) =>
    parse(readFileSync(path.join(RULES, file), 'utf8')).groups.flatMap((group: any) =>
      group.rules.filter((rule: any) => rule.alert).map((rule: any) => ({ file, rule })),
    ),
  );
const alertNames = [...new Set(alertRules.map(({ rule }) => rule.alert as string))].sort();
const runbookFiles = readdirSync(RUNBOOKS).filter((file) => file.endsWith('.md') && file !== 'README.md');
const read = (file: string) => readFileSync(path.join(RUNBOOKS, file), 'utf8');
/** A runbook's text on one line per paragraph: Markdown wraps long names and references. */
const flat = (file: string) => read(file).replace(/\s+/g, ' ');
const documents = ['README.md', ...runbookFiles];

/** Every panel title of every dashboard, nested rows included, by dashboard title. */
const panels = new Map<string, Set<string>>(
  readdirSync(path.join(REPO_ROOT, 'ops/grafana/dashboards'))
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(path.join(REPO_ROOT, 'ops/grafana/dashboards', file), 'utf8')))
    .map((dashboard): [string, Set<string>] => {
      const titles = new Set<string>();
      const walk = (list: any[] = []) =>
        list.forEach((panel) => {
          titles.add(panel.title);
          walk(panel.panels);
        });
      walk(dashboard.panels);
      return [dashboard.title, titles];
    }),
);

const savedSearches = new Set(
  readFileSync(path.join(REPO_ROOT, 'ops/kibana/saved-objects.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .filter((object) => object.type === 'search')
    .map((object) => object.attributes.title as string),
);

interface Route {
  method: string;
  path: string;
  pattern: RegExp;
}

/** The API's routes, read from its controllers' decorators (and the health routes of @app/observability). */
function apiRoutes(): Route[] {
  const files: string[] = [];
  const walk = (dir: string) =>
    readdirSync(dir, { withFileTypes: true }).forEach((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.controller.ts')) files.push(full);
    });
  walk(path.join(REPO_ROOT, 'apps/api/src'));
  files.push(path.join(REPO_ROOT, 'libs/observability/src/health/health.controller.ts'));
  // Liveness is a plain route on the HTTP adapter, outside Nest's router.
  const liveness = /LIVENESS_PATH = '([^']+)'/.exec(
    readFileSync(path.join(REPO_ROOT, 'libs/observability/src/health/liveness.route.ts'), 'utf8'),
  )![1];
  const adapterRoutes = [{ method: 'GET', path: liveness, pattern: new RegExp(`^${liveness}$`) }];
  return adapterRoutes.concat(
    files.flatMap((file) => {
      const source = readFileSync(file, 'utf8');
      const prefix = /@Controller\((?:'([^']*)')?\)/.exec(source)?.[1] ?? '';
      return [...source.matchAll(/@(Get|Post|Put|Delete|Patch)\((?:'([^']*)')?\)/g)].map(([, verb, sub]) => {
        const route = `/${[prefix, sub].filter(Boolean).join('/')}`;
        return {
          method: verb.toUpperCase(),
          path: route,
          pattern: new RegExp(`^${route.replace(/:\w+/g, '[^/]+')}$`),
        };
      });
    }),
  );
}

/** Query parameter names the API's request DTOs declare. */
function queryParameterNames(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) =>
    readdirSync(dir, { withFileTypes: true }).forEach((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(query|dto|response)\.ts$/.test(entry.name))
        for (const [, name] of readFileSync(full, 'utf8').matchAll(/^\s+(\w+)\?[!]?:/gm)) names.add(name);
    });
  walk(path.join(REPO_ROOT, 'apps/api/src'));
  return names;
}

/** Every `curl … "$API/…"` a document gives: its method (-X, GET by default), path and query. */
function apiCalls(text: string): Array<{ method: string; path: string; query: string[]; command: string }> {
  const joined = text.replace(/\\\n\s*/g, ' ');
  return [...joined.matchAll(/"\$API(\/[^"]*)"/g)].map((match) => {
    const start = joined.lastIndexOf('curl', match.index);
    const end = joined.indexOf('\n', match.index);
    const command = joined.slice(start, end === -1 ? undefined : end);
    const [pathname, search = ''] = match[1].split('?');
    return {
      method: /-X (\w+)/.exec(joined.slice(start, match.index))?.[1] ?? 'GET',
      path: pathname,
      query: search ? search.split('&').map((pair) => pair.split('=')[0]) : [],
      command,
    };
  });
}

describe('runbooks (docs/runbooks): one per alert, each linked from its rule', () => {
  it.each(alertRules.map(({ file, rule }) => [rule.alert, file, rule]))(
    '%s (%s) links its runbook under the placeholder base',
    (name, _file, rule) => {
      expect(rule.annotations.runbook_url).toBe(`${RUNBOOK_BASE}docs/runbooks/${name}.md`);
      expect(existsSync(path.join(RUNBOOKS, `${name}.md`))).toBe(true);
    },
  );

  it('has a runbook for every alert and no runbook without an alert', () => {
    expect(runbookFiles.map((file) => file.replace(/\.md$/, '')).sort()).toEqual(alertNames);
    expect(alertNames.length).toBeGreaterThanOrEqual(41);
  });

  it.each(runbookFiles)(
    '%s says what the alert means, what to look at first and what to do, at some length',
    (file) => {
      const text = read(file);
      const name = file.replace(/\.md$/, '');
      expect(text.startsWith(`# ${name}\n`)).toBe(true);
      const positions = SECTIONS.map((heading) => text.indexOf(`\n${heading}\n`));
      expect({ file, positions: positions.map((p) => p > 0) }).toEqual({
        file,
        positions: SECTIONS.map(() => true),
      });
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(text.length).toBeGreaterThan(900);
      // Something to look at: a dashboard panel, a trace search or a log search, and something to run.
      expect(text).toMatch(/\*\*[^*]+ → [^*]+\*\*|Jaeger|Kibana|\$PROMETHEUS|kubectl|\$API/);
      expect(text).toMatch(/```|`(curl|kubectl|amtool|promtool|SELECT) [^`]+`/);
    },
  );

  it('names only dashboard panels that exist (**Dashboard → Panel**)', () => {
    const missing: string[] = [];
    let count = 0;
    for (const file of documents)
      for (const [, dashboard, panel] of flat(file).matchAll(/\*\*([^*]+?) → ([^*]+?)\*\*/g)) {
        count += 1;
        if (!panels.get(dashboard)?.has(panel)) missing.push(`${file}: ${dashboard} → ${panel}`);
      }
    expect(missing).toEqual([]);
    expect(count).toBeGreaterThan(50);
  });

  it('names only Kibana saved searches that exist', () => {
    const missing: string[] = [];
    for (const file of documents)
      for (const [, list] of flat(file).matchAll(/saved search(?:es)? ((?:"[^"]+"(?:, |; | and | or )?)+)/g))
        for (const [, title] of list.matchAll(/"([^"]+)"/g))
          if (!savedSearches.has(title)) missing.push(`${file}: ${title}`);
    expect(missing).toEqual([]);
  });

  it('gives only API calls the API serves: existing routes and methods, query parameters it reads, the bodies it needs', () => {
    const routes = apiRoutes();
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'GET /admin/orders',
        'GET /admin/orders/stuck',
        'GET /admin/orders/:id',
        'POST /admin/orders/:id/resume',
        'POST /admin/orders/:id/cancel',
        'PUT /admin/faults',
        'DELETE /admin/faults',
        'POST /products/:sku/restock',
      ]),
    );
    const parameters = queryParameterNames();
    const problems: string[] = [];
    let count = 0;
    for (const file of documents)
      for (const call of apiCalls(read(file))) {
        count += 1;
        const route = routes.find((r) => r.method === call.method && r.pattern.test(call.path));
        if (!route) problems.push(`${file}: no route ${call.method} ${call.path}`);
        for (const name of call.query)
          if (!parameters.has(name)) problems.push(`${file}: ${call.path} has no parameter ${name}`);
        if (call.method !== 'GET' && call.method !== 'DELETE' && !call.command.includes('-H "$AUTH"'))
          problems.push(`${file}: ${call.method} ${call.path} without the operator token`);
        if (route?.path === '/admin/orders/:id/cancel' && !/-d '\{"reason":"[^"]+"\}'/.test(call.command))
          problems.push(`${file}: cancel without a reason`);
        if (route?.path === '/products/:sku/restock' && !/-d '\{"quantity":\d+\}'/.test(call.command))
          problems.push(`${file}: restock without a quantity`);
        if (route?.path.startsWith('/admin/') && !call.command.includes('-H "$AUTH"'))
          problems.push(`${file}: ${call.path} without the operator token`);
      }
    expect(problems).toEqual([]);
    expect(count).toBeGreaterThan(40);
  });

  it('mentions nothing that no longer exists: no operator key, no operator listing through GET /orders', () => {
    const ruleTexts = readdirSync(RULES).map((file) => readFileSync(path.join(RULES, file), 'utf8'));
    const slos = readFileSync(path.join(REPO_ROOT, 'ops/slo/slos.yml'), 'utf8');
    for (const text of [...documents.map(read), ...ruleTexts, slos]) {
      expect(text).not.toMatch(/operator[ -]key|x-operator/i);
      expect(text).not.toMatch(/(GET |\$API)\/orders\?/);
    }
  });

  it('documents the placeholder base and how a deployment replaces it', () => {
    const readme = read('README.md');
    expect(readme).toContain(RUNBOOK_BASE);
    expect(readme).toMatch(/sed -i "s\|https:\/\/runbooks\.example\.invalid\/\|\$BASE\|g"/);
    expect(readme).toContain('ops/k8s/components/kube-prometheus/prometheus-rules.yaml');
  });
});
