import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OPENAPI_DOCUMENT_FILE } from '../scripts/openapi';
import { REPO_ROOT } from '../tooling/repo-root';

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: Array<{ pointer: string }>;
}

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: LintProblem[];
}

/** `redocly lint <file> --format=json` with the repository's redocly.yaml, on this Node.js. */
function lint(file: string): LintReport {
  const result = spawnSync(
    process.execPath,
    [require.resolve('@redocly/cli/bin/cli.js'), 'lint', file, '--config', 'redocly.yaml', '--format=json'],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      // No usage data sent and no update check: the test needs no network.
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  );
  if (!result.stdout.trim().startsWith('{'))
    throw new Error(`redocly lint printed no report (exit ${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as LintReport;
}

const describeProblem = (p: LintProblem) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`;

describe('OpenAPI lint (redocly lint, recommended ruleset and redocly.yaml)', () => {
  it('finds no error in docs/openapi.json', () => {
    const report = lint(path.relative(REPO_ROOT, OPENAPI_DOCUMENT_FILE));
    const warnings = report.problems.filter((p) => p.severity === 'warn');
    if (warnings.length > 0)
      console.warn(
        `redocly lint: ${warnings.length} warning(s)\n${warnings.map(describeProblem).join('\n')}`,
      );
    expect(report.problems.filter((p) => p.severity === 'error').map(describeProblem)).toEqual([]);
    expect(report.totals.errors).toBe(0);
  }, 120_000);

  it('reports an error the document could have: an operation id used twice', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openapi-lint-'));
    try {
      const file = path.join(dir, 'openapi.json');
      const document = JSON.parse(readFileSync(OPENAPI_DOCUMENT_FILE, 'utf8'));
      document.paths['/orders'].get.operationId = document.paths['/orders'].post.operationId;
      writeFileSync(file, JSON.stringify(document));
      const report = lint(file);
      expect(report.totals.errors).toBeGreaterThan(0);
      expect(report.problems).toContainEqual(
        expect.objectContaining({ ruleId: 'operation-operationId-unique', severity: 'error' }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
