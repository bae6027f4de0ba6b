export interface StockLine {
  sku: string;
  quantity: number;
}

/** Largest stock a product may hold (PostgreSQL integer). */
export const MAX_STOCK = 2_147_483_647;
