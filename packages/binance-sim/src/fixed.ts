/** Renders a scaled integer (value = units / 10^decimals) as a fixed-point string, exactly. */
export function formatFixed(units: bigint, decimals: number, scientificTiny = false): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  if (scientificTiny && abs > 0n && abs * 10_000n < 10n ** BigInt(decimals)) {
    // mantissa digits without trailing zeros, exponent from the decimal position
    let digits = abs.toString();
    let exp = -decimals;
    while (digits.endsWith('0')) {
      digits = digits.slice(0, -1);
      exp += 1;
    }
    const e = exp + digits.length - 1;
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${neg ? '-' : ''}${mant}E${e}`;
  }
  if (decimals === 0) return `${neg ? '-' : ''}${abs}`;
  const s = abs.toString().padStart(decimals + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, -decimals)}.${s.slice(-decimals)}`;
}
