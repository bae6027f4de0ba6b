import type { ProductEntity } from './product.entity';

type DemoProduct = Pick<ProductEntity, 'sku' | 'name' | 'unitPrice' | 'currency' | 'stock'>;

/** The catalog a fresh installation starts with (prices in cents). */
export const DEMO_CATALOG: readonly DemoProduct[] = [
  { sku: 'SKU-001', name: 'Espresso beans, 1 kg', unitPrice: 2490, currency: 'EUR', stock: 500 },
  { sku: 'SKU-002', name: 'Ceramic pour-over dripper', unitPrice: 3200, currency: 'EUR', stock: 120 },
  { sku: 'SKU-003', name: 'Paper filters, 100 pack', unitPrice: 650, currency: 'EUR', stock: 1000 },
  { sku: 'SKU-004', name: 'Burr grinder', unitPrice: 14900, currency: 'EUR', stock: 40 },
  { sku: 'SKU-005', name: 'Gooseneck kettle', unitPrice: 5900, currency: 'EUR', stock: 75 },
  { sku: 'SKU-006', name: 'Milk frothing pitcher', unitPrice: 1890, currency: 'EUR', stock: 200 },
  { sku: 'SKU-007', name: 'Digital coffee scale', unitPrice: 3990, currency: 'EUR', stock: 90 },
  { sku: 'SKU-008', name: 'Travel mug', unitPrice: 2200, currency: 'EUR', stock: 300 },
];
