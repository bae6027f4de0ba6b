import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, errors } from '@elastic/elasticsearch';
import Mock from '@elastic/elasticsearch-mock';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain-JS ops command
const { bootstrap } = require('../elasticsearch/bootstrap.js') as {
  bootstrap(client: Client, prefix?: string): Promise<void>;
};

const DIR = path.resolve(__dirname, '../elasticsearch');
const load = (file: string) => JSON.parse(readFileSync(path.join(DIR, file), 'utf8'));

interface Call {
  method: string;
  path: string;
  body: any;
}

/** The bootstrap command against an Elasticsearch test double (@elastic/elasticsearch-mock): no server runs here. */
describe('Elasticsearch bootstrap (Elasticsearch test double: @elastic/elasticsearch-mock)', () => {
  function start() {
    const mock = new Mock();
    const calls: Call[] = [];
    const streams = new Set<string>();
    const record = (pattern: unknown) => {
      const { method, path: p, body } = pattern as Call;
      calls.push({ method, path: p, body });
      return { acknowledged: true };
    };
    mock.add({ method: 'PUT', path: '/_ilm/policy/:name' }, record);
    mock.add({ method: 'PUT', path: '/_component_template/:name' }, record);
    mock.add({ method: 'PUT', path: '/_index_template/:name' }, record);
    mock.add({ method: 'PUT', path: '/_data_stream/:name' }, (pattern) => {
      const { path: p } = pattern as Call;
      calls.push({ method: 'PUT', path: p, body: undefined });
      if (streams.has(p)) {
        return new errors.ResponseError({
          body: { error: { type: 'resource_already_exists_exception', reason: 'exists' } },
          statusCode: 400,
        } as never);
      }
      streams.add(p);
      return { acknowledged: true };
    });
    const client = new Client({ node: 'http://localhost:9200', Connection: mock.getConnection() });
    return { client, calls };
  }

  it('installs the ILM policies, the ECS mappings and data stream templates with the exact bodies, then the streams', async () => {
    const { client, calls } = start();
    await bootstrap(client, 'orders');
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'PUT /_ilm/policy/orders-logs',
      'PUT /_ilm/policy/orders-audit',
      'PUT /_component_template/orders-ecs',
      'PUT /_index_template/orders-logs',
      'PUT /_index_template/orders-audit',
      'PUT /_data_stream/orders-logs',
      'PUT /_data_stream/orders-audit',
    ]);
    expect(calls[0].body).toEqual({ policy: load('ilm-policy.logs.json') });
    expect(calls[0].body.policy.phases.hot.actions.rollover).toEqual({
      max_age: '1d',
      max_primary_shard_size: '50gb',
    });
    expect(calls[0].body.policy.phases.delete.min_age).toBe('30d');
    expect(calls[1].body).toEqual({ policy: load('ilm-policy.audit.json') });
    expect(calls[2].body).toEqual(load('component-template.ecs.json'));
    expect(calls[3].body).toEqual({
      index_patterns: ['orders-logs*'],
      data_stream: {},
      composed_of: ['orders-ecs'],
      priority: 200,
      template: { settings: { 'index.lifecycle.name': 'orders-logs', 'index.number_of_shards': 1 } },
      _meta: { managed_by: 'ops/elasticsearch/bootstrap.js' },
    });
    expect(calls[4].body.template.settings['index.lifecycle.name']).toBe('orders-audit');
  });

  it('is idempotent: a second run succeeds and leaves the existing streams alone', async () => {
    const { client, calls } = start();
    await bootstrap(client, 'shop');
    await expect(bootstrap(client, 'shop')).resolves.toBeUndefined();
    expect(calls.filter((c) => c.path === '/_data_stream/shop-logs')).toHaveLength(2);
  });

  it('maps every field the application writes with ECS types', () => {
    const fields = load('component-template.ecs.json').template.mappings.properties;
    for (const [field, type] of Object.entries({
      '@timestamp': 'date',
      'log.level': 'keyword',
      'service.name': 'keyword',
      'trace.id': 'keyword',
      'span.id': 'keyword',
      'event.dataset': 'keyword',
      'event.action': 'keyword',
      'order.id': 'keyword',
      'order.total': 'long',
      // The access line (libs/observability/src/logging/access-log.ts).
      'http.request.id': 'keyword',
      'http.request.method': 'keyword',
      'http.route': 'keyword',
      'http.response.status_code': 'long',
      'url.path': 'keyword',
      'event.duration': 'long',
      'client.address': 'keyword',
      'user_agent.original': 'keyword',
    })) {
      expect({ field, type: fields[field]?.type }).toEqual({ field, type });
    }
  });
});

describe('Kibana saved objects (importable NDJSON)', () => {
  const objects = readFileSync(path.resolve(__dirname, '../kibana/saved-objects.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

  it('has data views for the logs and audit streams and the four saved searches', () => {
    expect(objects.filter((o) => o.type === 'index-pattern').map((o) => o.attributes.title)).toEqual([
      'orders-logs*',
      'orders-audit*',
    ]);
    expect(objects.filter((o) => o.type === 'search').map((o) => o.attributes.title)).toEqual([
      'Errors by service',
      'Everything for one trace id',
      'Everything for one order id',
      'Audit events',
    ]);
  });

  it('queries fields the index template maps, through data views that exist', () => {
    const ids = new Set(objects.filter((o) => o.type === 'index-pattern').map((o) => o.id));
    const mapped = Object.keys(load('component-template.ecs.json').template.mappings.properties);
    for (const search of objects.filter((o) => o.type === 'search')) {
      const source = JSON.parse(search.attributes.kibanaSavedObjectMeta.searchSourceJSON);
      expect(source.query.language).toBe('kuery');
      const field = source.query.query.split(' ')[0];
      expect(mapped).toContain(field);
      for (const column of search.attributes.columns) expect(mapped).toContain(column);
      const [reference] = search.references;
      expect(reference).toMatchObject({ name: source.indexRefName, type: 'index-pattern' });
      expect(ids.has(reference.id)).toBe(true);
    }
  });
});
