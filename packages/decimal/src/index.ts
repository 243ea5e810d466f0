export { checkDecimalString, Decimal, parseDecimal, normalizeDecimalString, formatDecimal, isDecimal } from './decimal.js';
export { DecimalParseError, type DecimalParseErrorCode } from './errors.js';
