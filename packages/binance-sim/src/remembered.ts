/**
 * `compute` remembering its results, forgetting all of them once `capacity` are kept: for the pure functions of a
 * number that the simulator asks again and again within moments (renderings of prices, minutes of a market).
 */
export function remembered<T>(compute: (n: number) => T, capacity: number): (n: number) => T {
  const known = new Map<number, T>();
  return (n) => {
    let value = known.get(n);
    if (value === undefined) {
      if (known.size === capacity) known.clear();
      value = compute(n);
      known.set(n, value);
    }
    return value;
  };
}
