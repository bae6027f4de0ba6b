import { InjectMetric, type Counter } from '@app/observability';
import type { FailureReason } from '@app/order-saga';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ORDER_METRICS } from '../../orders.metrics';
import { OrderProgress } from '../order-progress';
import { recordFailureReason } from '../saga-tracing';

/**
 * The saga's last step, whichever way it ends: SHIPPED → COMPLETED, any unfinished state → FAILED with
 * its reason, or → CANCELLED once compensation has run. Each is counted and audited once.
 */
@Injectable()
export class FinishOrderStep {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly progress: OrderProgress,
    @InjectMetric(ORDER_METRICS.errors) private readonly errors: Counter<'reason'>,
  ) {}

  async complete(orderId: string): Promise<void> {
    const result = await this.dataSource.transaction((m) => this.progress.move(m, orderId, 'COMPLETED'));
    this.progress.finished('COMPLETED', result, orderId);
  }

  async fail(orderId: string, reason: FailureReason): Promise<void> {
    recordFailureReason(reason);
    const result = await this.dataSource.transaction((m) => this.progress.move(m, orderId, 'FAILED', reason));
    if (result.moved) this.errors.inc({ reason });
    this.progress.finished('FAILED', result, orderId, reason);
  }

  async cancel(orderId: string): Promise<void> {
    const result = await this.dataSource.transaction((m) =>
      this.progress.move(m, orderId, 'CANCELLED', 'CANCELLED_BY_CUSTOMER'),
    );
    this.progress.finished('CANCELLED', result, orderId);
  }
}
