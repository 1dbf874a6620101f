// Live changes as the planner sees them: the keys of report rows, the "New"/"Changed" marks
// on rows that moved, and the "Latest changes" list.

import { $, announce, h } from './dom.js';
import { state } from './state.js';
import { ageLabel, levelLabel, modeLabel, num, pct, subjectName, targetName } from './vocab.js';

const KIND_LABEL = {
  'gap.opened': 'New gap', 'gap.changed': 'Gap changed', 'gap.closed': 'Gap closed',
  'duplication.opened': 'New duplication', 'duplication.changed': 'Duplication changed', 'duplication.closed': 'Duplication ended',
  'target.changed': 'Target progress', 'proposal.changed': 'Proposal',
};
/** Changed rows keep their "New" or "Changed" tag this long. */
const RECENT_MS = 2 * 60 * 1000;

export const gapKey = (r) => ['gap', r.academic_year, r.subject, r.level, r.age_group].join('|');
export const dupKey = (r) => ['dup', r.academic_year, r.subject, r.level, r.age_group, r.mode].join('|');
export const targetKey = (r) => ['target', r.target_id].join('|');
const proposalKey = (r) => ['proposal', r.proposal_id].join('|');

function changeKey(change) {
  const k = change.key || {};
  if (change.kind.startsWith('gap.')) return gapKey(k);
  if (change.kind.startsWith('duplication.')) return dupKey(k);
  if (change.kind.startsWith('proposal.')) return proposalKey(k);
  return targetKey(k);
}

/** Marks the rows `changes` touched; `rerender` draws the page again when the marks expire. */
export function markChanged(changes, rerender) {
  const now = Date.now();
  state.flash.clear();
  for (const c of changes) {
    const key = changeKey(c);
    const previous = state.recent.get(key);
    const opened = c.kind.endsWith('.opened') || (previous && previous.opened);
    state.recent.set(key, { at: now, opened });
    state.flash.add(key);
    const k = c.key || {};
    if (k.subject && k.level) state.flash.add(`cell|${k.academic_year}|${k.subject}|${k.level}`);
  }
  for (const [key, mark] of state.recent) if (now - mark.at > RECENT_MS) state.recent.delete(key);
  if (state.recent.size) {
    clearTimeout(state.recentTimer);
    state.recentTimer = setTimeout(() => { markChanged([], rerender); rerender(); }, RECENT_MS + 1000);
  }
}

function describeKey(change) {
  const k = change.key || {};
  if (change.kind.startsWith('proposal.')) return change.row ? `“${change.row.title}”` : `proposal ${k.proposal_id}`;
  if (change.kind.startsWith('target.')) {
    const row = change.row || (state.report && state.report.targets.find((t) => t.target_id === k.target_id));
    return row ? targetName(row) : `target ${k.target_id}`;
  }
  const parts = [`${subjectName(k.subject)} (${k.subject})`, levelLabel(k.level), ageLabel(k.age_group)];
  if (k.mode) parts.push(modeLabel(k.mode).toLowerCase());
  return `${parts.join(', ')}, ${k.academic_year}`;
}

function describeChange(change) {
  const row = change.row;
  if (!row) return '';
  if (change.kind.startsWith('gap.')) return `${num(row.unmet)} learners without a place`;
  if (change.kind.startsWith('duplication.')) return `${row.providers.length} providers, ${num(row.surplus)} places over the need`;
  if (change.kind.startsWith('proposal.')) return `${row.status}, ${row.tally.support} for and ${row.tally.object} against`;
  return `${num(row.current)} of ${num(row.value)} (${pct(row.progress)})`;
}

export function logChanges(all) {
  // The kinds this page knows how to say; any other (a newer server's) is left out.
  const changes = all.filter((c) => c.kind in KIND_LABEL);
  if (!changes.length) return;
  const list = $('changes');
  const time = new Date();
  const stamp = time.toLocaleTimeString('en-GB');
  const items = changes.map((c) => h('li', { class: 'flash' },
    h('time', { datetime: time.toISOString() }, stamp),
    h('span', { class: 'change-kind' }, KIND_LABEL[c.kind] || c.kind),
    h('span', null, describeKey(c)),
    h('span', { class: 'code' }, describeChange(c))));
  list.prepend(...items.reverse());
  while (list.childElementCount > 50) list.lastElementChild.remove();
  $('changes-empty').hidden = true;
  const said = changes.slice(0, 3).map((c) => `${KIND_LABEL[c.kind] || c.kind}: ${describeKey(c)}.`);
  if (changes.length > 3) said.push(`And ${changes.length - 3} more changes.`);
  announce(said.join(' '));
}

export function tagFor(key) {
  const mark = state.recent.get(key);
  if (!mark) return null;
  return h('span', { class: 'tag' }, mark.opened ? 'New' : 'Changed');
}
