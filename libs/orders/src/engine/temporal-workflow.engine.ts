import {
  cancelOrderSignal,
  orderFulfilmentWorkflow,
  orderSagaStateQuery,
  orderWorkflowId,
  type OrderSagaState,
} from '@app/order-saga';
import type { OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { WorkflowEngineUnavailableError } from '../orders.errors';
import type { WorkflowEngine } from './workflow-engine.port';

export interface TemporalEngineOptions {
  /** Frontend address, `host:port`. */
  address: string;
  /** @default 'default' */
  namespace?: string;
  /** @default 'orders' */
  taskQueue?: string;
}

/** Starts one Temporal workflow per order (id derived from the order id) and signals cancellations. */
export class TemporalWorkflowEngine implements WorkflowEngine, OnApplicationShutdown {
  readonly kind = 'temporal' as const;
  private readonly connection: Connection;
  private readonly client: Client;
  private readonly taskQueue: string;

  constructor(options: TemporalEngineOptions) {
    this.connection = Connection.lazy({ address: options.address });
    this.client = new Client({ connection: this.connection, namespace: options.namespace ?? 'default' });
    this.taskQueue = options.taskQueue ?? 'orders';
  }

  async start(orderId: string): Promise<void> {
    try {
      await this.client.workflow.start(orderFulfilmentWorkflow, {
        taskQueue: this.taskQueue,
        workflowId: orderWorkflowId(orderId),
        args: [{ orderId }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return;
      throw new WorkflowEngineUnavailableError(orderId, { cause: error });
    }
  }

  async requestCancellation(orderId: string): Promise<void> {
    try {
      await this.client.workflow.signalWithStart(orderFulfilmentWorkflow, {
        taskQueue: this.taskQueue,
        workflowId: orderWorkflowId(orderId),
        args: [{ orderId }],
        signal: cancelOrderSignal,
        signalArgs: [],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (error) {
      throw new WorkflowEngineUnavailableError(orderId, { cause: error });
    }
  }

  async describe(orderId: string): Promise<OrderSagaState | null> {
    try {
      return await this.client.workflow.getHandle(orderWorkflowId(orderId)).query(orderSagaStateQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw new WorkflowEngineUnavailableError(orderId, { cause: error });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}
