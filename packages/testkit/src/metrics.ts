/** Sum of the samples of `name` whose labels include every one of `labels`, in a Prometheus text exposition. */
export function sumMetricSamples(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Scrapes `http://127.0.0.1:port/metrics` and sums the samples of one metric (0 when absent). */
export async function scrapeMetric(port: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  return sumMetricSamples(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), name, labels);
}
