import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A Prometheus registry with the process metrics (RSS, CPU, event-loop lag) and every name prefixed `collector_`. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'collector_' });
  return registry;
}

/** A counter registered in `registry`. */
export function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** A gauge registered in `registry`; `read`, when given, sets it from live state at every scrape. */
export function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[] = [], read?: () => number): Gauge<L> {
  if (read === undefined) return new Gauge({ name, help, labelNames, registers: [registry] });
  return new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
