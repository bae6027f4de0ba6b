import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dataStreamsSearchedBy } from '../../test/support/fake-elasticsearch';
import { REPO_ROOT } from '../../tooling/repo-root';
import { deployedLogStreams } from './deployed-log-streams';

const objects: any[] = readFileSync(path.join(REPO_ROOT, 'ops/kibana/saved-objects.ndjson'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));
const dataView = (id: string) => objects.find((o) => o.type === 'index-pattern' && o.id === id);
const ecsFields = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'ops/elasticsearch/component-template.ecs.json'), 'utf8'),
).template.mappings.properties;

describe('Kibana data views read the data streams every deployed process ships to', () => {
  const processes = deployedLogStreams();
  const every = processes.flatMap((p) => [p.logs, p.audit]);
  const views = [
    ['orders-logs', 'logs'],
    ['orders-audit', 'audit'],
  ] as const;

  it('covers the API, the worker and the jobs, in compose and Kubernetes', () => {
    expect(new Set(processes.map((p) => p.service))).toEqual(
      new Set(['orders-api', 'orders-worker', 'orders-jobs']),
    );
  });

  it.each(processes.flatMap((p) => views.map(([id, stream]) => [id, p.where, p.service, p[stream]])))(
    'data view %s: %s (%s) ships to %s, which it searches',
    (id, _where, _service, stream) => {
      expect(dataStreamsSearchedBy(dataView(id).attributes.title, every)).toContain(stream);
    },
  );

  it.each(views)('data view %s searches its own kind of stream only (%s)', (id, stream) => {
    expect(dataStreamsSearchedBy(dataView(id).attributes.title, every).sort()).toEqual(
      [...new Set(processes.map((p) => p[stream]))].sort(),
    );
  });

  it.each(views)('data view %s filters time on a field the index template maps as a date', (id) => {
    const field = dataView(id).attributes.timeFieldName;
    expect(field).toBe('@timestamp');
    expect(ecsFields[field].type).toBe('date');
  });

  it('finds one trace’s lines in the logs data view, by the keyword trace.id', () => {
    const search = objects.find((o) => o.type === 'search' && o.id === 'orders-one-trace');
    const source = JSON.parse(search.attributes.kibanaSavedObjectMeta.searchSourceJSON);
    expect(source.query.query).toMatch(/^trace\.id : "<trace id>"$/);
    expect(ecsFields['trace.id'].type).toBe('keyword');
    expect(search.references).toEqual([
      { name: source.indexRefName, type: 'index-pattern', id: 'orders-logs' },
    ]);
  });
});
