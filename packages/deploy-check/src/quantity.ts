const SUFFIX_FACTORS: Record<string, number> = {
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/**
 * A Kubernetes resource quantity (`250m`, `"1"`, `384Mi`, `1G`) as a number of base units, to compare a request with
 * its limit. Exponent forms (`1e3`) are refused: the manifests do not use them.
 */
export function parseQuantity(quantity: string | number): number {
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(quantity));
  if (!match) throw new Error(`not a Kubernetes quantity this check reads: ${String(quantity)}`);
  return Number(match[1]) * (SUFFIX_FACTORS[match[2] ?? ''] as number);
}
