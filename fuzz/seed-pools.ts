import type { FuzzCredentials, TokenKind } from './fuzz-credentials';
import type { Pools } from './fuzz-request';
import type { JsonSchema, Operation } from './openapi-document';
import { exampleValue } from './generation/schema-values';

/** A JSON call to the API under test (the seeding's own requests, never judged). */
export type ApiCall = (
  method: string,
  path: string,
  init: { token?: TokenKind; body?: unknown },
) => Promise<{ status: number; body: unknown }>;

export interface SeededValues {
  /** Real values of path parameters (`orders.id`, `products.sku`). */
  pools: Pools;
  /**
   * The public collections' values by field name (`sku`), for valid bodies and parameters: the same on
   * every fresh API, unlike the ids of objects created here.
   */
  fieldValues: ReadonlyMap<string, readonly string[]>;
}

interface Collection {
  /** `orders` for `GET /orders`. */
  name: string;
  list: Operation;
  itemSchema: JsonSchema;
}

/**
 * Seeds objects and collects real values for path parameters, from the document alone: a collection
 * is a `GET /<name>` answering `{items: [...]}`; `/<name>/{param}` takes the items' `param`
 * (`orders.id`, `products.sku`). Public collections are read first (their values fill valid bodies:
 * real SKUs), then each customer creates `perCustomer` objects in every secured collection that has
 * a `POST /<name>`, with the document's examples, and lists them.
 */
export async function seedPools(
  operations: readonly Operation[],
  credentials: FuzzCredentials,
  call: ApiCall,
  perCustomer: number,
): Promise<SeededValues> {
  const collections = operations.flatMap((list): Collection[] => {
    const itemSchema = list.jsonResponses.get(200)?.properties?.items?.items;
    const name = /^\/([^/{}]+)$/.exec(list.path)?.[1];
    return list.method === 'GET' && name && itemSchema?.properties ? [{ name, list, itemSchema }] : [];
  });
  const pools = new Map<string, string[]>();
  const keysOf = (collection: Collection) =>
    operations
      .map((o) => new RegExp(`^/${collection.name}/\\{([^}]+)\\}`).exec(o.path)?.[1])
      .filter((p): p is string => !!p && !!collection.itemSchema.properties?.[p]);
  const collect = async (collection: Collection, token?: TokenKind) => {
    const response = await call('GET', `${collection.list.path}?limit=100`, { token });
    if (response.status !== 200)
      throw new Error(`seeding: ${collection.list.key} answered ${response.status}`);
    const items = (response.body as { items?: Array<Record<string, unknown>> }).items ?? [];
    for (const key of keysOf(collection)) {
      const pool = pools.get(`${collection.name}.${key}`) ?? [];
      pool.push(...items.map((item) => String(item[key])).filter((v) => !pool.includes(v)));
      pools.set(`${collection.name}.${key}`, pool);
    }
  };

  for (const collection of collections.filter((c) => !c.list.secured)) await collect(collection);
  const fieldValues = new Map(
    [...pools].map(([key, values]) => [key.slice(key.indexOf('.') + 1), values] as const),
  );
  for (const collection of collections.filter((c) => c.list.secured)) {
    const create = operations.find((o) => o.method === 'POST' && o.path === collection.list.path && o.body);
    for (const token of ['customer', 'other-customer'] as const) {
      for (let i = 0; create && i < perCustomer; i += 1) {
        const body = exampleValue(create.body!.schema, { fieldValues, valueCaps: {} }, '', i);
        const response = await call('POST', create.path, { token, body });
        if (response.status >= 300)
          throw new Error(
            `seeding: ${create.key} answered ${response.status}: ${JSON.stringify(response.body)}`,
          );
      }
      await collect(collection, token);
    }
  }
  return { pools, fieldValues };
}
