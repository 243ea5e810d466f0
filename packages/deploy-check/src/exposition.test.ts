import { describe, expect, it } from 'vitest';
import { exportedMetricNames } from './exposition.js';

describe('exportedMetricNames', () => {
  it('reads declared families, histogram series and samples', () => {
    const text = [
      '# HELP a_total A counter with no sample yet',
      '# TYPE a_total counter',
      '# HELP b_seconds A histogram',
      '# TYPE b_seconds histogram',
      'b_seconds_bucket{le="1"} 3',
      'c_gauge 1',
      'd{x="y"} 2',
      '',
    ].join('\n');
    expect([...exportedMetricNames(text)].sort()).toEqual(['a_total', 'b_seconds', 'b_seconds_bucket', 'b_seconds_count', 'b_seconds_sum', 'c_gauge', 'd']);
  });
});
