// The trend: unmet need, gaps and duplications at the end of each day, week or month, read
// from the service's history and drawn here as three small line charts (inline SVG, one scale
// each, so a count of gaps is not flattened under thousands of learners).

import { api, explain, partnershipPath } from './api.js';
import { $, h } from './dom.js';
import { state } from './state.js';
import { num } from './vocab.js';

const SERIES = [
  { field: 'unmet', label: 'Learners with no place' },
  { field: 'gaps', label: 'Gaps' },
  { field: 'duplications', label: 'Cases of duplication' },
];
const WIDTH = 360;
const HEIGHT = 120;
const PAD = { left: 48, right: 12, top: 12, bottom: 22 };
const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) if (c !== null) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const dayOf = (at) => new Date(at).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** One series as a line over the points' times, its axis from 0 to its own largest value. */
function chart(points, { field, label }) {
  const values = points.map((p) => p[field]);
  const max = Math.max(1, ...values);
  const times = points.map((p) => Date.parse(p.at));
  const [first, last] = [times[0], times[times.length - 1]];
  const x = (t) => PAD.left + (last > first ? ((t - first) / (last - first)) * (WIDTH - PAD.left - PAD.right) : (WIDTH - PAD.left - PAD.right) / 2);
  const y = (v) => HEIGHT - PAD.bottom - (v / max) * (HEIGHT - PAD.top - PAD.bottom);
  const xy = points.map((p, i) => `${x(times[i]).toFixed(1)},${y(values[i]).toFixed(1)}`);
  const now = values[values.length - 1];
  const said = `${label}: ${num(values[0])} on ${dayOf(points[0].at)}, ${num(now)} on ${dayOf(points[points.length - 1].at)}, at most ${num(max)}.`;
  const drawing = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'trend-chart', role: 'img', 'aria-label': said },
    svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(0), y2: y(0), class: 'trend-axis' }),
    svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(max), y2: y(max), class: 'trend-grid' }),
    svg('text', { x: PAD.left - 6, y: y(max) + 4, class: 'trend-tick', 'text-anchor': 'end' }, num(max)),
    svg('text', { x: PAD.left - 6, y: y(0) + 4, class: 'trend-tick', 'text-anchor': 'end' }, '0'),
    svg('text', { x: PAD.left, y: HEIGHT - 4, class: 'trend-tick' }, dayOf(points[0].at)),
    svg('text', { x: WIDTH - PAD.right, y: HEIGHT - 4, class: 'trend-tick', 'text-anchor': 'end' }, dayOf(points[points.length - 1].at)),
    points.length > 1 ? svg('polyline', { points: xy.join(' '), class: `trend-line trend-${field}` }) : null,
    ...xy.map((p, i) => {
      const [cx, cy] = p.split(',');
      return svg('circle', { cx, cy, r: 3, class: `trend-dot trend-${field}` }, svg('title', null, `${dayOf(points[i].at)}: ${num(values[i])}`));
    }));
  return h('figure', { class: 'trend' }, h('figcaption', null, h('strong', null, num(now)), ` ${label.toLowerCase()} now`), drawing);
}

/** Reads the history at the period chosen and draws it. */
export async function loadTrend() {
  const generation = state.loadGeneration;
  const status = $('trend-status');
  status.textContent = 'Reading the history…';
  try {
    const body = await api(`${partnershipPath(state.partnership)}/history`, { every: $('trend-every').value });
    if (generation !== state.loadGeneration) return;
    const points = body.points;
    $('trend-charts').replaceChildren(...(points.length ? SERIES.map((s) => chart(points, s)) : []));
    status.textContent = points.length === 1
      ? 'One point so far: the line grows as the days go by.'
      : `${num(points.length)} points, one at the end of each ${$('trend-every').value}.`;
  } catch (error) {
    if (generation === state.loadGeneration) status.textContent = explain(error);
  }
}
