import { register, type Metric, type Registry } from 'prom-client';

/** The label sets of a metric's series (a histogram's `le` left out, so one set per series). */
async function seriesOf(metric: Metric): Promise<Array<Record<string, string | number>>> {
  const sets = new Map<string, Record<string, string | number>>();
  for (const { labels } of (await metric.get()).values) {
    const { le: _bucket, ...series } = labels as Record<string, string | number>;
    sets.set(JSON.stringify(series), series);
  }
  return [...sets.values()];
}

const present = (names: readonly string[], registry: Registry): Metric[] =>
  names.flatMap((name) => registry.getSingleMetric(name) ?? []);

/**
 * The values `label` takes in the series of the named metrics that this process has registered (others are
 * skipped). For metrics whose series are written by the process, not computed at scrape: reading a
 * metric with a `collect` function runs it.
 */
export async function seriesLabelValues(
  names: readonly string[],
  label: string,
  registry: Registry = register,
): Promise<Set<string>> {
  const values = new Set<string>();
  for (const metric of present(names, registry))
    for (const series of await seriesOf(metric)) if (label in series) values.add(String(series[label]));
  return values;
}

/**
 * Removes, from the named metrics, every series whose `label` is one of `values` (e.g. the series of a
 * deleted resource, so that `/metrics` stops exporting them). Resolves with how many series went.
 */
export async function removeSeries(
  names: readonly string[],
  label: string,
  values: ReadonlySet<string>,
  registry: Registry = register,
): Promise<number> {
  let removed = 0;
  for (const metric of present(names, registry)) {
    for (const series of await seriesOf(metric)) {
      if (!values.has(String(series[label]))) continue;
      metric.remove(series);
      removed++;
    }
  }
  return removed;
}
