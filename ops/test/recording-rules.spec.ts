import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describeWithServers } from '../../test/support/real-servers';
import { runTool } from './promtool';

const DIR = path.resolve(__dirname, '../prometheus');
const read = (file: string) => parse(readFileSync(path.join(DIR, file), 'utf8'));
const rules: Array<{ record: string; expr: string }> = read('rules/recording.yml').groups.flatMap(
  (group: any) => group.rules,
);

describe('recording rules keep the deployment apart', () => {
  it.each(rules.map((rule) => [rule.record, rule.expr]))(
    '%s aggregates by namespace wherever it aggregates',
    (_record, expr) => {
      const aggregations = [...expr.matchAll(/\b(sum|max|min|avg|count)\s*(by\s*\(([^)]*)\))?\s*\(/g)];
      expect(aggregations.length).toBeGreaterThan(0);
      for (const [call, , by, labels] of aggregations) {
        expect({ call, by: Boolean(by) }).toEqual({ call, by: true });
        expect(labels.split(',').map((label) => label.trim())).toContain('namespace');
      }
    },
  );
});

describeWithServers(['promtool'], 'recording rules (promtool 3)', () => {
  it('every recording rule has a unit test, and promtool test rules passes them', () => {
    const tests = read('tests/recording.test.yml');
    expect(tests.rule_files).toEqual(['../rules/recording.yml']);
    const tested = new Set(
      tests.tests.flatMap((t: any) => t.promql_expr_test.map((e: any) => e.expr as string)),
    );
    expect(rules.map((rule) => rule.record).filter((record) => !tested.has(record))).toEqual([]);

    const result = runTool('promtool', ['test', 'rules', 'tests/recording.test.yml'], DIR);
    expect(result.output).toContain('SUCCESS');
    expect(result).toMatchObject({ status: 0 });
  });
});
