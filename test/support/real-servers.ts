import { serverBinary, type RealServer } from '../../tooling/real-servers';

/**
 * `describe` for suites that need real servers. They always run when the servers are there. When one is
 * missing, CI (`CI=true`) fails the suite, since a skipped server test is no test; elsewhere the suite is
 * skipped, and says so on stderr where a multi-file Jest run still shows it.
 */
export function describeWithServers(servers: RealServer[], title: string, body: () => void): void {
  const missing = servers.filter((name) => !serverBinary(name));
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const reason = `${missing.join(', ')} not found (run \`bash scripts/test-servers.sh\`, or set ORDERS_TEST_SERVERS_DIR)`;
  if (process.env.CI === 'true') {
    describe(title, () => {
      it(`needs ${missing.join(', ')}`, () => {
        throw new Error(`CI runs every server test: ${reason}`);
      });
    });
    return;
  }
  process.stderr.write(`\n⚠ SKIPPED: ${title}: ${reason}\n\n`);
  describe.skip(`${title} (SKIPPED: ${reason})`, body);
}
