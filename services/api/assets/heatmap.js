// The heat map: unmet need by subject (rows) and level (columns), one square in the Tab order
// and the arrow keys moving between squares.

import { $, dupIcon, h } from './dom.js';
import { markOf } from './since.js';
import { state } from './state.js';
import { LEVELS, byCode, levelLabel, num, subjectName } from './vocab.js';

function heatClass(cell) {
  if (!cell.demand && !cell.supply) return 'heat-empty';
  if (!cell.demand) return 'heat-none';
  if (cell.unmet <= 0) return 'heat-0';
  if (cell.unmet < 10) return 'heat-1';
  if (cell.unmet < 30) return 'heat-2';
  if (cell.unmet < 60) return 'heat-3';
  return 'heat-4';
}

/** Draws the squares of the rows in view; choosing one calls `onChoose` with it (null: none). */
export function renderHeatmap(gaps, dups, onChoose) {
  const cells = new Map();
  const cell = (subject, level) => {
    const key = `${subject}|${level}`;
    if (!cells.has(key)) cells.set(key, { subject, level, demand: 0, supply: 0, unmet: 0, dups: 0 });
    return cells.get(key);
  };
  for (const c of state.coverage) {
    if (state.age && c.age_group !== state.age) continue;
    const x = cell(c.subject, c.level);
    x.demand += c.demand;
    x.supply += c.supply;
  }
  for (const g of gaps) cell(g.subject, g.level).unmet += g.unmet;
  for (const d of dups) cell(d.subject, d.level).dups += 1;
  const subjects = [...new Set([...cells.values()].map((c) => c.subject))].sort(byCode);
  const levels = LEVELS.filter((l) => [...cells.values()].some((c) => c.level === l));
  const table = $('heatmap');
  $('heatmap-empty').hidden = subjects.length > 0;
  table.hidden = subjects.length === 0;
  table.tHead.replaceChildren(h('tr', null,
    h('th', { scope: 'col' }, 'Subject'),
    levels.map((l) => h('th', { scope: 'col' }, levelLabel(l))),
    h('th', { scope: 'col', class: 'num' }, 'Total short')));
  const rows = subjects.map((subject, row) => {
    let total = 0;
    const tds = levels.map((level, col) => {
      const c = cells.get(`${subject}|${level}`) || { subject, level, demand: 0, supply: 0, unmet: 0, dups: 0 };
      total += c.unmet;
      const square = heatCell(c, onChoose);
      square.dataset.row = row;
      square.dataset.col = col;
      const mark = markOf(`cell|${state.year}|${subject}|${level}`);
      const cls = [state.flash.has(`cell|${state.year}|${subject}|${level}`) ? 'flash' : null, mark ? `mark-${mark}` : null];
      return h('td', { class: cls.filter(Boolean).join(' ') || null }, square);
    });
    return h('tr', null,
      h('th', { scope: 'row' }, h('span', { class: 'code' }, subject), ' ', subjectName(subject)),
      tds,
      h('td', { class: 'total' }, total ? num(total) : '–'));
  });
  table.tBodies[0].replaceChildren(...rows);
  // One square is in the Tab order (the chosen one, else the first); arrows move between them.
  const squares = [...table.querySelectorAll('button.cell')];
  for (const b of squares) b.tabIndex = -1;
  const entry = squares.find((b) => b.getAttribute('aria-pressed') === 'true') || squares[0];
  if (entry) entry.tabIndex = 0;
}

export function moveInHeatmap(event) {
  const from = event.target.closest('button.cell');
  if (!from) return;
  const squares = [...$('heatmap').querySelectorAll('button.cell')];
  const at = (b) => [Number(b.dataset.row), Number(b.dataset.col)];
  const [r, c] = at(from);
  const step = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[event.key];
  let to = null;
  if (step) {
    const [dr, dc] = step;
    const ahead = squares.filter((b) => {
      const [br, bc] = at(b);
      return dr ? Math.sign(br - r) === dr : br === r && Math.sign(bc - c) === dc;
    });
    // The nearest square that way: nearest row first, then nearest column.
    ahead.sort((a, b) => {
      const [ar, ac] = at(a);
      const [br, bc] = at(b);
      return (Math.abs(ar - r) * 100 + Math.abs(ac - c)) - (Math.abs(br - r) * 100 + Math.abs(bc - c));
    });
    to = ahead[0] || null;
  } else if (event.key === 'Home') {
    to = squares[0];
  } else if (event.key === 'End') {
    to = squares[squares.length - 1];
  }
  if (!to) return;
  event.preventDefault();
  from.tabIndex = -1;
  to.tabIndex = 0;
  to.focus();
}

function heatCell(c, onChoose) {
  const cls = `cell ${heatClass(c)}`;
  if (!c.demand && !c.supply && !c.dups) return h('span', { class: cls }, h('span', { class: 'visually-hidden' }, 'nothing recorded'));
  let shown;
  let said;
  if (!c.demand) { shown = '○'; said = `${num(c.supply)} places, no recorded need`; }
  else if (c.unmet > 0) { shown = num(c.unmet); said = `${num(c.unmet)} learners short: need ${num(c.demand)}, places ${num(c.supply)}`; }
  else { shown = '✓'; said = `need met: need ${num(c.demand)}, places ${num(c.supply)}`; }
  if (c.dups) said += `; duplication in ${c.dups} ${c.dups === 1 ? 'case' : 'cases'}`;
  const label = `${subjectName(c.subject)}, ${levelLabel(c.level).toLowerCase()}: ${said}`;
  const pressed = !!(state.focus && state.focus.subject === c.subject && state.focus.level === c.level);
  return h('button', {
    type: 'button', class: cls, id: `cell-${c.subject}-${c.level}`, 'aria-pressed': String(pressed), 'aria-label': label, title: label,
    onclick: () => onChoose(pressed ? null : { subject: c.subject, level: c.level }),
  }, h('span', { 'aria-hidden': 'true' }, shown), c.dups ? h('span', { class: 'dup-mark' }, dupIcon()) : null);
}
