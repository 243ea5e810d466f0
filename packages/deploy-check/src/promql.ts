import { parser } from '@prometheus-io/lezer-promql';

/** Grafana's interval variables, which stand where PromQL takes a duration. */
const GRAFANA_DURATION_VARIABLES = /\$\{?__(rate_interval|interval|range)(_ms|_s)?\}?/g;

/** Replaces Grafana's duration variables (`$__rate_interval`, …) by a duration, so the expression parses as PromQL. */
export function expandGrafanaDurations(expr: string): string {
  return expr.replace(GRAFANA_DURATION_VARIABLES, '5m');
}

/** The text of `node` in `source`. */
const textOf = (source: string, node: { from: number; to: number }): string => source.slice(node.from, node.to);

/** A label matcher's quoted value, unquoted (PromQL strings in `"` or `'`). */
const unquote = (literal: string): string => literal.slice(1, -1).replace(/\\(.)/g, '$1');

/**
 * Every metric name an expression selects, parsed with Prometheus' own PromQL grammar (`@prometheus-io/lezer-promql`):
 * `name{…}`, `{"name"}` and `{__name__="name"}`. Throws on a syntax error or a selector whose metric cannot be known
 * (`{__name__=~"…"}`), naming where.
 */
export function metricNamesOf(promql: string): string[] {
  const expr = expandGrafanaDurations(promql);
  const tree = parser.parse(expr);
  const names = new Set<string>();
  const problems: string[] = [];
  tree.iterate({
    enter(ref) {
      if (ref.type.isError) problems.push(`syntax error at ${ref.from}: "${expr.slice(Math.max(0, ref.from - 10), ref.to + 10)}"`);
      if (ref.name !== 'VectorSelector') return;
      const selector = ref.node;
      const identifier = selector.getChild('Identifier');
      if (identifier) names.add(textOf(expr, identifier));
      for (const matcher of selector.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
        if (textOf(expr, matcher.getChild('LabelName') ?? matcher) !== '__name__') continue;
        const value = matcher.getChild('StringLiteral');
        if (matcher.getChild('MatchOp')?.getChild('EqlSingle') && value) names.add(unquote(textOf(expr, value)));
        else problems.push(`a __name__ matcher other than = in "${textOf(expr, selector)}"`);
      }
      for (const quotedName of selector.getChild('LabelMatchers')?.getChildren('QuotedLabelName') ?? []) {
        names.add(unquote(textOf(expr, quotedName.getChild('StringLiteral') ?? quotedName)));
      }
    },
  });
  if (problems.length > 0) throw new Error(`PromQL ${JSON.stringify(promql)}: ${problems.join('; ')}`);
  return [...names].sort();
}
