import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile } from './stats';

/** One request of a measured call: where, and with which headers (its caller's token, an `Accept`). */
export interface Target {
  url: string;
  headers?: Record<string, string>;
}

export interface SampleSettings {
  /** Requests sent first and not counted. */
  warmup: number;
  /** Requests timed. */
  samples: number;
  /** Stops taking samples after this long (a slow call at a large size), once it has `minSamples`. */
  maxSeconds: number;
  minSamples: number;
}

/** A call's latencies at one size, in ms. */
export interface Latency {
  p50: number;
  p99: number;
  samples: number;
}

/** p50 and p99 of `samples` (ms), nearest rank. */
export function latencyOf(samples: number[]): Latency {
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), samples: samples.length };
}

/**
 * Sends GETs to `targets` in turn, one at a time on one keep-alive connection (one client waiting for each
 * answer), and returns each timed request's duration in ms, from the request to the last byte of the
 * answer. Any answer but 200 fails the measurement, naming the URL and the answer.
 */
export async function timeGets(targets: readonly Target[], settings: SampleSettings): Promise<number[]> {
  if (targets.length === 0) throw new Error('nothing to request');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    let next = 0;
    const send = () => timedGet(targets[next++ % targets.length], agent);
    for (let i = 0; i < settings.warmup; i += 1) await send();
    const samples: number[] = [];
    const deadline = performance.now() + settings.maxSeconds * 1000;
    while (
      samples.length < settings.samples &&
      (samples.length < settings.minSamples || performance.now() < deadline)
    )
      samples.push(await send());
    return samples;
  } finally {
    agent.destroy();
  }
}

/** Times `run` `count` times after `warmup` untimed runs, one after the other; durations in ms. */
export async function timeRuns(
  run: () => Promise<unknown>,
  settings: Pick<SampleSettings, 'warmup' | 'samples'>,
): Promise<number[]> {
  for (let i = 0; i < settings.warmup; i += 1) await run();
  const samples: number[] = [];
  for (let i = 0; i < settings.samples; i += 1) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return samples;
}

function timedGet(target: Target, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(target.url, { agent, headers: target.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const ms = performance.now() - started;
        if (response.statusCode === 200) resolve(ms);
        else
          reject(
            new Error(
              `GET ${new URL(target.url).pathname}${new URL(target.url).search} answered ${response.statusCode}: ` +
                Buffer.concat(chunks).toString('utf8').slice(0, 500),
            ),
          );
      });
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
