import { checkDecimalString, Decimal } from './decimal.js';

/**
 * What decimal.js keeps on every instance: sign `s`, exponent `e`, base-1e7 digits `d`. Its methods read (and
 * only ever write on instances they create) these three fields, and find their class through `constructor`.
 */
interface DecimalFields {
  s: number;
  e: number;
  d: number[] | null;
}

/**
 * A Decimal that keeps its checked text and builds decimal.js' fields on first use. Its prototype chain runs
 * through `Decimal.prototype`, so it is `instanceof Decimal` and has every method; the three fields are
 * accessors that parse once and then answer from the parsed value.
 */
class LazyDecimal {
  /** The checked source text. */
  readonly text: string;
  /** The parsed value, once a field was read. */
  parsed: DecimalFields | undefined;

  constructor(text: string) {
    this.text = text;
    this.parsed = undefined;
  }
}

function fields(x: LazyDecimal): DecimalFields {
  return (x.parsed ??= new Decimal(x.text) as unknown as DecimalFields);
}

for (const key of ['s', 'e', 'd'] as const) {
  Object.defineProperty(LazyDecimal.prototype, key, {
    get(this: LazyDecimal) {
      return fields(this)[key];
    },
    // decimal.js treats instances as immutable; should a method ever write one, the write lands on this value only.
    set(this: LazyDecimal, value: never) {
      fields(this)[key] = value;
    },
  });
}
Object.setPrototypeOf(LazyDecimal.prototype, Decimal.prototype);
// decimal.js clones share one prototype and tell themselves apart by `constructor`: ours, for precision and rounding.
Object.defineProperty(LazyDecimal.prototype, 'constructor', { value: Decimal, writable: true });

/**
 * A Decimal of `input` that is parsed when first used: the text is checked now, exactly as {@link parseDecimal}
 * checks it, and decimal.js builds the value only if a method or field is read. For values that are often
 * only passed on (stored, published) and rarely computed with; building a Decimal costs far more than checking text.
 *
 * It is a `Decimal` in every way code can tell (`instanceof`, every method, `isDecimal`) but one: until it is
 * used, its own fields differ from an eagerly parsed Decimal's, so compare values with `eq()`, not deep equality.
 * @throws {DecimalParseError} for anything {@link parseDecimal} would refuse.
 * @example lazyDecimal('64321.12000000').plus('1').toFixed() // '64322.12'
 */
export function lazyDecimal(input: string): Decimal {
  return new LazyDecimal(checkDecimalString(input)) as unknown as Decimal;
}

/**
 * The text a {@link lazyDecimal} was made from, exactly as given (checked, not normalized); undefined for any other
 * Decimal. Lets code that only moves values on (to PostgreSQL, to JSON) skip building them.
 * @example decimalSourceText(lazyDecimal('1.50')) // '1.50'
 */
export function decimalSourceText(value: Decimal): string | undefined {
  return value instanceof LazyDecimal ? value.text : undefined;
}
