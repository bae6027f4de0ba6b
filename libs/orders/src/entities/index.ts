export { OrderLineEntity } from './order-line.entity';
export { OrderStatusHistoryEntity } from './order-status-history.entity';
export { OrderEntity } from './order.entity';
