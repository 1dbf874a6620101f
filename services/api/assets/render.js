// Draws the whole page from the last reports read: title, summary cards, heat map, the lists
// narrowed to the square chosen, and the targets.

import { $, announce } from './dom.js';
import { renderHeatmap } from './heatmap.js';
import { inFocus, inView, state } from './state.js';
import { renderDups, renderGaps, renderTargets } from './tables.js';
import { fmt, levelLabel, num, subjectName } from './vocab.js';
import { renderWhatIf, shownRows } from './whatif.js';
import { renderSince } from './since.js';

export function render() {
  const report = state.report;
  if (!report) return;
  const active = document.activeElement && document.activeElement.id;
  const partnership = report.detail;
  $('page-title').textContent = `${partnership.name}, ${state.year || 'no data yet'}`;
  document.title = `${partnership.name}: Provisio`;
  const shown = shownRows(report);
  const gaps = shown.gaps.filter(inView);
  const dups = shown.dups.filter(inView);
  renderSummary(gaps, dups, partnership);
  renderHeatmap(gaps, dups, chooseFocus);
  renderFocus();
  renderGaps(gaps.filter(inFocus));
  renderDups(dups.filter(inFocus));
  renderTargets(report.targets.filter((t) => t.academic_year === state.year));
  renderSince();
  renderWhatIf();
  $('as-of').textContent = `Up to date with event ${fmt.format(state.lastEventId || report.position)} of the log, at ${new Date().toLocaleTimeString('en-GB')}.`;
  if (active && document.activeElement !== $(active) && $(active)) $(active).focus({ preventScroll: true });
}

function renderSummary(gaps, dups, partnership) {
  const critical = gaps.filter((g) => g.severity === 'critical').length;
  const wasteful = dups.filter((d) => d.severity === 'wasteful').length;
  $('sum-unmet').textContent = num(gaps.reduce((s, g) => s + g.unmet, 0));
  $('sum-gaps').textContent = num(gaps.length);
  $('sum-critical').textContent = `${num(critical)} with no places at all`;
  $('sum-dups').textContent = num(dups.length);
  $('sum-wasteful').textContent = `${num(wasteful)} with classes not filling`;
  $('sum-providers').textContent = num((partnership.providers || []).length);
}

/** Narrows the lists to one heat-map square (`null`: every square). */
export function chooseFocus(focus) {
  state.focus = focus;
  render();
  if (focus) {
    announce(`Showing gaps and duplication for ${subjectName(focus.subject)}, ${levelLabel(focus.level).toLowerCase()}.`);
    $('gaps-section').scrollIntoView({ behavior: 'smooth', block: 'start' });
  } else {
    announce('Showing every subject and level.');
  }
}

function renderFocus() {
  const bar = $('filter-bar');
  bar.hidden = !state.focus;
  if (state.focus) $('filter-text').textContent = `Showing only ${subjectName(state.focus.subject)} (${state.focus.subject}), ${levelLabel(state.focus.level).toLowerCase()}.`;
}
