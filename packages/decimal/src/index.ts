export { checkDecimalString, Decimal, isPlainDecimal, parseDecimal, normalizeDecimalString, formatDecimal, isDecimal, type DecimalInput } from './decimal.js';
export { compareDecimalStrings } from './compare.js';
export { decimalSourceText, lazyDecimal } from './lazy.js';
export { DecimalParseError, type DecimalParseErrorCode } from './errors.js';
