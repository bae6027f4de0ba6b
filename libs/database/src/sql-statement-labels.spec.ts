import { statementLabels } from './sql-statement-labels';

describe('statementLabels', () => {
  it.each([
    ['SELECT "p"."sku" FROM "products" "p" WHERE "p"."sku" = $1', 'select', 'products'],
    ['INSERT INTO orders (id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id', 'insert', 'orders'],
    ['UPDATE "products" SET "stock" = stock - $1 WHERE sku = $2', 'update', 'products'],
    ['DELETE FROM "order_lines" WHERE "order_id" = $1', 'delete', 'order_lines'],
    ['START TRANSACTION', 'transaction', 'none'],
    ['COMMIT', 'transaction', 'none'],
    ['SELECT version()', 'select', 'none'],
    ['select * from public."payments" where 1=1', 'select', 'payments'],
    ['SHOW server_version', 'other', 'none'],
  ])('%s → %s %s', (sql, operation, table) => {
    expect(statementLabels(sql)).toEqual({ operation, table });
  });
});
