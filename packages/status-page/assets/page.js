// The status page's client: plain DOM, no framework. It reads /status (pushed by /status/events), draws the chosen
// series with Lightweight Charts and the chosen book's depth as SVG. Every value shown comes as exact text from the
// server; numbers are made of it only to place pixels.
//
// For tests and tools, `window.__statusPage` exposes what is on screen, read-only (see the package README).

import { formatShortDuration } from './duration.js';

const CANDLES_SHOWN = 300;
const DEPTH_LEVELS = 100;
const UP = '#26a69a';
const DOWN = '#ef5350';

/** @type {any} */
let report = null;
let updates = 0;
/** @type {{ series: string, candles: any[] } | null} */
let chartData = null;
/** @type {any} */
let depthData = null;
let chartKey = '';
let depthKey = '';
/** @type {any} */
let chart = null;
/** @type {any} */
let candleSeries = null;
/** @type {any} */
let volumeSeries = null;

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** `h('td', { class: 'num' }, 'text', child)`: an element with attributes and text or element children. */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== null && value !== undefined) element.setAttribute(name, String(value));
  for (const child of children) element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return element;
}

function formatDuration(ms) {
  return ms === null || ms === undefined ? '–' : formatShortDuration(ms);
}

/** `2025-06-01 12:34` in UTC, with seconds only when they are not zero. */
function formatTime(ms) {
  if (ms === null || ms === undefined) return '–';
  const text = new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  return text.endsWith(':00') ? text.slice(0, 16) : text;
}

function formatCount(n) {
  return n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en-US');
}

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await response.json();
  if (!response.ok) throw new Error(body?.error?.message ?? `${path}: ${response.status}`);
  return body;
}

function renderHeader() {
  $('title').textContent = report.app === 'candles' ? 'candles collector' : 'order book collector';
  document.title = `${$('title').textContent} · ${report.replica}`;
  $('replica').textContent = report.replica;
  const bar = /** @type {HTMLProgressElement} */ ($('weight-bar'));
  bar.max = report.weight.limit;
  bar.value = Math.min(report.weight.used, report.weight.limit);
  bar.dataset.level = report.weight.used >= 0.8 * report.weight.limit ? 'high' : 'ok';
  $('weight').textContent = `${formatCount(report.weight.used)} / ${formatCount(report.weight.limit)} per minute`;
  $('reconnects').textContent = String(report.reconnects);
  $('updated').textContent = formatTime(report.generatedAt);
}

/** Keeps a <select> listing `ids`, keeping the choice; returns the chosen id. */
function syncSelect(select, ids) {
  const current = select.value;
  if ([...select.options].map((o) => o.value).join() !== ids.join()) {
    select.replaceChildren(...ids.map((id) => h('option', { value: id }, id)));
    select.value = ids.includes(current) ? current : (ids[0] ?? '');
  }
  return select.value;
}

function phaseCell(phase) {
  return h('td', {}, h('span', { class: `phase phase-${phase}` }, phase));
}

function progressCell(series) {
  if (series.phase === 'live') return h('td', { class: 'num' }, `lag ${formatDuration(series.lagMs)}`);
  const p = series.progress;
  const rate = p.ratePerSecond === null ? 'rate –' : `${formatCount(p.ratePerSecond)}/s`;
  const eta = p.etaMs === null ? 'ETA –' : `ETA ${formatDuration(p.etaMs)}`;
  return h(
    'td',
    { class: 'progress' },
    h('div', {}, h('progress', { max: 100, value: p.percent }), ' ', h('span', { class: 'percent' }, `${p.percent.toFixed(1)}%`), ' ', h('span', { class: 'eta' }, eta)),
    h('div', { class: 'detail' }, `${formatCount(p.done)} of ${formatCount(p.done + p.left)} candles · ${rate} · from ${p.source}`),
  );
}

function gapsCell(gaps) {
  if (gaps.length === 0) return h('td', { class: 'gaps' }, 'none');
  const list = h('ul');
  for (const gap of gaps) list.append(h('li', {}, `${formatTime(gap.from)} – ${formatTime(gap.to)}: ${formatCount(gap.candles)} candles, ${gap.reason}`));
  return h('td', { class: 'gaps' }, list);
}

function renderCandles() {
  const rows = report.owned.map((s) => {
    const c = s.lastCandle;
    const direction = c === null ? '' : Number(c.close) >= Number(c.open) ? 'up' : 'down';
    return h(
      'tr',
      {
        'data-series': s.series,
        'data-phase': s.phase,
        'data-percent': s.phase === 'history' ? s.progress.percent : 100,
        'data-done': s.phase === 'history' ? s.progress.done : null,
        'data-left': s.phase === 'history' ? s.progress.left : 0,
        'data-lag-ms': s.phase === 'live' ? s.lagMs : null,
        'data-stored-until': s.storedUntil,
        'data-last-open-time': c?.openTime,
        class: direction,
      },
      h('th', { scope: 'row' }, s.series),
      phaseCell(s.phase),
      progressCell(s),
      h('td', { class: 'time' }, c === null ? '–' : formatTime(c.openTime), c !== null && !c.isClosed ? h('span', { class: 'forming' }, ' forming') : ''),
      ...['open', 'high', 'low', 'close', 'volume'].map((field) => h('td', { class: `num ${field}` }, c === null ? '–' : c[field])),
      gapsCell(s.knownGaps),
    );
  });
  $('series-table').querySelector('tbody')?.replaceChildren(...rows);
  const chosen = syncSelect($('series-select'), report.owned.map((s) => s.series));
  const selected = report.owned.find((s) => s.series === chosen);
  const key = selected?.lastCandle ? `${chosen}|${selected.lastCandle.openTime}|${selected.lastCandle.close}|${selected.lastCandle.volume}` : chosen;
  if (key !== chartKey) {
    chartKey = key;
    void drawChart(chosen);
  }
}

function decimalsOf(text) {
  const dot = text.indexOf('.');
  return dot === -1 ? 0 : text.length - dot - 1;
}

function ensureChart() {
  if (chart !== null) return;
  const lib = /** @type {any} */ (window).LightweightCharts;
  chart = lib.createChart($('chart'), {
    autoSize: true,
    layout: { background: { color: '#131722' }, textColor: '#d1d4dc' },
    grid: { vertLines: { color: '#1e222d' }, horzLines: { color: '#1e222d' } },
    timeScale: { timeVisible: true, secondsVisible: false, borderColor: '#2a2e39' },
    rightPriceScale: { borderColor: '#2a2e39', scaleMargins: { top: 0.08, bottom: 0.28 } },
  });
  candleSeries = chart.addSeries(lib.CandlestickSeries, { upColor: UP, downColor: DOWN, wickUpColor: UP, wickDownColor: DOWN, borderVisible: false });
  volumeSeries = chart.addSeries(lib.HistogramSeries, { priceFormat: { type: 'volume' }, priceScaleId: 'volume', lastValueVisible: false, priceLineVisible: false });
  chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.78, bottom: 0 } });
}

async function drawChart(series) {
  if (!series) return;
  const body = await getJson(`/api/candles?series=${encodeURIComponent(series)}&limit=${CANDLES_SHOWN}`);
  if ($('series-select').value !== series) return;
  ensureChart();
  const precision = Math.min(12, Math.max(2, ...body.candles.map((c) => decimalsOf(c.close))));
  candleSeries.applyOptions({ priceFormat: { type: 'price', precision, minMove: Number(`1e-${precision}`) } });
  candleSeries.setData(body.candles.map((c) => ({ time: c.openTime / 1000, open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close) })));
  volumeSeries.setData(
    body.candles.map((c) => ({ time: c.openTime / 1000, value: Number(c.volume), color: Number(c.close) >= Number(c.open) ? `${UP}80` : `${DOWN}80` })),
  );
  if (chartData?.series !== series) chart.timeScale().fitContent();
  chartData = { series, candles: body.candles };
  const last = body.candles[body.candles.length - 1];
  $('chart-info').textContent = last ? `${body.candles.length} candles, last ${formatTime(last.openTime)} close ${last.close}` : 'no candles stored yet';
  $('chart').dataset.series = series;
  $('chart').dataset.candles = String(body.candles.length);
}

function renderBooks() {
  const rows = report.owned.map((b) =>
    h(
      'tr',
      { 'data-series': b.series, 'data-phase': b.phase, 'data-best-bid': b.bestBid, 'data-best-ask': b.bestAsk, 'data-spread': b.spread, 'data-snapshot-at': b.snapshotAt },
      h('th', { scope: 'row' }, b.symbol),
      phaseCell(b.phase),
      h('td', { class: 'num bid' }, b.bestBid ?? '–'),
      h('td', { class: 'num ask' }, b.bestAsk ?? '–'),
      h('td', { class: 'num' }, b.spread ?? '–'),
      h('td', { class: 'time' }, formatTime(b.snapshotAt)),
      h('td', { class: 'num' }, b.lagMs === null ? '–' : `${formatDuration(b.lagMs)} ago`),
    ),
  );
  $('book-table').querySelector('tbody')?.replaceChildren(...rows);
  const chosen = syncSelect($('book-select'), report.owned.map((b) => b.series));
  const selected = report.owned.find((b) => b.series === chosen);
  const key = `${chosen}|${selected?.snapshotAt ?? ''}`;
  if (key !== depthKey) {
    depthKey = key;
    void drawDepth(chosen);
  }
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attributes) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

/** Cumulative depth steps from the best price outwards: [[price, depth], …] as numbers for drawing. */
function steps(levels) {
  let total = 0;
  return levels.map(([price, quantity]) => [Number(price), (total += Number(quantity))]);
}

async function drawDepth(symbol) {
  if (!symbol) return;
  let body;
  try {
    body = await getJson(`/api/orderbook?symbol=${encodeURIComponent(symbol)}&levels=${DEPTH_LEVELS}`);
  } catch (error) {
    $('depth-info').textContent = String(error instanceof Error ? error.message : error);
    return;
  }
  if ($('book-select').value !== symbol) return;
  depthData = body;
  const target = $('depth');
  target.replaceChildren();
  const bids = steps(body.bids);
  const asks = steps(body.asks);
  const all = [...bids, ...asks];
  if (all.length === 0) return;
  const W = 1000;
  const H = 300;
  const PAD = 24;
  const minPrice = Math.min(...all.map((s) => s[0]));
  const maxPrice = Math.max(...all.map((s) => s[0]));
  const maxDepth = Math.max(...all.map((s) => s[1]));
  const x = (price) => PAD + ((price - minPrice) / (maxPrice - minPrice || 1)) * (W - 2 * PAD);
  const y = (depth) => H - PAD - (depth / (maxDepth || 1)) * (H - 2 * PAD);
  const area = (side) => {
    if (side.length === 0) return '';
    let d = `M${x(side[0][0])},${y(0)}`;
    let previous = 0;
    for (const [price, depth] of side) {
      d += ` L${x(price)},${y(previous)} L${x(price)},${y(depth)}`;
      previous = depth;
    }
    return `${d} L${x(side[side.length - 1][0])},${y(0)} Z`;
  };
  target.append(
    svg('line', { x1: PAD, y1: H - PAD, x2: W - PAD, y2: H - PAD, class: 'axis' }),
    svg('path', { d: area(bids), class: 'depth-bids', 'data-levels': bids.length }),
    svg('path', { d: area(asks), class: 'depth-asks', 'data-levels': asks.length }),
  );
  const label = (text, at, anchor) => {
    const t = svg('text', { x: at, y: H - 6, 'text-anchor': anchor, class: 'depth-label' });
    t.textContent = text;
    return t;
  };
  const lowest = body.bids[body.bids.length - 1]?.[0] ?? body.asks[0]?.[0];
  const highest = body.asks[body.asks.length - 1]?.[0] ?? body.bids[0]?.[0];
  target.append(label(lowest, PAD, 'start'), label(highest, W - PAD, 'end'));
  if (body.bids[0] && body.asks[0]) target.append(label(`${body.bids[0][0]} | ${body.asks[0][0]}`, (x(Number(body.bids[0][0])) + x(Number(body.asks[0][0]))) / 2, 'middle'));
  $('depth-info').textContent = `${symbol}: snapshot ${formatTime(body.snapshotAt)}, update id ${body.lastUpdateId}, ${body.bids.length} bids and ${body.asks.length} asks`;
  target.dataset.symbol = symbol;
  target.dataset.snapshotAt = String(body.snapshotAt);
}

function render(next) {
  report = next;
  updates += 1;
  renderHeader();
  $('candles').hidden = report.app !== 'candles';
  $('books').hidden = report.app !== 'orderbook';
  if (report.app === 'candles') renderCandles();
  else renderBooks();
  document.body.dataset.updates = String(updates);
}

function setConnection(state, text) {
  const badge = $('connection');
  badge.dataset.state = state;
  badge.textContent = text;
}

function connect() {
  const events = new EventSource('/status/events');
  events.addEventListener('status', (event) => {
    setConnection('live', 'live');
    render(JSON.parse(/** @type {MessageEvent} */ (event).data));
  });
  events.addEventListener('failure', () => setConnection('error', 'status unavailable'));
  // EventSource reconnects by itself; the badge says so meanwhile.
  events.addEventListener('error', () => setConnection('error', 'reconnecting…'));
}

$('series-select').addEventListener('change', () => report && renderCandles());
$('book-select').addEventListener('change', () => report && renderBooks());

Object.defineProperty(window, '__statusPage', {
  value: Object.freeze({
    /** The last report drawn. */
    report: () => report,
    /** How many reports have been drawn. */
    updates: () => updates,
    /** The chart: its series, the candles as received (exact text) and what the chart library holds (numbers). */
    chart: () =>
      chartData === null
        ? null
        : { series: chartData.series, candles: chartData.candles, drawn: candleSeries.data(), volumes: volumeSeries.data() },
    /** The depth chart: the snapshot as received, and the number of levels drawn per side. */
    depth: () =>
      depthData === null
        ? null
        : {
            snapshot: depthData,
            drawnBids: Number(document.querySelector('#depth .depth-bids')?.getAttribute('data-levels') ?? 0),
            drawnAsks: Number(document.querySelector('#depth .depth-asks')?.getAttribute('data-levels') ?? 0),
          },
  }),
});

getJson('/status').then(render, (error) => setConnection('error', String(error instanceof Error ? error.message : error)));
connect();
