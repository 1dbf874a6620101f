// The report tables (gaps, duplication) with their sortable headers and the rows of detail
// that open under them, and the targets' progress bars.

import { gapKey, dupKey, tagFor, targetKey } from './changes.js';
import { $, announce, dupIcon, h } from './dom.js';
import { markOf } from './since.js';
import { may } from './submit.js';
import { state } from './state.js';
import {
  AGES, LEVELS, MODES, SEVERITY, ageShort, byCode, evidenceLabel, levelShort, modeLabel, num, pct, subjectName, targetName, targetScope,
} from './vocab.js';

/** A provider's registered name; a provider not registered yet goes by its UKPRN. */
export const providerName = (ukprn) => {
  const p = state.providers.get(ukprn);
  return (p && p.name) || `Provider ${ukprn}`;
};

/** What a planner reads of a need: "40 learners, evidence: employer survey, “note”". */
export function needText(n) {
  return `${num(n.learners)} learners, evidence: ${evidenceLabel(n.evidence)}${n.note ? `, “${n.note}”` : ''}`;
}

function offerLine(o, withFill) {
  const offer = state.offers.get(`${o.ukprn}/${o.offer_id}`);
  const parts = [`${num(o.places)} places`];
  if (offer) parts.push(modeLabel(offer.mode).toLowerCase(), offer.status);
  if (withFill) parts.push(o.enrolled === null ? 'no enrolment reported' : `${num(o.enrolled)} enrolled (${pct(o.fill_rate)} full)`);
  return h('li', null,
    h('strong', { class: 'provider', title: `UKPRN ${o.ukprn}` }, providerName(o.ukprn)), ': ', offer ? offer.title : o.offer_id, ' ',
    h('span', { class: 'code' }, `(${o.offer_id})`), ', ', parts.join(', '),
    // Handled by the page (app.js), which knows how to draw the what-if.
    state.canWhatIf ? [' ', h('button', {
      type: 'button', class: 'button-secondary whatif-withdraw', 'data-ukprn': o.ukprn, 'data-offer': o.offer_id,
      'data-title': offer ? offer.title : o.offer_id,
    }, 'What if withdrawn?')] : null);
}

function needLine(id) {
  const n = state.needs.get(id);
  if (!n) return h('li', null, `Need ${id}`);
  return h('li', { class: 'need' }, h('strong', null, `${num(n.learners)} learners`),
    `, evidence: ${evidenceLabel(n.evidence)}`, n.mode ? `, ${modeLabel(n.mode).toLowerCase()}` : '',
    n.note ? `, “${n.note}”` : '', ' ', h('span', { class: 'code' }, `(${id})`));
}

function severityBadge(severity) {
  const s = SEVERITY[severity] || { label: severity, icon: '' };
  return h('span', { class: `severity sev-${severity}`, title: s.help },
    s.icon ? h('span', { 'aria-hidden': 'true' }, s.icon) : dupIcon(), s.label);
}

function coverageBar(ratio) {
  const width = Math.max(0, Math.min(1, ratio || 0)) * 100;
  const fill = h('span', { class: 'bar-fill' });
  fill.style.width = `${width}%`;
  return h('span', { class: 'bar' }, h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill), pct(ratio));
}

/** "What if a provider added N places here?", handled by the page (app.js). */
function addPlacesForm(g) {
  const id = `add-${gapKey(g).replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const providers = [...new Set([...state.offers.values()].map((o) => o.ukprn))].sort((a, b) => providerName(a).localeCompare(providerName(b)));
  return h('form', {
    class: 'whatif-add', 'data-year': g.academic_year, 'data-subject': g.subject, 'data-level': g.level, 'data-age': g.age_group,
  },
  h('h3', null, 'What if a provider added places here?'),
  h('label', { for: `${id}-provider` }, 'Provider'),
  h('select', { id: `${id}-provider`, name: 'ukprn' }, providers.map((u) => h('option', { value: u }, providerName(u)))),
  h('label', { for: `${id}-places` }, 'Places'),
  h('input', { id: `${id}-places`, name: 'places', type: 'number', min: 1, max: 10000, value: g.unmet, required: true }),
  h('button', { type: 'submit', class: 'button-secondary' }, 'See what would change'));
}

/** "Propose a change" about this row, handled by the page (app.js, propose.js). */
function proposeButton(report, key) {
  return may('propose')
    ? h('p', null, h('button', { type: 'button', class: 'button-secondary propose', 'data-report': report, 'data-key': key }, 'Propose a change'))
    : null;
}

const SORT_VALUE = {
  subject: (r) => r.subject,
  level: (r) => LEVELS.indexOf(r.level),
  age_group: (r) => AGES.indexOf(r.age_group),
  mode: (r) => MODES.indexOf(r.mode),
  providers: (r) => r.providers.length,
  severity: (r) => (SEVERITY[r.severity] || { rank: 0 }).rank,
  fill_rate: (r) => (r.fill_rate === null ? -1 : r.fill_rate),
};

export function sorted(rows, sort) {
  const value = SORT_VALUE[sort.key] || ((r) => r[sort.key]);
  const sign = sort.dir === 'ascending' ? 1 : -1;
  return rows.map((r, i) => [r, i]).sort(([a, i], [b, j]) => {
    const x = value(a);
    const y = value(b);
    const c = sort.key === 'subject' ? byCode(x, y) : (x < y ? -1 : x > y ? 1 : 0);
    return c * sign || i - j;
  }).map(([r]) => r);
}

/** A report row with a button in its first cell that shows the row of detail below it. */
function expandableRow(key, name, cells, detail, colspan) {
  const open = state.expanded.has(key);
  const detailId = `detail-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const button = h('button', {
    type: 'button', class: 'expand', id: `open-${detailId}`, 'aria-expanded': String(open), 'aria-controls': detailId,
    onclick: () => {
      if (state.expanded.has(key)) state.expanded.delete(key); else state.expanded.add(key);
      const now = state.expanded.has(key);
      button.setAttribute('aria-expanded', String(now));
      $(detailId).hidden = !now;
    },
  }, name);
  const mark = markOf(key);
  const flash = ['row', state.flash.has(key) ? 'flash' : null, mark ? `mark-${mark}` : null].filter(Boolean).join(' ');
  const first = h('th', { scope: 'row' }, button, tagFor(key), markTag(mark));
  return [
    h('tr', { class: flash, 'data-key': key }, first, cells),
    h('tr', { class: 'detail', id: detailId, hidden: !open }, h('td', { colspan }, detail())),
  ];
}

const MARK_LABEL = { opened: 'Opened', changed: 'Changed' };
const markTag = (mark) => (MARK_LABEL[mark] ? h('span', { class: `tag tag-${mark}` }, MARK_LABEL[mark]) : null);

const subjectCell = (code) => [subjectName(code), ' ', h('span', { class: 'code' }, code)];

export function renderGaps(rows) {
  const table = $('gaps');
  const list = sorted(rows, state.sort.gaps);
  $('gaps-empty').hidden = list.length > 0;
  table.hidden = list.length === 0;
  table.tBodies[0].replaceChildren(...list.flatMap((g) => expandableRow(gapKey(g), subjectCell(g.subject), [
    h('td', null, levelShort(g.level)),
    h('td', null, ageShort(g.age_group)),
    h('td', { class: 'num' }, num(g.demand)),
    h('td', { class: 'num' }, num(g.supply)),
    h('td', { class: 'num' }, h('strong', null, num(g.unmet))),
    h('td', { class: 'wide-only' }, coverageBar(g.coverage)),
    h('td', null, severityBadge(g.severity)),
  ], () => h('div', { class: 'detail-grid' },
    h('div', null, h('h3', null, `Needs identified (${g.needs.length})`),
      h('ul', null, g.needs.map(needLine))),
    h('div', null, h('h3', null, `Courses offering places (${g.offers.length})`),
      g.offers.length ? h('ul', null, g.offers.map((o) => offerLine(o, false))) : h('p', null, 'No course offers places here yet.')),
    state.canWhatIf ? addPlacesForm(g) : null, proposeButton('gap', gapKey(g))), 8)));
}

export function renderDups(rows) {
  const table = $('dups');
  const list = sorted(rows, state.sort.dups);
  $('dups-empty').hidden = list.length > 0;
  table.hidden = list.length === 0;
  table.tBodies[0].replaceChildren(...list.flatMap((d) => expandableRow(dupKey(d), subjectCell(d.subject), [
    h('td', null, levelShort(d.level)),
    h('td', null, ageShort(d.age_group)),
    h('td', null, modeLabel(d.mode)),
    h('td', { class: 'num' }, num(d.providers.length)),
    h('td', { class: 'num' }, num(d.supply)),
    h('td', { class: 'num' }, num(d.demand)),
    h('td', { class: 'num' }, h('strong', null, num(d.surplus))),
    h('td', { class: 'num' }, pct(d.fill_rate)),
    h('td', null, severityBadge(d.severity)),
  ], () => h('div', { class: 'detail-grid' },
    h('div', null, h('h3', null, `Courses (${d.offers.length}) from ${d.providers.length} providers`),
      h('ul', null, d.offers.map((o) => offerLine(o, true)))),
    h('div', null, h('h3', null, 'Why this is duplication'),
      h('p', null, d.demand
        ? `${num(d.supply)} places for a need of ${num(d.demand)} learners: ${num(d.surplus)} more than needed.`
        : `${num(d.supply)} places and no recorded need.`,
      d.fill_rate === null ? '' : ` Classes are ${pct(d.fill_rate)} full.`), proposeButton('duplication', dupKey(d)))), 10)));
}

export function renderTargets(targets) {
  $('targets-empty').hidden = targets.length > 0;
  $('targets').replaceChildren(...targets.map((t) => {
    const key = targetKey(t);
    const id = `target-${t.target_id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const met = t.current >= t.value;
    return h('li', { class: state.flash.has(key) ? 'target flash' : 'target' },
      h('p', { class: 'target-name', id: `${id}-name` }, targetName(t), tagFor(key)),
      h('progress', { max: t.value, value: Math.min(t.current, t.value), 'aria-labelledby': `${id}-name`, 'aria-describedby': `${id}-figures` }),
      h('p', { class: 'target-figures', id: `${id}-figures` },
        `${num(t.current)} of ${num(t.value)} (${pct(t.progress)})`,
        met ? h('span', { class: 'target-met' }, ' ✓ met') : null,
        h('span', { class: 'code' }, `${t.title ? ` · ${targetScope(t)}` : ''} · target ${t.target_id}`)));
  }));
}

/** Makes the headers of `tableId` sort `state.sort[which]`; `rerender` draws the result. */
export function setupSorting(tableId, which, rerender) {
  const ths = [...$(tableId).tHead.querySelectorAll('th[data-key]')];
  for (const th of ths) {
    th.querySelector('button').addEventListener('click', () => {
      const sort = state.sort[which];
      const key = th.dataset.key;
      const textual = ['subject', 'level', 'age_group', 'mode'].includes(key);
      sort.dir = sort.key === key ? (sort.dir === 'ascending' ? 'descending' : 'ascending') : (textual ? 'ascending' : 'descending');
      sort.key = key;
      for (const other of ths) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', sort.dir);
      rerender();
      announce(`Sorted by ${th.textContent.trim().toLowerCase()}, ${sort.dir}.`);
    });
  }
}
