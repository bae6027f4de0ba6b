import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const PROBE = path.join(ROOT, 'libs/observability/src/__boundary-probe__.ts');
const DOMAIN_PROBE = path.join(ROOT, 'libs/payments/src/__boundary-probe__.ts');

/** `npm run lint`'s boundary check, exactly as lint runs it. */
const depcruise = () =>
  spawnSync(
    path.join(ROOT, 'node_modules/.bin/depcruise'),
    ['apps', 'libs', '--config', '.dependency-cruiser.cjs'],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );

describe('module boundaries (dependency-cruiser, .dependency-cruiser.cjs)', () => {
  afterEach(() => {
    rmSync(PROBE, { force: true });
    rmSync(DOMAIN_PROBE, { force: true });
  });

  it('holds for the code as it is', () => {
    const result = depcruise();
    expect({ status: result.status, output: result.stdout }).toEqual({
      status: 0,
      output: expect.stringContaining('no dependency violations found'),
    });
  });

  it('fails lint when the observability library imports a domain lib', () => {
    writeFileSync(PROBE, "import { OrdersModule } from '@app/orders';\nexport const probe = OrdersModule;\n");
    const result = depcruise();
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(
      /error observability-knows-no-domain: libs\/observability\/src\/__boundary-probe__\.ts → libs\/orders\/src\/index\.ts/,
    );
  });

  it('fails lint when a domain lib records a metric with prom-client instead of the observability library', () => {
    writeFileSync(
      DOMAIN_PROBE,
      "import { Counter } from 'prom-client';\nexport const probe = new Counter({ name: 'x', help: 'x' });\n",
    );
    const result = depcruise();
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(
      /error libs-report-through-observability: libs\/payments\/src\/__boundary-probe__\.ts → node_modules\/prom-client/,
    );
  });
});
