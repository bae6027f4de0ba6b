import type { FailureReason, OrderSagaActivities } from '@app/order-saga';
import { Injectable } from '@nestjs/common';
import { ArrangeShippingStep } from './steps/arrange-shipping.step';
import { ChargePaymentStep } from './steps/charge-payment.step';
import { FinishOrderStep } from './steps/finish-order.step';
import { ReserveInventoryStep } from './steps/reserve-inventory.step';

/**
 * The saga's activities as a Nest provider, shared by the Temporal worker and the inline engine: each
 * activity is a step's invoke or compensation (`steps/`). Every one is idempotent per order and turns
 * domain errors into failures the saga understands: final ones (declines, no stock, cancelled) are
 * non-retryable, provider hiccups are retryable.
 */
@Injectable()
export class OrderSagaActivitiesService implements OrderSagaActivities {
  constructor(
    private readonly reserve: ReserveInventoryStep,
    private readonly charge: ChargePaymentStep,
    private readonly ship: ArrangeShippingStep,
    private readonly finish: FinishOrderStep,
  ) {}

  reserveInventory(orderId: string): Promise<void> {
    return this.reserve.invoke(orderId);
  }

  releaseInventory(orderId: string): Promise<boolean> {
    return this.reserve.compensate(orderId);
  }

  chargePayment(orderId: string): Promise<void> {
    return this.charge.invoke(orderId);
  }

  refundPayment(orderId: string): Promise<boolean> {
    return this.charge.compensate(orderId);
  }

  arrangeShipping(orderId: string): Promise<void> {
    return this.ship.invoke(orderId);
  }

  completeOrder(orderId: string): Promise<void> {
    return this.finish.complete(orderId);
  }

  failOrder(orderId: string, reason: FailureReason): Promise<void> {
    return this.finish.fail(orderId, reason);
  }

  cancelOrder(orderId: string): Promise<void> {
    return this.finish.cancel(orderId);
  }
}
