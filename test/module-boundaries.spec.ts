import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../tooling/repo-root';

const CONFIG = path.join(REPO_ROOT, '.dependency-cruiser.cjs');

/** What `npm run lint` hands dependency-cruiser: the same folders, the same configuration. */
const LINT_CRUISE_ARGS = (() => {
  const scripts = (
    JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { lint: string } }
  ).scripts;
  const command = /(?:^|&&)\s*depcruise\s+([^&]+)/.exec(scripts.lint);
  if (!command) throw new Error(`npm run lint runs no depcruise: ${scripts.lint}`);
  return command[1].trim().split(/\s+/);
})();

/** `npm run lint`'s boundary check, exactly as lint runs it (or with other arguments). */
const depcruise = (args = LINT_CRUISE_ARGS) =>
  spawnSync(path.join(REPO_ROOT, 'node_modules/.bin/depcruise'), args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });

/**
 * A file that breaks one boundary, written into the folder the rule guards. Its name carries the process
 * id, so boundary checks running side by side never remove each other's.
 */
interface Probe {
  /** The rule that must report it. */
  rule: string;
  /** Where it is written: the folder the rule guards. */
  folder: string;
  /** The import that breaks the boundary, relative to the folder where relative. */
  imports: string;
  /** Where the import resolves to, as dependency-cruiser reports it (a prefix is enough). */
  resolvesTo: string;
}

const probePath = (probe: Probe, index: number) =>
  `${probe.folder}/__boundary-probe-${process.pid}-${index}__.ts`;
const probeSource = (imports: string) =>
  `import * as imported from '${imports}';\nexport const probe = imported;\n`;

/** Every boundary and a file that breaks it; one cruise reports all of them. */
const PROBES: Array<[scenario: string, probe: Probe]> = [
  [
    'a domain step imports another step (payments → shipping)',
    {
      rule: 'domain-flow-steps-never-import-orders-the-saga-or-each-other',
      folder: 'libs/payments/src',
      imports: '@app/shipping',
      resolvesTo: 'libs/shipping/src/index.ts',
    },
  ],
  [
    'webhooks import the order domain (webhooks → orders)',
    {
      rule: 'domain-flow-steps-never-import-orders-the-saga-or-each-other',
      folder: 'libs/webhooks/src',
      imports: '@app/orders',
      resolvesTo: 'libs/orders/src/index.ts',
    },
  ],
  [
    'a domain step imports the saga definition (inventory → order-saga)',
    {
      rule: 'domain-flow-steps-never-import-orders-the-saga-or-each-other',
      folder: 'libs/inventory/src',
      imports: '@app/order-saga',
      resolvesTo: 'libs/order-saga/src/index.ts',
    },
  ],
  [
    'the saga definition imports a lib (order-saga → payments)',
    {
      rule: 'domain-flow-order-saga-imports-no-lib',
      folder: 'libs/order-saga/src',
      imports: '@app/payments',
      resolvesTo: 'libs/payments/src/index.ts',
    },
  ],
  [
    'the database lib imports a domain lib (database → orders)',
    {
      rule: 'domain-flow-database-and-observability-import-no-domain',
      folder: 'libs/database/src',
      imports: '@app/orders',
      resolvesTo: 'libs/orders/src/index.ts',
    },
  ],
  [
    'the observability library imports a domain lib (observability → orders)',
    {
      rule: 'domain-flow-database-and-observability-import-no-domain',
      folder: 'libs/observability/src',
      imports: '@app/orders',
      resolvesTo: 'libs/orders/src/index.ts',
    },
  ],
  [
    'the observability library imports the database lib',
    {
      rule: 'observability-knows-no-database-or-fault-injection',
      folder: 'libs/observability/src',
      imports: '@app/database',
      resolvesTo: 'libs/database/src/index.ts',
    },
  ],
  [
    'a domain lib records a metric with prom-client instead of the observability library',
    {
      rule: 'report-through-observability',
      folder: 'libs/payments/src',
      imports: 'prom-client',
      resolvesTo: 'node_modules/prom-client/',
    },
  ],
  [
    'an app records a metric with prom-client instead of the observability library',
    {
      rule: 'report-through-observability',
      folder: 'apps/api/src',
      imports: 'prom-client',
      resolvesTo: 'node_modules/prom-client/',
    },
  ],
  [
    'an app declares a metric with the Prometheus module instead of the observability library',
    {
      rule: 'report-through-observability',
      folder: 'apps/jobs/src',
      imports: '@willsoto/nestjs-prometheus',
      resolvesTo: 'node_modules/@willsoto/nestjs-prometheus/',
    },
  ],
  [
    'an app annotates spans with OpenTelemetry instead of the observability library',
    {
      rule: 'report-through-observability',
      folder: 'apps/worker/src',
      imports: '@opentelemetry/api',
      resolvesTo: 'node_modules/@opentelemetry/api/',
    },
  ],
  [
    'an app logs through nestjs-pino instead of the observability library',
    {
      rule: 'report-through-observability',
      folder: 'apps/api/src',
      imports: 'nestjs-pino',
      resolvesTo: 'node_modules/nestjs-pino/',
    },
  ],
  [
    'the benchmarks import test code (a test/ folder)',
    {
      rule: 'fuzz-and-benchmarks-import-no-test-code',
      folder: 'benchmarks',
      imports: '../test/module-boundaries.spec',
      resolvesTo: 'test/module-boundaries.spec.ts',
    },
  ],
  [
    'the fuzzer imports test code (a spec)',
    {
      rule: 'fuzz-and-benchmarks-import-no-test-code',
      folder: 'fuzz',
      imports: '../load-generator/options.spec',
      resolvesTo: 'load-generator/options.spec.ts',
    },
  ],
];

describe('module boundaries (dependency-cruiser, .dependency-cruiser.cjs)', () => {
  it('holds for the code as it is', () => {
    const result = depcruise();
    expect({ status: result.status, output: result.stdout }).toEqual({
      status: 0,
      output: expect.stringContaining('no dependency violations found'),
    });
  });

  describe('fails lint when', () => {
    let result: ReturnType<typeof depcruise>;

    beforeAll(() => {
      PROBES.forEach(([, probe], index) =>
        writeFileSync(path.join(REPO_ROOT, probePath(probe, index)), probeSource(probe.imports)),
      );
      result = depcruise();
    });

    afterAll(() => {
      PROBES.forEach(([, probe], index) =>
        rmSync(path.join(REPO_ROOT, probePath(probe, index)), { force: true }),
      );
    });

    it.each(PROBES.map(([scenario, probe], index) => [scenario, probe, index] as const))(
      '%s',
      (_scenario, probe, index) => {
        expect(result.status).not.toBe(0);
        expect(result.stdout).toContain(
          `error ${probe.rule}: ${probePath(probe, index)} → ${probe.resolvesTo}`,
        );
      },
    );
  });

  describe("the worker's span bridge (apps/worker/src/workflow-tracing.ts)", () => {
    const RULE = 'worker-span-bridge-names-only-opentelemetry-types';
    const typesOnly = `apps/worker/src/__boundary-probe-${process.pid}-span-types__.ts`;
    const runtime = `apps/worker/src/__boundary-probe-${process.pid}-span-runtime__.ts`;
    let folder: string;

    beforeAll(() => {
      writeFileSync(
        path.join(REPO_ROOT, typesOnly),
        "import type { SpanContext } from '@opentelemetry/api';\nexport type Probe = SpanContext;\n",
      );
      writeFileSync(path.join(REPO_ROOT, runtime), probeSource('@opentelemetry/api'));
      // The rule guards one existing file: a configuration extending the real one points it at the probes.
      folder = mkdtempSync(path.join(os.tmpdir(), 'boundary-probe-'));
      const probes = [typesOnly, runtime].map((file) => `^${file.replaceAll('.', '\\.')}$`);
      writeFileSync(
        path.join(folder, 'span-bridge.cjs'),
        `module.exports = ${JSON.stringify({ extends: CONFIG, forbidden: [{ name: RULE, from: { path: probes } }] })};\n`,
      );
    });

    afterAll(() => {
      for (const file of [typesOnly, runtime]) rmSync(path.join(REPO_ROOT, file), { force: true });
      rmSync(folder, { recursive: true, force: true });
    });

    it('guards the file as it is named', () => {
      const rules = (
        createRequire(__filename)(CONFIG) as { forbidden: Array<{ name: string; from: { path: string } }> }
      ).forbidden;
      const bridge = 'apps/worker/src/workflow-tracing.ts';
      expect(existsSync(path.join(REPO_ROOT, bridge))).toBe(true);
      expect(bridge).toMatch(new RegExp(rules.find((rule) => rule.name === RULE)!.from.path));
    });

    it('may name the OpenTelemetry SDK types, and fails lint when it imports OpenTelemetry at run time', () => {
      const result = depcruise([typesOnly, runtime, '--config', path.join(folder, 'span-bridge.cjs')]);
      expect(result.status).not.toBe(0);
      expect(result.stdout).toContain(`error ${RULE}: ${runtime} → node_modules/@opentelemetry/api/`);
      expect(result.stdout).not.toContain(`error ${RULE}: ${typesOnly} →`);
    });
  });
});
