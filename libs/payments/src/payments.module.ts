import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PaymentEntity } from './payment.entity';
import { PAYMENT_PROVIDER } from './payment-provider.port';
import { paymentMetricProviders } from './payments.metrics';
import { PaymentsRepository } from './payments.repository';
import { PaymentsService } from './payments.service';
import {
  SimulatedPaymentProvider,
  type SimulatedPaymentSettings,
} from './simulated-payment-provider.adapter';
import { SimulatedProviderLedgerRepository } from './simulated-provider-ledger.repository';

export interface PaymentsModuleOptions {
  /** Settings of the simulated provider (the only adapter shipped). */
  simulator?: Partial<SimulatedPaymentSettings>;
  /** The simulated provider itself, when the app shares it (with fault injection); else made from `simulator`. */
  provider?: SimulatedPaymentProvider;
}

@Module({})
export class PaymentsModule {
  static forRoot(options: PaymentsModuleOptions = {}): DynamicModule {
    return {
      module: PaymentsModule,
      imports: [TypeOrmModule.forFeature([PaymentEntity])],
      providers: [
        SimulatedProviderLedgerRepository,
        {
          provide: SimulatedPaymentProvider,
          // The provider may be made before the database exists (the app shares it with fault injection):
          // it is given the ledger every process shares here.
          useFactory: (ledger: SimulatedProviderLedgerRepository) => {
            const provider = options.provider ?? new SimulatedPaymentProvider(options.simulator);
            provider.useLedger(ledger);
            return provider;
          },
          inject: [SimulatedProviderLedgerRepository],
        },
        { provide: PAYMENT_PROVIDER, useExisting: SimulatedPaymentProvider },
        ...paymentMetricProviders,
        PaymentsRepository,
        PaymentsService,
      ],
      exports: [PaymentsService, PAYMENT_PROVIDER, SimulatedPaymentProvider],
    };
  }
}
