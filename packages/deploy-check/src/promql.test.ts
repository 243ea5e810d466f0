import { describe, expect, it } from 'vitest';
import { metricNamesOf } from './promql.js';

describe('metricNamesOf', () => {
  it('finds the metric of every selector, through functions, aggregations and binary operators', () => {
    expect(metricNamesOf('sum by (symbol) (rate(collector_candles_written_total{interval="1m"}[$__rate_interval]))')).toEqual(['collector_candles_written_total']);
    expect(metricNamesOf('max(a_seconds) / on(job) group_left count(b_total{x=~"y|z"}) > 3')).toEqual(['a_seconds', 'b_total']);
    expect(metricNamesOf('histogram_quantile(0.9, sum by (le) (rate(c_bucket[5m])))')).toEqual(['c_bucket']);
  });

  it('reads names given as {__name__="…"} and as a quoted name', () => {
    expect(metricNamesOf('{__name__="d_total", job="x"}')).toEqual(['d_total']);
    expect(metricNamesOf('{"e.total"}')).toEqual(['e.total']);
  });

  it('does not take label names, label values or function names for metrics', () => {
    expect(metricNamesOf('count(up{job="collector_orderbook_book_live"} == 0) or vector(0)')).toEqual(['up']);
  });

  it('refuses an expression that does not parse, and a __name__ regex it cannot check', () => {
    expect(() => metricNamesOf('sum(rate(x[5m])')).toThrow(/syntax error/);
    expect(() => metricNamesOf('{__name__=~"collector_.*"}')).toThrow(/__name__ matcher/);
  });
});
