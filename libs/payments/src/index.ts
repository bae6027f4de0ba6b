export { cardBrandOf, isCardExpired, summarizeCard } from './card';
export type { CardBrand, CardDetails, CardSummary } from './card';
export { PaymentEntity } from './payment.entity';
export type { PaymentStatus } from './payment.entity';
export { PAYMENT_PROVIDER } from './payment-provider.port';
export type { ChargeRequest, PaymentProvider, RefundRequest } from './payment-provider.port';
export {
  PaymentDeclinedError,
  PaymentNotFoundError,
  PaymentProviderUnavailableError,
} from './payments.errors';
export { PAYMENT_METRICS, paymentMetricProviders } from './payments.metrics';
export type { PaymentOutcome } from './payments.metrics';
export { PaymentsModule } from './payments.module';
export type { PaymentsModuleOptions } from './payments.module';
export { PaymentsRepository } from './payments.repository';
export type { OrderPayment, PendingPayment } from './payments.repository';
export { PaymentsService } from './payments.service';
export type { PaymentToPrepare } from './payments.service';
export { PAYMENTS_SQL } from './payments.sql';
export {
  ALWAYS_DECLINED_CARD,
  SIMULATED_PAYMENT_DEFAULTS,
  SimulatedPaymentProvider,
} from './simulated-payment-provider.adapter';
export type { SimulatedPaymentSettings } from './simulated-payment-provider.adapter';
export { InMemorySimulatedProviderLedger } from './simulated-provider-ledger';
export type { LedgerEntry, SimulatedProviderLedger } from './simulated-provider-ledger';
export {
  SIMULATED_LEDGER_SQL,
  SimulatedProviderLedgerRepository,
} from './simulated-provider-ledger.repository';
