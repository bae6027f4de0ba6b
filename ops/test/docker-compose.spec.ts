import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadApiConfig } from '../../apps/api/src/config/api.config';
import { loadWorkerConfig } from '../../apps/worker/src/config/worker.config';
import { REPO_ROOT } from '../../tooling/repo-root';

const compose = parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
const services = compose.services as Record<string, any>;
const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const prometheus = parse(readFileSync(path.join(REPO_ROOT, 'ops/prometheus/prometheus.yml'), 'utf8'));
const datasources = parse(
  readFileSync(path.join(REPO_ROOT, 'ops/grafana/provisioning/datasources/datasources.yml'), 'utf8'),
).datasources;

/** `host:port` pairs a service listens on inside the compose network, from its published ports. */
function containerPorts(service: any): number[] {
  return (service.ports ?? []).map((p: string) => Number(String(p).split(':').pop()));
}

describe('docker-compose.yml (checked structurally: no Docker engine runs here)', () => {
  it('brings up every component of the stack', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'alertmanager',
        'api',
        'elasticsearch',
        'elasticsearch-bootstrap',
        'grafana',
        'jaeger',
        'kibana',
        'kibana-saved-objects',
        'otel-collector',
        'postgres',
        'postgres-exporter',
        'prometheus',
        'pushgateway',
        'redis',
        'temporal',
        'worker',
      ].sort(),
    );
  });

  it('mounts only files that exist (secrets excepted: created locally, never committed)', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = String(volume).split(':')[0];
        if (!source.startsWith('./') || source.startsWith('./.secrets/')) continue;
        expect({ service: name, source, exists: existsSync(path.join(REPO_ROOT, source)) }).toEqual({
          service: name,
          source,
          exists: true,
        });
      }
    }
    expect(readFileSync(path.join(REPO_ROOT, '.gitignore'), 'utf8')).toContain('.secrets/');
  });

  it('gives the API and the worker configurations their own loaders accept, with the ports Prometheus scrapes', () => {
    const api = loadApiConfig(services.api.environment);
    const worker = loadWorkerConfig(services.worker.environment);
    const targets = Object.fromEntries(
      prometheus.scrape_configs.map((job: any) => [job.job_name, job.static_configs[0].targets[0]]),
    );
    expect(targets['orders-api']).toBe(`api:${api.metricsPort}`);
    expect(targets['orders-worker']).toBe(`worker:${worker.metricsPort}`);
    expect(targets['temporal-sdk']).toBe(`worker:${worker.temporal.sdkMetricsAddress.split(':')[1]}`);
    expect(containerPorts(services.api)).toEqual(expect.arrayContaining([api.port, api.metricsPort]));
    expect(api.engine).toMatchObject({ type: 'temporal', address: 'temporal:7233' });
    expect(worker.temporal.address).toBe('temporal:7233');
    // The replicas share one rate limit count, in the compose network's Redis.
    expect(api.orderRateLimitStore).toMatchObject({ kind: 'redis', url: 'redis://redis:6379/0' });
  });

  it('wires Prometheus, Alertmanager and Grafana to services that exist on the ports they serve', () => {
    const serviceOf = (target: string) => target.split(':')[0];
    for (const job of prometheus.scrape_configs) {
      const [host, port] = job.static_configs[0].targets[0].split(':');
      if (host === 'localhost') continue;
      expect(services[host]).toBeDefined();
      expect(containerPorts(services[host])).toContain(Number(port));
    }
    const alertmanager = prometheus.alerting.alertmanagers[0].static_configs[0].targets[0];
    expect(containerPorts(services[serviceOf(alertmanager)])).toContain(Number(alertmanager.split(':')[1]));
    for (const source of datasources) {
      const url = new URL(source.url);
      expect(containerPorts(services[url.hostname])).toContain(Number(url.port));
    }
    expect(services.prometheus.command).toEqual(
      expect.arrayContaining(['--storage.tsdb.retention.time=15d', '--enable-feature=exemplar-storage']),
    );
  });

  it('health-checks every long-running service others depend on', () => {
    for (const name of [
      'postgres',
      'temporal',
      'redis',
      'api',
      'worker',
      'pushgateway',
      'prometheus',
      'alertmanager',
      'grafana',
      'elasticsearch',
      'kibana',
    ]) {
      expect({ name, healthcheck: Boolean(services[name].healthcheck?.test) }).toEqual({
        name,
        healthcheck: true,
      });
    }
  });
});

describe('docker-compose.yml: Elasticsearch and Kibana set up by one-shot services', () => {
  const bootstrap = services['elasticsearch-bootstrap'];
  const kibanaImport = services['kibana-saved-objects'];
  const packageJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));

  it('runs both once, never restarted', () => {
    expect(bootstrap.restart).toBe('no');
    expect(kibanaImport.restart).toBe('no');
  });

  it('bootstraps the data streams with ops/elasticsearch/bootstrap.js, from the runtime image (its client installed), once Elasticsearch is healthy', () => {
    expect(bootstrap.build).toEqual({ context: '.', target: 'runtime' });
    expect(dockerfile).toMatch(/^FROM \S+ AS runtime$/m);
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(Object.keys(packageJson.dependencies)).toContain('@elastic/elasticsearch');
    expect(bootstrap.command).toEqual(['node', 'ops/elasticsearch/bootstrap.js']);
    expect(bootstrap.volumes).toContain('./ops/elasticsearch:/app/ops/elasticsearch:ro');
    expect(existsSync(path.join(REPO_ROOT, 'ops/elasticsearch/bootstrap.js'))).toBe(true);
    expect(bootstrap.depends_on).toEqual({ elasticsearch: { condition: 'service_healthy' } });
    const url = new URL(bootstrap.environment.ELASTICSEARCH_URL);
    expect(containerPorts(services[url.hostname])).toContain(Number(url.port));
  });

  it('starts every process that ships logs after the bootstrap succeeded, into the streams it created', () => {
    const shippers = Object.entries(services).filter(
      ([name, service]) => name !== 'elasticsearch-bootstrap' && service.environment?.ELASTICSEARCH_URL,
    );
    expect(shippers.map(([name]) => name).sort()).toEqual(['api', 'worker']);
    const configs = {
      api: loadApiConfig(services.api.environment),
      worker: loadWorkerConfig(services.worker.environment),
    };
    for (const [name, config] of Object.entries(configs)) {
      expect({ name, dependency: services[name].depends_on['elasticsearch-bootstrap'] }).toEqual({
        name,
        dependency: { condition: 'service_completed_successfully' },
      });
      expect({ name, shipsTo: config.logging.elasticsearch }).toEqual({
        name,
        shipsTo: {
          url: bootstrap.environment.ELASTICSEARCH_URL,
          indexPrefix: bootstrap.environment.ELASTICSEARCH_INDEX_PREFIX,
        },
      });
    }
  });

  it('health-checks Kibana on /api/status and imports the saved objects once it is healthy', () => {
    expect(services.kibana.healthcheck.test.join(' ')).toContain('http://127.0.0.1:5601/api/status');
    expect(containerPorts(services.kibana)).toContain(5601);
    expect(kibanaImport.depends_on).toEqual({ kibana: { condition: 'service_healthy' } });
    expect(kibanaImport.image).toBe(services.kibana.image);
    expect(kibanaImport.volumes).toEqual(['./ops/kibana:/saved-objects:ro']);
    const script = [kibanaImport.entrypoint, kibanaImport.command].flat().join(' ');
    expect(script).toContain(`'http://kibana:5601/api/saved_objects/_import?overwrite=true'`);
    expect(script).toContain(`-H 'kbn-xsrf: true' --form file=@/saved-objects/saved-objects.ndjson`);
    expect(script).toContain(`grep -q '"success":true'`);
    expect(existsSync(path.join(REPO_ROOT, 'ops/kibana/saved-objects.ndjson'))).toBe(true);
  });

  it('makes nothing but the import wait for Kibana', () => {
    const waiting = Object.entries(services)
      .filter(([, service]) => Object.keys(service.depends_on ?? {}).some((d) => d.startsWith('kibana')))
      .map(([name]) => name);
    expect(waiting).toEqual(['kibana-saved-objects']);
  });
});

describe('Dockerfile', () => {
  it('builds in stages and runs api, worker and jobs images as an unprivileged user', () => {
    const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
    expect(stages).toEqual(['build', 'production-dependencies', 'runtime', 'api', 'worker', 'jobs']);
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    for (const target of ['api', 'worker']) expect(services[target].build).toEqual({ context: '.', target });
    expect(dockerfile).toMatch(/^EXPOSE 3000 9464$/m);
    expect(dockerfile).toMatch(/^EXPOSE 9465 9466$/m);
  });

  it('builds on the Node.js release the project pins', () => {
    const pinned = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).devDependencies
      .node;
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${pinned.replace(/\./g, '\\.')}-`, 'm'));
    expect(readFileSync(path.join(REPO_ROOT, '.nvmrc'), 'utf8').trim()).toBe(pinned);
  });
});

describe('docker-compose.yml: every span through the OpenTelemetry Collector', () => {
  const collector = services['otel-collector'];
  const configFile = 'ops/otel-collector/config.yaml';
  const configText = readFileSync(path.join(REPO_ROOT, configFile), 'utf8');
  /** The configuration's `${env:NAME:-default}` references: each name with its default (undefined: none). */
  const references = new Map(
    [...configText.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g)].map((m) => [m[1], m[2]]),
  );
  const defaultPort = (name: string) => Number(references.get(name)!.split(':').pop());

  it("runs the contrib Collector of Jaeger's collector-contrib release, ops/otel-collector/config.yaml mounted as it is", () => {
    expect(collector.image).toBe('otel/opentelemetry-collector-contrib:0.140.1');
    const [source, target, mode] = String(collector.volumes[0]).split(':');
    expect({ source, mode }).toEqual({ source: `./${configFile}`, mode: 'ro' });
    expect(collector.command).toEqual([`--config=${target}`]);
    // Every variable without a default is set: the file is used unchanged.
    for (const [name, fallback] of references)
      if (fallback === undefined)
        expect({ name, set: name in collector.environment }).toEqual({ name, set: true });
  });

  it('takes every span of the API and the worker, on the port its OTLP/HTTP receiver listens on', () => {
    for (const name of ['api', 'worker']) {
      const env = services[name].environment;
      const endpoint = new URL(env.OTEL_EXPORTER_OTLP_ENDPOINT);
      expect({ name, host: endpoint.hostname, port: Number(endpoint.port) }).toEqual({
        name,
        host: 'otel-collector',
        port: defaultPort('COLLECTOR_OTLP_HTTP_ENDPOINT'),
      });
      // Head sampling keeps everything: the Collector decides.
      expect({ name, sampler: env.OTEL_TRACES_SAMPLER, ratio: env.OTEL_TRACES_SAMPLER_ARG }).toEqual({
        name,
        sampler: 'parentbased_always_on',
        ratio: undefined,
      });
    }
    expect(containerPorts(collector)).toEqual(
      expect.arrayContaining([
        defaultPort('COLLECTOR_OTLP_GRPC_ENDPOINT'),
        defaultPort('COLLECTOR_OTLP_HTTP_ENDPOINT'),
        Number(references.get('COLLECTOR_TELEMETRY_PORT')),
      ]),
    );
  });

  it('exports to the compose Jaeger, on a port Jaeger listens on', () => {
    const jaeger = new URL(collector.environment.JAEGER_OTLP_ENDPOINT);
    expect(jaeger.hostname).toBe('jaeger');
    expect(containerPorts(services.jaeger)).toContain(Number(jaeger.port));
    expect(collector.depends_on).toEqual({ jaeger: { condition: 'service_started' } });
  });
});
