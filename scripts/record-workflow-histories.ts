// Records the event histories the worker's replay test feeds to Worker.runReplayHistory, from a real
// Temporal server: it starts the production topology (scripts/test-servers.sh's Temporal server, a
// PostgreSQL database, the API and the worker), runs one order per saga path, and downloads each
// workflow's history with `temporal workflow show --output json`.
//
//   npm run workflow:history   →   apps/worker/test/fixtures/order-saga.<path>.history.json
//
// Re-record after changing the workflow on purpose (and keep the old histories while old runs may exist).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { orderWorkflowId } from '@app/order-saga';
import { startLiveTopology } from '../tooling/live-topology';
import { insertProduct } from '../tooling/order-fixtures';
import { DECLINED_CARD, orderBody } from '../tooling/order-requests';
import { requireServer } from '../tooling/real-servers';
import { REPO_ROOT } from '../tooling/repo-root';
import { waitFor } from '../tooling/wait-for';

const FIXTURES = path.join(REPO_ROOT, 'apps/worker/test/fixtures');
const SKU = 'SKU-REPLAY';

async function main(): Promise<void> {
  const live = await startLiveTopology();
  try {
    await insertProduct(live.db, SKU, 100);
    const place = async (overrides: Record<string, unknown> = {}) => {
      const response = await live.request(
        'POST',
        '/orders',
        orderBody({ items: [{ sku: SKU, quantity: 2 }], ...overrides }),
      );
      if (response.status !== 202) throw new Error(`POST /orders answered ${response.status}`);
      return response.body.id as string;
    };
    const recorded: Record<string, string> = {};

    recorded.completed = await place();
    await live.finalState(recorded.completed);

    recorded['payment-declined'] = await place({
      payment: { ...orderBody().payment, cardNumber: DECLINED_CARD },
    });
    await live.finalState(recorded['payment-declined']);

    await live.setFaults({ carrier: { failureRate: 1 } });
    recorded['shipping-failed'] = await place();
    await live.finalState(recorded['shipping-failed'], 60_000);
    await live.clearFaults();

    await live.setFaults({ payment: { latencyMs: 2_000 } }); // cancel while the charge is in flight
    recorded.cancelled = await place();
    await waitFor(
      async () => (await live.request('GET', `/orders/${recorded.cancelled}`)).body.status,
      (status) => status === 'INVENTORY_RESERVED',
      15_000,
      50,
    );
    await live.request('POST', `/orders/${recorded.cancelled}/cancel`);
    await live.finalState(recorded.cancelled);
    await live.clearFaults();

    for (const [name, orderId] of Object.entries(recorded)) {
      const json = execFileSync(
        requireServer('temporal'),
        [
          'workflow',
          'show',
          '--address',
          live.temporal.address,
          '--workflow-id',
          orderWorkflowId(orderId),
          '--output',
          'json',
        ],
        { encoding: 'utf8' },
      );
      const file = path.join(FIXTURES, `order-saga.${name}.history.json`);
      writeFileSync(file, `${JSON.stringify(JSON.parse(json), null, 2)}\n`);
      console.log(
        `${path.relative(process.cwd(), file)}: ${(JSON.parse(json) as { events: unknown[] }).events.length} events`,
      );
    }
  } finally {
    await live.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
