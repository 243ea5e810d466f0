export { checkDecimalString, Decimal, isPlainDecimal, parseDecimal, normalizeDecimalString, formatDecimal, isDecimal, type DecimalInput } from './decimal.js';
export { decimalSourceText, lazyDecimal } from './lazy.js';
export { DecimalParseError, type DecimalParseErrorCode } from './errors.js';
