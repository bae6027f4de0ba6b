import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from '../../tooling/free-port';
import { requireServer } from '../../tooling/real-servers';
import { startServerProcess } from '../../tooling/processes';
import { REPO_ROOT } from '../../tooling/repo-root';

const PROMETHEUS_DIR = path.join(REPO_ROOT, 'ops/prometheus');

/**
 * Flags of every Prometheus these helpers start, beside its configuration, storage and address: exemplar
 * storage, which Prometheus 3 still keeps behind a feature flag (the compose service enables it too), so
 * that exemplars scraped from the apps can be queried (`/api/v1/query_exemplars`).
 */
export const PROMETHEUS_FEATURE_FLAGS: readonly string[] = ['--enable-feature=exemplar-storage'];

export interface RunningPrometheus {
  /** `http://127.0.0.1:<port>`, for the helpers of prometheus-api.ts. */
  url: string;
  /** The configuration it runs, as written to its temporary folder. */
  config: any;
  /** Stops Prometheus and removes its configuration and data. */
  stop(): Promise<void>;
}

export interface ProjectPrometheusOptions {
  /**
   * Keep the shipped `alerting` block, its Alertmanager targets replaced by these `host:port`s (everything
   * else in it as shipped). Without: the block is removed, and no alert leaves Prometheus.
   */
  alertmanagers?: string[];
  /**
   * `every-second` (default): copies of the rule files whose every group runs each second. `shipped`: the
   * rule files as they are, a group with its own `interval` at that interval, the others at the global
   * evaluation interval (one second here).
   */
  ruleFiles?: 'every-second' | 'shipped';
}

/**
 * A real Prometheus 3 running the compose configuration (ops/prometheus/prometheus.yml, its rule files
 * included) with the jobs of `targets` only, pointed at this run's processes (a job may list several
 * replicas), scraping and evaluating every second (the `global` block rewritten). Alertmanagers only when
 * `options.alertmanagers` names them.
 */
export async function startProjectPrometheus(
  targets: Record<string, string[]>,
  options: ProjectPrometheusOptions = {},
): Promise<RunningPrometheus> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'prometheus-'));
  try {
    const port = await freePort();
    const config = parse(readFileSync(path.join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8'));
    const jobs = config.scrape_configs.filter((job: any) => targets[job.job_name]);
    const unknown = Object.keys(targets).filter((name) => !jobs.some((job: any) => job.job_name === name));
    if (unknown.length > 0) throw new Error(`prometheus.yml has no job ${unknown.join(', ')}`);
    config.global = {
      ...config.global,
      scrape_interval: '1s',
      scrape_timeout: '1s',
      evaluation_interval: '1s',
    };
    if (options.alertmanagers) {
      const [alertmanager, ...others] = config.alerting.alertmanagers;
      if (others.length > 0 || alertmanager.static_configs.length !== 1)
        throw new Error('prometheus.yml: one Alertmanager with static targets expected');
      alertmanager.static_configs = [{ ...alertmanager.static_configs[0], targets: options.alertmanagers }];
    } else {
      delete config.alerting;
    }
    config.scrape_configs = jobs.map((job: any) => ({
      ...job,
      static_configs: [{ targets: targets[job.job_name] }],
    }));
    config.rule_files = (config.rule_files as string[]).map((file) => {
      if (options.ruleFiles === 'shipped') return path.join(PROMETHEUS_DIR, file);
      // Rule groups may run at their own interval (15 s); make them run every second for the test.
      const rules = parse(readFileSync(path.join(PROMETHEUS_DIR, file), 'utf8'));
      for (const group of rules.groups) group.interval = '1s';
      const copy = path.join(workDir, path.basename(file));
      writeFileSync(copy, stringify(rules));
      return copy;
    });
    writeFileSync(path.join(workDir, 'prometheus.yml'), stringify(config));
    const url = `http://127.0.0.1:${port}`;
    const server = await startServerProcess(
      requireServer('prometheus'),
      [
        `--config.file=${path.join(workDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(workDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        ...PROMETHEUS_FEATURE_FLAGS,
      ],
      { readyUrl: `${url}/-/ready` },
    );
    return {
      url,
      config,
      async stop() {
        await server.stop();
        rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
}
