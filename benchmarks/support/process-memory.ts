import { readFileSync } from 'node:fs';
import { parseExposition, valueOf } from '../../tooling/prometheus-text';

/** A process's memory at one moment, in bytes: resident set (the OS's view) and V8 heap in use. */
export interface MemorySample {
  rssBytes: number;
  heapUsedBytes: number | null;
}

/** Resident set size from /proc/<pid>/status (VmRSS); null where /proc is missing. */
export function residentSetBytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** RSS from /proc, heap from the process's own `/metrics` (`nodejs_heap_size_used_bytes`) when it has one. */
export async function memoryOf(pid: number | undefined, metricsUrl?: string): Promise<MemorySample | null> {
  const rssBytes = residentSetBytes(pid);
  if (rssBytes === null) return null;
  let heapUsedBytes: number | null = null;
  if (metricsUrl) {
    try {
      const exposition = parseExposition(await (await fetch(metricsUrl)).text());
      heapUsedBytes = valueOf(exposition, 'nodejs_heap_size_used_bytes', {});
    } catch {
      heapUsedBytes = null;
    }
  }
  return { rssBytes, heapUsedBytes };
}

/** Least-squares slope of `values` over `times` (units of value per unit of time). */
export function slope(times: number[], values: number[]): number {
  const n = times.length;
  if (n < 2) return 0;
  const meanT = times.reduce((a, b) => a + b, 0) / n;
  const meanV = values.reduce((a, b) => a + b, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (let i = 0; i < n; i += 1) {
    covariance += (times[i] - meanT) * (values[i] - meanV);
    variance += (times[i] - meanT) ** 2;
  }
  return variance === 0 ? 0 : covariance / variance;
}
