import { MIGRATIONS } from '@app/database';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../tooling/database';
import { OrdersRepository, type OrderSearch, type UnfinishedOrdersFilter } from '../orders.repository';
import { ORDERS_SQL } from '../orders.sql';

const ORDERS = 80_000;
const CUSTOMERS = 20_000;
const SKUS = 400;
/** The newest orders are still in flight; older unfinished ones are stuck. */
const IN_FLIGHT = 40;
const PAGE = 50;

/** A node of `EXPLAIN (FORMAT JSON)`'s plan tree. */
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  'Subplan Name'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];
/** Every index the plan reads. */
const indexesOf = (plan: PlanNode) => nodesOf(plan).flatMap((node) => node['Index Name'] ?? []);
/** The plan's scans, e.g. `Index Scan using orders_customer_created on orders`, `Seq Scan on order_lines`. */
const scansOf = (plan: PlanNode) =>
  nodesOf(plan)
    .filter((node) => node['Node Type'].endsWith('Scan'))
    .map(
      (node) =>
        `${node['Node Type']}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}` +
        `${node['Relation Name'] ? ` on ${node['Relation Name']}` : ''}`,
    );

/**
 * The operators' searches and the stuck orders' list against a year of orders, as the planner sees them
 * once the table is too large to read whole: each uses the index made for its filter, and none reads the
 * orders table sequentially. Plans are those of the repository's own statements with the values bound as
 * the repository binds them (PostgreSQL plans an unnamed statement for its values, so the absent filters
 * fall away).
 */
describe('operator search indexes (real PostgreSQL, 80,000 orders)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let orders: OrdersRepository;

  /** The plan of the one statement `run` sends through the repository, explained instead of run. */
  const planOf = async (
    statement: string,
    run: (repository: OrdersRepository) => Promise<unknown>,
  ): Promise<PlanNode> => {
    const plans: PlanNode[] = [];
    const explaining = {
      query: async (sql: string, parameters?: unknown[]) => {
        expect(sql).toBe(statement);
        const [row] = await dataSource.query<Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> | string }>>(
          `EXPLAIN (FORMAT JSON) ${sql}`,
          parameters,
        );
        const explained = row['QUERY PLAN'];
        plans.push((typeof explained === 'string' ? JSON.parse(explained) : explained)[0].Plan);
        return [];
      },
    } as unknown as DataSource;
    await run(new OrdersRepository(explaining));
    expect(plans).toHaveLength(1);
    return plans[0];
  };
  const searchPlan = (query: Omit<OrderSearch, 'limit'>) =>
    planOf(query.sku === undefined ? ORDERS_SQL.search : ORDERS_SQL.searchBySku, (repository) =>
      repository.search({ ...query, limit: PAGE }),
    );
  const unfinishedPlan = (filter: UnfinishedOrdersFilter) =>
    planOf(ORDERS_SQL.unfinished, (repository) => repository.unfinished(filter));
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);

  beforeAll(async () => {
    db = await createTestDatabase('order_search_indexes_spec');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS, poolSize: 2 });
    await dataSource.initialize();
    await dataSource.runMigrations();
    // A year of orders, oldest first (the table's physical order follows created_at, as it does when
    // orders arrive): 20,000 customers, 5 % FAILED with their reasons, 3 % CANCELLED, 0.2 % stuck in an
    // unfinished status, the newest still in flight, the rest COMPLETED; 1 to 3 lines each among 400 SKUs.
    await dataSource.query(
      `INSERT INTO products (sku, name, unit_price, currency, stock)
       SELECT 'IDX-' || lpad(k::text, 4, '0'), 'Product ' || k, 100 + k, 'EUR', 1000000
         FROM generate_series(1, ${SKUS}) k`,
    );
    await dataSource.query(
      `INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address,
                           failure_reason, created_at, updated_at)
       SELECT gen_random_uuid(), 'c-' || (1 + (hashint4(i) & 2147483647) % ${CUSTOMERS}), repeat('0', 64),
              s.status, 'EUR', 500 + g.r * 25,
              '{"name": "Ada", "line1": "1 Main St", "city": "Berlin", "postalCode": "10115", "country": "DE"}',
              CASE s.status
                WHEN 'FAILED' THEN (ARRAY['OUT_OF_STOCK', 'PAYMENT_DECLINED', 'PAYMENT_DECLINED', 'PAYMENT_DECLINED',
                  'PAYMENT_PROVIDER_UNAVAILABLE', 'SHIPPING_FAILED', 'INFRASTRUCTURE_UNAVAILABLE', 'UNEXPECTED_ERROR'])[1 + g.i % 8]
                WHEN 'CANCELLED' THEN 'CANCELLED_BY_CUSTOMER'
              END,
              g.created_at,
              CASE WHEN g.i > ${ORDERS - IN_FLIGHT} THEN now() ELSE g.created_at + interval '3 seconds' END
         FROM (SELECT i, (hashint4(i + ${ORDERS}) & 2147483647) % 1000 AS r,
                      now() - interval '365 days' * ((${ORDERS} - i)::float8 / ${ORDERS}) AS created_at
                 FROM generate_series(1, ${ORDERS}) i) g
        CROSS JOIN LATERAL (SELECT CASE
                WHEN g.i > ${ORDERS - IN_FLIGHT} THEN (ARRAY['PENDING', 'INVENTORY_RESERVED', 'PAID', 'SHIPPED'])[1 + g.i % 4]
                WHEN g.r < 2 THEN (ARRAY['PENDING', 'INVENTORY_RESERVED', 'PAID', 'SHIPPED'])[1 + g.i % 4]
                WHEN g.r < 52 THEN 'FAILED'
                WHEN g.r < 82 THEN 'CANCELLED'
                ELSE 'COMPLETED' END AS status) s`,
    );
    await dataSource.query(
      `INSERT INTO order_lines (order_id, line_no, sku, product_name, quantity, unit_price, line_total,
                                order_created_at)
       SELECT o.id, n, 'IDX-' || lpad(x.k::text, 4, '0'), 'Product ' || x.k, x.q, 100 + x.k, x.q * (100 + x.k),
              o.created_at
         FROM orders o
        CROSS JOIN LATERAL generate_series(1, 1 + (hashtext(o.id::text) & 2147483647) % 3) n
        CROSS JOIN LATERAL (SELECT 1 + (hashtext(n || o.id::text) & 2147483647) % ${SKUS} AS k, 1 + n % 3 AS q) x`,
    );
    await dataSource.query('ANALYZE orders, order_lines');
    orders = new OrdersRepository(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  /** Whatever the search, the orders table is never read whole. */
  const expectNoSequentialScan = (plan: PlanNode) => {
    expect(scansOf(plan)).not.toContain('Seq Scan on orders');
    expect(scansOf(plan)).not.toContain('Seq Scan on order_lines');
  };

  it('by a status few orders are in: the status index', async () => {
    const plan = await searchPlan({ statuses: ['PENDING'] });
    expect(indexesOf(plan)).toContain('orders_status_created');
    expectNoSequentialScan(plan);
  });

  it('by two statuses few orders are in: the status index', async () => {
    const plan = await searchPlan({ statuses: ['PENDING', 'PAID'] });
    expect(indexesOf(plan)).toContain('orders_status_created');
    expectNoSequentialScan(plan);
  });

  it('by a status many orders are in: the status index, walked in order from that status', async () => {
    const plan = await searchPlan({ statuses: ['FAILED'] });
    const scan = nodesOf(plan).find((node) => node['Index Name'] === 'orders_status_created');
    expect(scan?.['Index Cond']).toMatch(/status\)::text = 'FAILED'/);
    expect(nodesOf(plan).map((node) => node['Node Type'])).not.toContain('Sort');
    expectNoSequentialScan(plan);
  });

  it('by customer: the customer index', async () => {
    const plan = await searchPlan({ customerId: 'c-42' });
    expect(indexesOf(plan)).toContain('orders_customer_created');
    expectNoSequentialScan(plan);
  });

  it('by created range: the creation index, bounded by the range', async () => {
    const plan = await searchPlan({ createdFrom: daysAgo(100), createdTo: daysAgo(90) });
    const scan = nodesOf(plan).find((node) => node['Index Name'] === 'orders_created_at_id');
    expect(scan?.['Index Cond']).toMatch(/created_at >= .* AND .*created_at <= /);
    expectNoSequentialScan(plan);
  });

  it('by failure reason: the failure reason index', async () => {
    const plan = await searchPlan({ failureReason: 'PAYMENT_DECLINED' });
    expect(indexesOf(plan)).toContain('orders_failure_reason_created');
    expectNoSequentialScan(plan);
  });

  it('by failure reason, next page: the failure reason index from the cursor on', async () => {
    const first = await orders.search({ failureReason: 'PAYMENT_DECLINED', limit: PAGE });
    expect(first.nextCursor).not.toBeNull();
    const plan = await searchPlan({ failureReason: 'PAYMENT_DECLINED', cursor: first.nextCursor! });
    const scan = nodesOf(plan).find((node) => node['Index Name'] === 'orders_failure_reason_created');
    expect(scan?.['Index Cond']).toContain('ROW(created_at, id) <');
    expectNoSequentialScan(plan);
  });

  it("by SKU: the SKU's lines from their index, joined to their orders by key", async () => {
    const plan = await searchPlan({ sku: 'IDX-0042' });
    expect(indexesOf(plan)).toContain('order_lines_sku_created');
    // Driven by the SKU's lines (the planner may sort those few), never by a filter run over every order.
    expect(nodesOf(plan).some((node) => node['Subplan Name'] !== undefined)).toBe(false);
    expect(
      scansOf(plan).filter((scan) => scan.startsWith('Index Scan') && scan.endsWith(' on orders')),
    ).toEqual(['Index Scan using orders_pkey on orders']);
    expectNoSequentialScan(plan);
  });

  it('by SKU, next page: from the cursor on in the same index', async () => {
    const first = await orders.search({ sku: 'IDX-0042', limit: PAGE });
    expect(first.nextCursor).not.toBeNull();
    const plan = await searchPlan({ sku: 'IDX-0042', cursor: first.nextCursor! });
    const scan = nodesOf(plan).find((node) => node['Index Name'] === 'order_lines_sku_created');
    expect(scan?.['Index Cond']).toContain('ROW(order_created_at, order_id) <');
    expectNoSequentialScan(plan);
  });

  it('stuck orders: the index of unfinished orders', async () => {
    const plan = await unfinishedPlan({ unchangedSince: new Date(Date.now() - 15 * 60_000), limit: PAGE });
    expect(indexesOf(plan)).toContain('orders_unfinished_updated');
    expectNoSequentialScan(plan);
  });
});
