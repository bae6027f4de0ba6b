// Entry point handed to the Temporal bundler (`workflowsPath`): exports every workflow of the task queue.
export { orderSagaWorkflow } from './order-saga.workflow';
// The same workflow under the type name it had before: histories and workflows started under that name
// keep replaying and running on this worker.
export { orderSagaWorkflow as orderFulfilmentWorkflow } from './order-saga.workflow';
