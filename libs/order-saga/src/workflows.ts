// Entry point handed to the Temporal bundler (`workflowsPath`): exports every workflow of the task queue.
export { orderFulfilmentWorkflow } from './order-fulfilment.workflow';
