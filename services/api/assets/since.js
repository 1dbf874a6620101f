// "Since when?": what opened, closed and changed since a date the planner picks, read from the
// service's changes report, listed in a panel and marked in the heat map and lists. The marks
// of a what-if (whatif.js) are built by the same `marksOf`.

import { api, explain, partnershipPath } from './api.js';
import { gapKey, dupKey } from './changes.js';
import { $, announce, h } from './dom.js';
import { state } from './state.js';
import { ageLabel, levelLabel, modeLabel, num, subjectName } from './vocab.js';

const SUMMARY_LABEL = {
  unmet: 'learners with no place', gaps: 'gaps', critical: 'gaps with no places at all',
  duplications: 'cases of duplication', wasteful: 'cases with classes not filling',
};

/** Row key -> "opened" | "changed" | "closed", with the heat-map squares the rows fall in. */
export function marksOf(changes) {
  const marks = new Map();
  // A square takes the strongest mark of its rows: opened, then changed, then closed.
  const rank = { opened: 3, changed: 2, closed: 1 };
  const mark = (row, key, how) => {
    marks.set(key, how);
    const cell = `cell|${row.academic_year}|${row.subject}|${row.level}`;
    if ((rank[marks.get(cell)] || 0) < rank[how]) marks.set(cell, how);
  };
  for (const [diff, key] of [[changes.gaps, gapKey], [changes.duplications, dupKey]]) {
    for (const r of diff.opened) mark(r, key(r), 'opened');
    for (const c of diff.changed) mark(c.after, key(c.after), 'changed');
    for (const r of diff.closed) mark(r, key(r), 'closed');
  }
  return marks;
}

/** The mark of a row or square (`cell|year|subject|level`): a what-if's first, else the since's. */
export function markOf(key) {
  return (state.whatif && state.whatif.marks.get(key)) || (state.since && state.since.marks.get(key)) || null;
}

function rowName(r) {
  const parts = [`${subjectName(r.subject)} (${r.subject})`, levelLabel(r.level), ageLabel(r.age_group)];
  if (r.mode) parts.push(modeLabel(r.mode).toLowerCase());
  return `${parts.join(', ')}, ${r.academic_year}`;
}

const gapFigures = (r) => `${num(r.unmet)} learners without a place`;
const dupFigures = (r) => `${r.providers.length} providers, ${num(r.surplus)} places over the need`;

/** The lists of a changes object: one item per opened, changed and closed row of the year. */
export function changeItems(changes) {
  const ofYear = (r) => r.academic_year === state.year;
  const items = [];
  for (const [diff, noun, figures] of [[changes.gaps, 'gap', gapFigures], [changes.duplications, 'duplication', dupFigures]]) {
    for (const r of diff.opened.filter(ofYear)) items.push(item('opened', `New ${noun}`, rowName(r), figures(r)));
    for (const c of diff.changed.filter((x) => ofYear(x.after))) {
      items.push(item('changed', `${noun[0].toUpperCase()}${noun.slice(1)} changed`, rowName(c.after), `${figures(c.before)} → ${figures(c.after)}`));
    }
    for (const r of diff.closed.filter(ofYear)) items.push(item('closed', `${noun === 'gap' ? 'Gap closed' : 'Duplication ended'}`, rowName(r), `was ${figures(r)}`));
  }
  return items;
}

function item(how, kind, name, figures) {
  return h('li', { class: `mark-${how}` }, h('span', { class: 'change-kind' }, kind), h('span', null, name), h('span', { class: 'code' }, figures));
}

/** The summary pairs: "gaps 12 → 15". */
export function summaryPairs(summary) {
  return h('ul', { class: 'pairs' }, Object.entries(SUMMARY_LABEL).map(([k, label]) => {
    const [was, now] = summary[k] || [0, 0];
    const delta = now - was;
    return h('li', null, h('strong', null, `${num(was)} → ${num(now)}`), ` ${label}`,
      delta ? h('span', { class: delta > 0 ? 'up' : 'down' }, ` (${delta > 0 ? '+' : '−'}${num(Math.abs(delta))})`) : null);
  }));
}

/** Reads what changed since the date in the picker (midnight UTC), else since the plan chosen
 * (`state.since.plan`), and draws it; neither: none. */
export async function loadSince(rerender) {
  const date = $('since-date').value;
  const plan = !date && state.since && state.since.plan;
  if ((!date && !plan) || !state.partnership) {
    state.since = null;
    renderSince();
    rerender();
    return;
  }
  const generation = state.loadGeneration;
  try {
    const from = plan ? { from: plan.position } : { from_time: `${date}T00:00:00Z` };
    const changes = await api(`${partnershipPath(state.partnership)}/changes`, from);
    if (generation !== state.loadGeneration) return;
    state.since = { date, plan, changes, marks: marksOf(changes) };
    renderSince();
    rerender();
    announce(plan ? `Showing what changed since the plan ${plan.title}.` : `Showing what changed since ${date}.`);
  } catch (error) {
    $('since-status').textContent = explain(error);
  }
}

/** Shows what changed since the partnership's latest plan was published. */
export function loadSinceLastPlan(rerender) {
  const plan = (state.plans || [])[0];
  if (!plan) return;
  $('since-date').value = '';
  state.since = { plan };
  loadSince(rerender);
}

export function renderSince() {
  const since = state.since;
  $('since-panel').hidden = !since;
  $('since-clear').hidden = !since;
  $('since-status').textContent = '';
  if (!since) return;
  const items = changeItems(since.changes);
  $('since-heading').textContent = since.plan
    ? `Since the plan “${since.plan.title}”`
    : `Since ${new Date(`${since.date}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })}`;
  $('since-summary').replaceChildren(summaryPairs(since.changes.summary));
  $('since-list').replaceChildren(...items);
  $('since-empty').hidden = items.length > 0;
}
