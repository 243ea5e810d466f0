import { describe, expect, it } from 'vitest';
import { allQueries, expandSqlMacros } from './grafana.js';

describe('expandSqlMacros', () => {
  const range = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-02T00:00:00Z') };

  it('expands the time filter and the variables as Grafana does', () => {
    expect(expandSqlMacros("SELECT 1 FROM t WHERE s = '$symbol' AND i = '${interval}' AND $__timeFilter(open_time)", range, { symbol: 'BTCUSDT', interval: '1m' })).toBe(
      "SELECT 1 FROM t WHERE s = 'BTCUSDT' AND i = '1m' AND open_time BETWEEN '2026-01-01T00:00:00.000Z' AND '2026-01-02T00:00:00.000Z'",
    );
  });

  it('refuses a macro or variable it does not know', () => {
    expect(() => expandSqlMacros('SELECT $__timeGroup(t, 1m)', range, {})).toThrow(/\$__timeGroup/);
    expect(() => expandSqlMacros("SELECT '$nope'", range, {})).toThrow(/\$nope/);
  });
});

describe('allQueries', () => {
  it('finds the queries of panels nested in collapsed rows, with the panel data source when the target names none', () => {
    const queries = allQueries({
      panels: [{ type: 'row', title: 'r', panels: [{ type: 'stat', title: 'p', datasource: { uid: 'prometheus' }, targets: [{ refId: 'A', expr: 'up' }] }] }],
    });
    expect(queries).toEqual([{ panel: 'p', where: 'panel "p" query A', datasource: { uid: 'prometheus' }, target: { refId: 'A', expr: 'up' } }]);
  });
});
