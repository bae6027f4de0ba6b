import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { describeWithServers } from '../../test/support/real-servers';
import { runTool, runToolAsync } from './promtool';
import { REPO_ROOT } from '../../tooling/repo-root';

const PROMETHEUS = path.join(REPO_ROOT, 'ops/prometheus');
const SPEC_FILE = 'ops/slo/slos.yml';
const RULES_FILE = 'ops/prometheus/rules/slo.yml';
const TEST_FILES = ['tests/slo-page.test.yml', 'tests/slo-ticket.test.yml'];
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

/** The SRE workbook's multi-window, multi-burn-rate alerts for a 30-day SLO: (long, short) windows and rate. */
const BURN_RATE_PAIRS = {
  critical: [
    { long: '1h', short: '5m', factor: 14.4 },
    { long: '6h', short: '30m', factor: 6 },
  ],
  warning: [
    { long: '1d', short: '2h', factor: 3 },
    { long: '3d', short: '6h', factor: 1 },
  ],
} as const;
type BurnRatePair = { long: string; short: string; factor: number };
const RECORDED_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d'];

const spec = parse(read(SPEC_FILE));
const rules = parse(read(RULES_FILE)).groups.flatMap((group: any) => group.rules);
const slos = spec.slos.map((slo: any) => ({ ...slo, id: `${spec.service}-${slo.name}` }));
const sloTable: Array<[string, any]> = slos.map((slo: any): [string, any] => [slo.id, slo]);
const alerts = rules.filter((rule: any) => rule.alert);
const testCases = TEST_FILES.flatMap((file) => parse(read(`ops/prometheus/${file}`)).tests);

/** The (short window, long window, factor, error budget) conditions of a generated burn-rate alert. */
function burnRateConditions(expr: string) {
  const conditions = [
    ...expr.matchAll(/ratio_rate(\w+)\{sloth_id="([\w-]+)"[^}]*\} > \(([\d.]+) \* ([\d.e-]+)\)/g),
  ];
  return conditions.map(([, window, id, factor, budget]) => ({
    window,
    id,
    factor: +factor,
    budget: +budget,
  }));
}

/** Burn rates a test case checks (as `round(100 × burn rate)`) for one SLO over the given windows. */
function checkedBurnRates(testCase: any, id: string, windows: string[]): number[] {
  const test = (testCase.promql_expr_test ?? []).find((t: any) =>
    t.expr.startsWith(`round(100 * {__name__=~"slo:sli_error:ratio_rate(${windows.join('|')})"}`),
  );
  if (!test) return [];
  return windows.flatMap((window) =>
    test.exp_samples
      .filter(
        (s: any) => s.labels.includes(`sloth_id="${id}"`) && s.labels.includes(`sloth_window="${window}"`),
      )
      .map((s: any) => s.value / 100),
  );
}

/** What a test case expects of an alert: the severities it fires with, or [] for silence. */
function expectedSeverities(testCase: any, alertname: string): string[] | undefined {
  const test = testCase.alert_rule_test.find((t: any) => t.alertname === alertname);
  return test?.exp_alerts.map((a: any) => a.exp_labels.severity);
}

describe('SLOs as code (ops/slo/slos.yml → Sloth → ops/prometheus/rules/slo.yml)', () => {
  it('defines placement availability and latency, order completion and webhook delivery', () => {
    expect(spec.version).toBe('prometheus/v1');
    expect(slos.map((slo: any) => [slo.name, slo.objective])).toEqual([
      ['placement-availability', 99.9],
      ['placement-latency', 99],
      ['completion', 99.5],
      ['webhook-delivery', 99],
    ]);
  });

  it.each(sloTable)(
    '%s: error ratios recorded over 5m, 30m, 1h, 2h, 6h, 1d, 3d and 30d, with the objective of the spec',
    (id, slo: any) => {
      const mine = rules.filter((rule: any) => rule.record && rule.labels.sloth_id === id);
      const windows = mine
        .filter((rule: any) => rule.record.startsWith('slo:sli_error:ratio_rate'))
        .map((rule: any) => rule.labels.sloth_window);
      expect(windows).toEqual(RECORDED_WINDOWS);
      const objective = mine.find((rule: any) => rule.record === 'slo:objective:ratio');
      expect(Number(/vector\(([\d.]+)\)/.exec(objective.expr)![1])).toBeCloseTo(slo.objective / 100, 12);
    },
  );

  it.each(sloTable)(
    '%s: pages at 14.4× over 1h and 5m or 6× over 6h and 30m; tickets at 3× over 1d and 2h or 1× over 3d and 6h',
    (id, slo: any) => {
      const mine = alerts.filter((rule: any) => burnRateConditions(rule.expr)[0]?.id === id);
      expect(mine.map((rule: any) => rule.labels.severity).sort()).toEqual(['critical', 'warning']);
      for (const rule of mine) {
        const conditions = burnRateConditions(rule.expr);
        const pairs = [0, 2].map((i) => ({
          long: conditions[i + 1].window,
          short: conditions[i].window,
          factor: conditions[i].factor,
        }));
        expect({ alert: rule.alert, pairs }).toEqual({
          alert: slo.alerting.name,
          pairs: BURN_RATE_PAIRS[rule.labels.severity as keyof typeof BURN_RATE_PAIRS],
        });
        for (const condition of conditions) {
          expect(condition).toMatchObject({ id, factor: expect.any(Number) });
          expect(condition.budget).toBeCloseTo(1 - slo.objective / 100, 12);
        }
        expect(rule.labels.service).toBeTruthy();
        expect(rule.annotations.summary).toBeTruthy();
        expect(rule.annotations.description.length).toBeGreaterThan(80);
      }
    },
  );

  const pairsOfAlerts: Array<[string, string, any, BurnRatePair]> = alerts.flatMap((rule: any) =>
    BURN_RATE_PAIRS[rule.labels.severity as keyof typeof BURN_RATE_PAIRS].map(
      (pair): [string, string, any, BurnRatePair] => [
        `${rule.alert} (${rule.labels.severity})`,
        `${pair.factor}× over ${pair.long} and ${pair.short}`,
        rule,
        pair,
      ],
    ),
  );

  it.each(pairsOfAlerts)(
    '%s has a promtool case firing just above %s and one silent just below',
    (_name, _pair, rule, pair) => {
      const { id } = burnRateConditions(rule.expr)[0];
      const ratios = (testCase: any) =>
        checkedBurnRates(testCase, id, [pair.long, pair.short]).map((rate) => rate / pair.factor);
      const fires = testCases.filter(
        (t: any) =>
          ratios(t).length === 2 &&
          ratios(t).every((r) => r > 1 && r <= 1.1) &&
          expectedSeverities(t, rule.alert)?.join() === rule.labels.severity,
      );
      const silent = testCases.filter(
        (t: any) =>
          ratios(t).length === 2 &&
          ratios(t).every((r) => r >= 0.9 && r < 1) &&
          expectedSeverities(t, rule.alert)?.length === 0,
      );
      expect({ fires: fires.length > 0, silent: silent.length > 0 }).toEqual({ fires: true, silent: true });
    },
  );

  it('loads the SLO rules wherever Prometheus loads the alert rules', () => {
    for (const file of ['prometheus.yml', 'prometheus.kubernetes.yml']) {
      const ruleFiles = parse(read(`ops/prometheus/${file}`)).rule_files;
      expect({ file, ruleFiles }).toEqual({
        file,
        ruleFiles: expect.arrayContaining(['rules/alerts.yml', 'rules/slo.yml']),
      });
    }
    // docker compose mounts the whole rules folder.
    expect(parse(read('docker-compose.yml')).services.prometheus.volumes).toContain(
      './ops/prometheus/rules:/etc/prometheus/rules:ro',
    );
  });
});

describeWithServers(['sloth'], 'SLO rules are Sloth 0.16 output (sloth generate)', () => {
  it('the spec validates', () => {
    const result = runTool('sloth', ['validate', '--no-log', '-i', SPEC_FILE], REPO_ROOT);
    expect(result).toMatchObject({ status: 0 });
  });

  it(`${RULES_FILE} is exactly what Sloth generates from ${SPEC_FILE}`, () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'sloth-')), 'slo.yml');
    try {
      const result = runTool('sloth', ['generate', '--no-log', '-i', SPEC_FILE, '-o', out], REPO_ROOT);
      expect(result).toMatchObject({ status: 0 });
      expect(readFileSync(out, 'utf8')).toBe(read(RULES_FILE));
    } finally {
      rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
});

describeWithServers(['promtool'], 'SLO rules under promtool 3', () => {
  it('rules/slo.yml passes promtool check rules', () => {
    const result = runTool('promtool', ['check', 'rules', 'rules/slo.yml'], PROMETHEUS);
    expect(result).toMatchObject({ status: 0 });
    expect(result.output).toMatch(/SUCCESS: 68 rules found/);
  });

  it('every burn-rate window pair fires just above its rate and stays silent just below (promtool test rules)', async () => {
    // Three days of history per case make these the slowest rule tests (about 2 minutes on 2 idle cores):
    // the two files run side by side, with room for a busy machine.
    const results = await Promise.all(
      TEST_FILES.map((file) => runToolAsync('promtool', ['test', 'rules', file], PROMETHEUS)),
    );
    for (const [i, result] of results.entries()) {
      expect({ file: TEST_FILES[i], status: result.status, output: result.output }).toEqual({
        file: TEST_FILES[i],
        status: 0,
        output: expect.stringContaining('SUCCESS'),
      });
    }
  }, 1_200_000);
});
