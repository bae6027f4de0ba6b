import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from '../../tooling/free-port';
import { requireServer } from '../../tooling/real-servers';
import { startServerProcess } from '../../tooling/processes';
import { REPO_ROOT } from '../../tooling/repo-root';

const PROMETHEUS_DIR = path.join(REPO_ROOT, 'ops/prometheus');

export interface RunningPrometheus {
  /** `http://127.0.0.1:<port>`, for the helpers of prometheus-api.ts. */
  url: string;
  /** Stops Prometheus and removes its configuration and data. */
  stop(): Promise<void>;
}

/**
 * A real Prometheus 3 running the compose configuration (ops/prometheus/prometheus.yml, its rule files
 * included) with the jobs of `targets` only, pointed at this run's processes (a job may list several
 * replicas), scraping and evaluating every second. No Alertmanager.
 */
export async function startProjectPrometheus(targets: Record<string, string[]>): Promise<RunningPrometheus> {
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
    delete config.alerting;
    config.scrape_configs = jobs.map((job: any) => ({
      ...job,
      static_configs: [{ targets: targets[job.job_name] }],
    }));
    // Rule groups run at their own interval (15 s); make them run every second for the test.
    config.rule_files = (config.rule_files as string[]).map((file) => {
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
      ],
      { readyUrl: `${url}/-/ready` },
    );
    return {
      url,
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
