import { AutovacuumSettings1764900000000 } from './1764900000000-autovacuum-settings.migration';
import { CustomerUnfinishedOrders1765100000000 } from './1765100000000-customer-unfinished-orders.migration';
import { FaultInjection1763800000000 } from './1763800000000-fault-injection.migration';
import { InitialSchema1732230000000 } from './1732230000000-initial-schema.migration';
import { OrderAdministration1764400000000 } from './1764400000000-order-administration.migration';
import { OrderStatusCounts1764700000000 } from './1764700000000-order-status-counts.migration';
import { ReadContracts1764300000000 } from './1764300000000-read-contracts.migration';
import { RestockIdempotency1764600000000 } from './1764600000000-restock-idempotency.migration';
import { SimulatedProviderLedger1764200000000 } from './1764200000000-simulated-provider-ledger.migration';
import { WebhookClaimPlan1765000000000 } from './1765000000000-webhook-claim-plan.migration';
import { WebhookRetention1764800000000 } from './1764800000000-webhook-retention.migration';
import { Webhooks1764000000000 } from './1764000000000-webhooks.migration';
import { WebhookSigning1764500000000 } from './1764500000000-webhook-signing.migration';

/** Every migration, oldest first. Listed as classes so bundled and test builds find them alike. */
export const MIGRATIONS = [
  InitialSchema1732230000000,
  FaultInjection1763800000000,
  Webhooks1764000000000,
  SimulatedProviderLedger1764200000000,
  ReadContracts1764300000000,
  OrderAdministration1764400000000,
  WebhookSigning1764500000000,
  RestockIdempotency1764600000000,
  OrderStatusCounts1764700000000,
  WebhookRetention1764800000000,
  AutovacuumSettings1764900000000,
  WebhookClaimPlan1765000000000,
  CustomerUnfinishedOrders1765100000000,
];
