import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadApiConfig } from '../../apps/api/src/config/api.config';
import { loadJobsConfig } from '../../apps/jobs/src/config/jobs.config';
import { loadWorkerConfig } from '../../apps/worker/src/config/worker.config';
import { logDatasets } from '../../libs/observability/src/logging/log-names';
import { resolveObservabilityOptions } from '../../libs/observability/src/observability.options';
import { dataStreamsSearchedBy } from '../../test/support/fake-elasticsearch';
import { REPO_ROOT } from '../../tooling/repo-root';

const objects: any[] = readFileSync(path.join(REPO_ROOT, 'ops/kibana/saved-objects.ndjson'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));
const dataView = (id: string) => objects.find((o) => o.type === 'index-pattern' && o.id === id);
const ecsFields = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'ops/elasticsearch/component-template.ecs.json'), 'utf8'),
).template.mappings.properties;

const readYaml = (file: string) => parse(readFileSync(path.join(REPO_ROOT, file), 'utf8'), { merge: true });

/**
 * The data streams each deployed process ships its lines and audit events to, named as the log shipping
 * names them (`resolveObservabilityOptions`, then `logDatasets`) from the configuration its own loader
 * reads: compose's API and worker, and the Kubernetes API, worker and reconcile job (ConfigMap, then the
 * container's variables; the database URL, a Secret there, is a stand-in).
 */
function deployedLogStreams() {
  const compose = readYaml('docker-compose.yml').services;
  const configMap = readYaml('ops/k8s/base/config.yaml').data;
  const podEnv = (file: string) => {
    const workload = readYaml(`ops/k8s/base/${file}`);
    const pod = workload.spec.template?.spec ?? workload.spec.jobTemplate.spec.template.spec;
    const own = pod.containers[0].env
      .filter((v: any) => v.value !== undefined)
      .map((v: any) => [v.name, v.value]);
    return {
      ...configMap,
      DATABASE_URL: 'postgresql://orders@postgres:5432/orders',
      ...Object.fromEntries(own),
    };
  };
  const processes = [
    ['compose api', loadApiConfig(compose.api.environment)],
    ['compose worker', loadWorkerConfig(compose.worker.environment)],
    ['Kubernetes API', loadApiConfig(podEnv('api-deployment.yaml'))],
    ['Kubernetes worker', loadWorkerConfig(podEnv('worker-deployment.yaml'))],
    ['Kubernetes reconcile job', loadJobsConfig(podEnv('reconcile-cronjob.yaml'))],
  ] as const;
  return processes.map(([where, config]) => {
    const options = resolveObservabilityOptions({
      serviceName: config.service.name,
      logging: config.logging,
    });
    const streams = logDatasets(options.serviceName, options.logging.elasticsearch!.indexPrefix);
    return { where, service: options.serviceName, logs: streams.app.index, audit: streams.audit.index };
  });
}

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
