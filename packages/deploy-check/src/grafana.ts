/** A Grafana data source reference as panels and targets carry it. */
export interface DatasourceRef {
  type?: string;
  uid?: string;
}

/** One query of a panel: PromQL in `expr`, SQL in `rawSql`. */
export interface DashboardTarget {
  refId?: string;
  datasource?: DatasourceRef;
  expr?: string;
  rawSql?: string;
}

/** A dashboard panel; rows carry their collapsed panels in `panels`. */
export interface DashboardPanel {
  id?: number;
  type: string;
  title?: string;
  datasource?: DatasourceRef;
  targets?: DashboardTarget[];
  panels?: DashboardPanel[];
}

/** A template variable; a `query` variable's query runs on its data source. */
export interface DashboardVariable {
  name: string;
  type: string;
  datasource?: DatasourceRef;
  query?: string | { query?: string };
}

/** The parts of a Grafana dashboard JSON model the checks read. */
export interface Dashboard {
  uid?: string;
  title?: string;
  panels: DashboardPanel[];
  templating?: { list?: DashboardVariable[] };
}

/** A query with where it sits, for failure messages, and the data source it runs on (its own, else its panel's). */
export interface LocatedQuery {
  /** The panel's title. */
  panel: string;
  where: string;
  datasource: DatasourceRef | undefined;
  target: DashboardTarget;
}

/** Every panel, rows' nested panels included. */
export function allPanels(dashboard: Dashboard): DashboardPanel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? []).flatMap((inner) => allPanels({ panels: [inner] }))]);
}

/** Every panel query, with the data source it runs on. */
export function allQueries(dashboard: Dashboard): LocatedQuery[] {
  return allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel: panel.title ?? '', where: `panel "${panel.title}" query ${target.refId ?? '?'}`, datasource: target.datasource ?? panel.datasource, target })),
  );
}

/** The query text of a template variable. */
export const variableQuery = (variable: DashboardVariable): string | undefined =>
  typeof variable.query === 'string' ? variable.query : variable.query?.query;

/**
 * Expands the Grafana SQL macros and variables the dashboard uses, as Grafana's PostgreSQL data source does, so the
 * query can run on PostgreSQL: `$__timeFilter(col)`, `$__timeFrom()`, `$__timeTo()`, and `$name` / `${name}` from
 * `variables`. Anything else starting with `$` is refused, so an unknown macro cannot pass untested.
 */
export function expandSqlMacros(sql: string, range: { from: Date; to: Date }, variables: Record<string, string>): string {
  const from = `'${range.from.toISOString()}'`;
  const to = `'${range.to.toISOString()}'`;
  const expanded = sql
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_, column: string) => `${column.trim()} BETWEEN ${from} AND ${to}`)
    .replace(/\$__timeFrom\(\)/g, from)
    .replace(/\$__timeTo\(\)/g, to)
    .replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      if (name.startsWith('__') || variables[name] === undefined) throw new Error(`SQL uses ${whole}, which this check does not expand`);
      return variables[name];
    });
  return expanded;
}
