import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadApiConfig } from '../../apps/api/src/config/api.config';
import { loadJobsConfig } from '../../apps/jobs/src/config/jobs.config';
import { loadWorkerConfig } from '../../apps/worker/src/config/worker.config';
import { logDatasets } from '../../libs/observability/src/logging/log-names';
import { resolveObservabilityOptions } from '../../libs/observability/src/observability.options';
import { REPO_ROOT } from '../../tooling/repo-root';

const readYaml = (file: string) => parse(readFileSync(path.join(REPO_ROOT, file), 'utf8'), { merge: true });

/**
 * The data streams each deployed process ships its lines and audit events to, named as the log shipping
 * names them (`resolveObservabilityOptions`, then `logDatasets`) from the configuration its own loader
 * reads: compose's API and worker, and the Kubernetes API, worker and reconcile job (ConfigMap, then the
 * container's variables; the database URL, a Secret there, is a stand-in).
 */
export function deployedLogStreams() {
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
