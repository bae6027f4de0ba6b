import { Agent, get } from 'node:http';
import { performance } from 'node:perf_hooks';
import { freePort } from '../tooling/free-port';
import { launchTypeScript, waitUntilReady, type LaunchedProcess } from '../tooling/processes';
import type { BenchResult, Log, RunSettings } from './support/report';
import { median, percentile } from './support/stats';
import { benchChild, Teardown } from './support/teardown';
import type { BenchMessage, TargetMessage } from './targets/metrics-registry.server';

const SERIES = 10_000;
const SCRAPE_INTERVAL_MS = 15_000;
const FORMATS = {
  text: 'text/plain;version=0.0.4;q=1,*/*;q=0.1',
  openMetrics: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5',
} as const;
type Format = keyof typeof FORMATS;

/**
 * d. The cost of one `/metrics` scrape with 10,000 series: the real metrics server of libs/observability
 * in a child process, scraped over HTTP in both formats, against prom-client's bare `registry.metrics()`
 * on the same metric objects (timed inside that process), and against Prometheus' 15 s scrape interval.
 */
export async function metricsScrape(settings: RunSettings, log: Log): Promise<BenchResult> {
  const teardown = new Teardown();
  try {
    const port = await freePort();
    const target = launchTypeScript('benchmarks/targets/metrics-registry.server.ts', {
      env: { PORT: String(port), SERIES: String(SERIES) },
      ipc: true,
      ...benchChild(teardown),
    });
    const ready = await nextMessage(target, 'ready');
    const url = `http://127.0.0.1:${port}/metrics`;
    await waitUntilReady(target, { url });
    const scrapes = settings.quick ? 30 : 300;

    const bytes: Record<Format, number> = { text: 0, openMetrics: 0 };
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    teardown.defer('close the scrape connection', () => agent.destroy());
    const scrape = async (format: Format): Promise<number> => {
      const { ms, status, size } = await timedGet(url, FORMATS[format], agent);
      if (status !== 200) throw new Error(`${url} answered ${status}`);
      bytes[format] = size;
      return ms;
    };
    for (let i = 0; i < Math.ceil(scrapes / 10); i += 1)
      for (const format of ['text', 'openMetrics'] as const) await scrape(format);
    const http: Record<Format, number[]> = { text: [], openMetrics: [] };
    for (let i = 0; i < scrapes; i += 1)
      for (const format of i % 2 === 0
        ? (['text', 'openMetrics'] as const)
        : (['openMetrics', 'text'] as const))
        http[format].push(await scrape(format));
    log(
      `${ready.series.toLocaleString('en-US')} series; ${scrapes} scrapes per format over HTTP done, timing in-process renderings…`,
    );
    target.child.send?.({ type: 'time', iterations: scrapes } satisfies BenchMessage);
    const { ms } = await nextMessage(target, 'timings');
    const bareMs: Record<Format, number[]> = { text: ms.bareText, openMetrics: ms.bareOpenMetrics };
    const libraryMs: Record<Format, number[]> = { text: ms.libraryText, openMetrics: ms.libraryOpenMetrics };

    const ratios = (['text', 'openMetrics'] as const).flatMap((format) => [
      {
        name: `${label(format)}: HTTP scrape / bare registry.metrics()`,
        value: median(http[format]) / median(bareMs[format]),
      },
      {
        name: `${label(format)}: scrape time / 15 s scrape interval`,
        value: median(http[format]) / SCRAPE_INTERVAL_MS,
      },
    ]);
    const figures = (['text', 'openMetrics'] as const).flatMap((format) => [
      { name: `${label(format)}: HTTP scrape median`, value: median(http[format]), unit: 'ms' },
      { name: `${label(format)}: HTTP scrape p99`, value: percentile(http[format], 99), unit: 'ms' },
      { name: `${label(format)}: bare registry.metrics() median`, value: median(bareMs[format]), unit: 'ms' },
      {
        name: `${label(format)}: bare registry.metrics() p99`,
        value: percentile(bareMs[format], 99),
        unit: 'ms',
      },
      {
        name: `${label(format)}: renderMetrics() in-process median`,
        value: median(libraryMs[format]),
        unit: 'ms',
      },
      { name: `${label(format)}: body`, value: bytes[format] / 1024, unit: 'KiB' },
    ]);
    return {
      id: 'd',
      title: '/metrics scrape',
      settings: { series: ready.series, scrapes: `${scrapes} per format` },
      ratios,
      figures: [{ name: 'series exposed', value: ready.series, unit: '' }, ...figures],
      notes: [],
      rounds: [{ http, bare: bareMs, library: libraryMs, bytes }],
    };
  } finally {
    await teardown.close();
  }
}

/**
 * One GET, timed from the request to the last byte of the body. The body is counted, not kept or
 * decoded, so the scraper's own work barely shows (Prometheus parses elsewhere).
 */
function timedGet(
  url: string,
  accept: string,
  agent: Agent,
): Promise<{ ms: number; status: number; size: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    get(url, { agent, headers: { accept } }, (response) => {
      let size = 0;
      response.on('data', (chunk: Buffer) => (size += chunk.length));
      response.on('end', () =>
        resolve({ ms: performance.now() - started, status: response.statusCode ?? 0, size }),
      );
      response.on('error', reject);
    }).on('error', reject);
  });
}

function label(format: Format): string {
  return format === 'text' ? 'text format' : 'OpenMetrics';
}

function nextMessage<T extends TargetMessage['type']>(
  child: LaunchedProcess,
  type: T,
  timeoutMs = 120_000,
): Promise<Extract<TargetMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no "${type}" from the metrics target within ${timeoutMs} ms:\n${child.output()}`));
    }, timeoutMs);
    const onMessage = (message: TargetMessage) => {
      if (message.type !== type) return;
      cleanup();
      resolve(message as Extract<TargetMessage, { type: T }>);
    };
    const onExit = () => {
      cleanup();
      reject(new Error(`the metrics target exited:\n${child.output()}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.child.off('message', onMessage);
      child.child.off('exit', onExit);
    };
    child.child.on('message', onMessage);
    child.child.once('exit', onExit);
  });
}
