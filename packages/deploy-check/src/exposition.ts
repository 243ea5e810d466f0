/** The series a metric family of each type exposes, beyond its own name. */
const FAMILY_SUFFIXES: Record<string, string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

/**
 * Every metric name a Prometheus text exposition offers to PromQL: each family declared by `# TYPE` (with the
 * `_bucket`/`_sum`/`_count` series of histograms and summaries), so a labelled metric that has no sample yet still
 * counts, and the name of every sample line.
 */
export function exportedMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const declared = /^# TYPE (\S+) (\S+)/.exec(line);
    if (declared) {
      const [, name, type] = declared as unknown as [string, string, string];
      names.add(name);
      for (const suffix of FAMILY_SUFFIXES[type] ?? []) names.add(`${name}${suffix}`);
      continue;
    }
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)[{\s]/.exec(line);
    if (sample?.[1]) names.add(sample[1]);
  }
  return names;
}
