/** Every statement of the inventory library, run by its repository only (docs/architecture.md, data access). */
const PRODUCT_COLUMNS = 'sku, name, unit_price, currency, stock, created_at, updated_at';

export const INVENTORY_SQL = {
  /** One page of the catalog in SKU order, after `$1` (NULL: from the start); `$2` rows. */
  page: `SELECT ${PRODUCT_COLUMNS} FROM products WHERE $1::varchar IS NULL OR sku > $1 ORDER BY sku LIMIT $2`,
  product: `SELECT ${PRODUCT_COLUMNS} FROM products WHERE sku = $1`,
  products: 'SELECT sku, name, unit_price, currency, stock FROM products WHERE sku = ANY ($1)',
  /** Adds `$2` units unless the stock would pass `$3` (the largest stock a product may hold, minus `$2`). */
  restock: `UPDATE products SET stock = stock + $2, updated_at = now() WHERE sku = $1 AND stock <= $3 RETURNING ${PRODUCT_COLUMNS}`,
  reserved: 'SELECT EXISTS (SELECT 1 FROM inventory_reservations WHERE order_id = $1) AS reserved',
  take: 'UPDATE products SET stock = stock - $2, updated_at = now() WHERE sku = $1 AND stock >= $2 RETURNING sku',
  hold:
    "INSERT INTO inventory_reservations (order_id, sku, quantity, status) SELECT $1::uuid, sku, quantity, 'RESERVED' " +
    'FROM unnest($2::varchar[], $3::integer[]) AS line (sku, quantity)',
  held: "SELECT sku, quantity FROM inventory_reservations WHERE order_id = $1 AND status = 'RESERVED' ORDER BY sku FOR UPDATE",
  giveBack: 'UPDATE products SET stock = stock + $2, updated_at = now() WHERE sku = $1',
  released:
    "UPDATE inventory_reservations SET status = 'RELEASED', released_at = now() WHERE order_id = $1 AND status = 'RESERVED'",
  productCount: 'SELECT count(*)::int AS count FROM products',
  seed:
    'INSERT INTO products (sku, name, unit_price, currency, stock) ' +
    'SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::integer[], $4::char(3)[], $5::integer[]) ON CONFLICT DO NOTHING RETURNING sku',
  levels: 'SELECT sku, stock FROM products ORDER BY sku LIMIT $1',
} as const;
