import { formatFixed } from './fixed.js';
import type { SimSymbolStatus } from './listings.js';
import type { SimSymbol } from './market.js';

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** A symbol object with the field names and order of a 2024 exchangeInfo. */
export function symbolObject(s: SimSymbol, status: SimSymbolStatus = 'TRADING'): Record<string, unknown> {
  const q = s.qtyRenderDecimals;
  const tick = formatFixed(pow10(8 - s.tickDecimals), 8);
  const step = formatFixed(pow10(q - s.stepDecimals), q);
  return {
    symbol: s.symbol,
    status,
    baseAsset: s.baseAsset,
    baseAssetPrecision: q,
    quoteAsset: s.quoteAsset,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: q,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: tick, maxPrice: formatFixed(1_000_000n * pow10(8), 8), tickSize: tick },
      { filterType: 'LOT_SIZE', minQty: step, maxQty: formatFixed(9000n * pow10(q), q), stepSize: step },
      { filterType: 'ICEBERG_PARTS', limit: 10 },
      { filterType: 'MARKET_LOT_SIZE', minQty: formatFixed(0n, q), maxQty: formatFixed(100n * pow10(q), q), stepSize: formatFixed(0n, q) },
      { filterType: 'TRAILING_DELTA', minTrailingAboveDelta: 10, maxTrailingAboveDelta: 2000, minTrailingBelowDelta: 10, maxTrailingBelowDelta: 2000 },
      { filterType: 'PERCENT_PRICE_BY_SIDE', bidMultiplierUp: '5', bidMultiplierDown: '0.2', askMultiplierUp: '5', askMultiplierDown: '0.2', avgPriceMins: 5 },
      { filterType: 'NOTIONAL', minNotional: '5.00000000', applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

/** The rateLimits array, showing the configured weight limit. */
export function rateLimits(weightLimit: number, windowMs: number): unknown[] {
  const minutes = Math.max(1, Math.round(windowMs / 60_000));
  return [
    { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: minutes, limit: weightLimit },
    { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 50 },
    { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 160000 },
    { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
  ];
}
