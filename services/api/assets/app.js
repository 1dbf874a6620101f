// Provisio dashboard: plain JavaScript modules, no framework, no build step. Reads the report
// API of the service that served it, and follows its live stream. This module loads a
// partnership, reads it again after each change, and wires the page's controls.

import { ApiError, api, explain, loadCoverage, loadReports, readKey } from './api.js';
import { dupKey, gapKey, logChanges, markChanged } from './changes.js';
import { exportDups, exportGaps } from './csv.js';
import { $, h, notice } from './dom.js';
import { moveInHeatmap } from './heatmap.js';
import { setLive, startStream, stopStream } from './live.js';
import { openProposal } from './propose.js';
import { loadProposals } from './proposals.js';
import { renderPublish } from './publish.js';
import { chooseFocus, render } from './render.js';
import { state } from './state.js';
import { loadPlans } from './plans.js';
import { loadSince, loadSinceLastPlan, renderSince } from './since.js';
import { loadSelf } from './submit.js';
import { setupSorting } from './tables.js';
import { loadTrend } from './trend.js';
import { loadSubjects } from './vocab.js';
import { addPlaces, discardWhatIf, probeWhatIf, refreshWhatIf, renderWhatIf, withdrawOffer } from './whatif.js';

function applyReport(report, coverage) {
  state.report = report;
  state.coverage = coverage;
  // What the detail rows name: offers by "ukprn/offer id", providers, needs.
  state.offers = new Map(report.offers.map((o) => [`${o.ukprn}/${o.offer_id}`, o]));
  state.providers = new Map(report.providers.map((p) => [p.ukprn, p]));
  state.needs = new Map(report.needs.map((n) => [n.need_id, n]));
}

function currentAcademicYear() {
  const now = new Date();
  const start = now.getMonth() >= 7 ? now.getFullYear() : now.getFullYear() - 1;
  return `${start}/${String((start + 1) % 100).padStart(2, '0')}`;
}

function yearsOf(report) {
  const years = new Set();
  for (const list of [report.gaps, report.dups, report.targets, report.offers]) for (const r of list) years.add(r.academic_year);
  return [...years].sort();
}

function fillYears(years) {
  const select = $('year');
  if (!years.includes(state.year)) {
    const now = currentAcademicYear();
    state.year = years.includes(now) ? now : (years.filter((y) => y <= now).pop() || years[years.length - 1] || null);
  }
  // Left alone when nothing changed, so a list the planner has open stays open.
  const shown = [...select.options].map((o) => o.value).join(' ');
  if (shown === years.join(' ') && select.value === state.year) return;
  select.replaceChildren(...years.map((y) => h('option', { value: y, selected: y === state.year }, y)));
  if (!years.length) select.append(h('option', { value: '' }, 'No data yet'));
  select.disabled = !years.length;
}

/** Loads one partnership from scratch and starts following its changes. */
async function selectPartnership(id, { automatic = false } = {}) {
  const generation = ++state.loadGeneration;
  stopStream();
  state.partnership = id;
  state.report = null;
  state.expanded.clear();
  state.recent.clear();
  state.focus = null;
  clearTimeout(state.refresh.timer);
  state.refresh = { running: false, again: false, target: 0, timer: null, pending: [] };
  state.since = null;
  state.whatif = null;
  state.canWhatIf = false;
  $('whatif-section').hidden = true;
  $('propose-section').hidden = true;
  renderSince();
  renderWhatIf();
  $('trend-charts').replaceChildren();
  $('changes').replaceChildren();
  $('changes-empty').hidden = false;
  $('partnership').value = id;
  setLive('connecting', 'Loading…');
  notice('');
  try {
    const report = await loadReports(id);
    if (generation !== state.loadGeneration) return;
    fillYears(yearsOf(report));
    const coverage = await loadCoverage(report.position);
    if (generation !== state.loadGeneration) return;
    applyReport(report, coverage);
    state.lastEventId = report.position;
    $('main').classList.remove('no-data');
    rememberSelection();
    render();
    startStream(id, onChange);
    loadProposals(report.position);
    probeWhatIf().then(render);
    loadTrend();
    loadPlans();
    renderPublish(yearsOf(report), (position) => loadPlans(position));
    if ($('since-date').value) loadSince(render);
  } catch (error) {
    if (generation !== state.loadGeneration) return;
    if (automatic && error instanceof ApiError && error.status === 403) {
      const next = state.partnerships.map((p) => p.partnership_id).find((p) => !state.refused.has(p) && p !== id);
      state.refused.add(id);
      if (next) return selectPartnership(next, { automatic: true });
    }
    // Nothing of another partnership stays on screen under this one's name.
    const chosen = state.partnerships.find((p) => p.partnership_id === id);
    $('page-title').textContent = chosen ? chosen.name : id;
    $('main').classList.add('no-data');
    notice(explain(error));
    setLive('offline', 'Not live');
    if (!(error instanceof ApiError)) setTimeout(() => generation === state.loadGeneration && selectPartnership(id), 5000);
  }
}

function rememberSelection() {
  const params = new URLSearchParams(location.search);
  params.set('partnership', state.partnership);
  if (state.year) params.set('year', state.year); else params.delete('year');
  history.replaceState(history.state, '', `${location.pathname}?${params}${location.hash}`);
}

/** Reads the reports again after changes, at least at `position`; runs one at a time. */
async function refresh(position) {
  const r = state.refresh; // replaced whole when another partnership is chosen
  r.target = Math.max(r.target, position || 0);
  if (r.running) { r.again = true; return; }
  r.running = true;
  const generation = state.loadGeneration;
  try {
    do {
      r.again = false;
      const target = r.target;
      const report = await loadReports(state.partnership, target);
      if (generation !== state.loadGeneration) return;
      fillYears(yearsOf(report));
      const coverage = await loadCoverage(target);
      if (generation !== state.loadGeneration) return;
      applyReport(report, coverage);
      const changes = r.pending.splice(0);
      markChanged(changes, render);
      render();
      state.flash.clear(); // a later render (sorting, say) does not flash the rows again
      logChanges(changes);
      notice('');
      if (state.since) loadSince(render);
      if (changes.some((c) => c.kind === 'proposal.changed')) loadProposals(target);
      refreshWhatIf(render);
    } while (r.again);
  } catch (error) {
    if (generation === state.loadGeneration) {
      notice(explain(error));
      r.again = false;
      setTimeout(() => refresh(r.target), 3000);
    }
  } finally {
    r.running = false;
  }
}

function onChange(event) {
  let change;
  try { change = JSON.parse(event.data); } catch (_) { return; }
  state.refresh.pending.push(change);
  const badge = $('live-status');
  badge.classList.remove('bump');
  void badge.offsetWidth; // restart the animation
  badge.classList.add('bump');
  clearTimeout(state.refresh.timer);
  const position = Number(event.id) || change.position || 0;
  state.refresh.timer = setTimeout(() => refresh(position), 250);
}

async function start() {
  state.key = readKey();
  setupSorting('gaps', 'gaps', render);
  setupSorting('dups', 'dups', render);
  $('export-gaps').addEventListener('click', exportGaps);
  $('export-dups').addEventListener('click', exportDups);
  $('filter-clear').addEventListener('click', () => chooseFocus(null));
  $('heatmap').addEventListener('keydown', moveInHeatmap);
  $('pickers').addEventListener('submit', (e) => e.preventDefault());
  $('partnership').addEventListener('change', (e) => { state.year = null; selectPartnership(e.target.value); });
  $('year').addEventListener('change', async (e) => {
    state.year = e.target.value;
    state.focus = null;
    rememberSelection();
    try {
      state.coverage = await loadCoverage();
      render();
    } catch (error) { notice(explain(error)); }
  });
  $('since-form').addEventListener('submit', (e) => { e.preventDefault(); loadSince(render); });
  $('since-clear').addEventListener('click', () => { $('since-date').value = ''; state.since = null; loadSince(render); });
  $('since-plan').addEventListener('click', () => loadSinceLastPlan(render));
  $('trend-every').addEventListener('change', loadTrend);
  $('whatif-discard').addEventListener('click', () => discardWhatIf(render));
  $('main').addEventListener('click', (e) => {
    const button = e.target.closest('button.whatif-withdraw');
    if (button) withdrawOffer({ ukprn: button.dataset.ukprn, offer_id: button.dataset.offer }, button.dataset.title, render);
    const propose = e.target.closest('button.propose');
    if (propose) {
      const gap = propose.dataset.report === 'gap';
      const row = (gap ? state.report.gaps : state.report.dups).find((r) => (gap ? gapKey(r) : dupKey(r)) === propose.dataset.key);
      if (row) openProposal(propose.dataset.report, row);
    }
  });
  $('main').addEventListener('submit', (e) => {
    const form = e.target.closest('form.whatif-add');
    if (!form) return;
    e.preventDefault();
    const d = form.dataset;
    const cell = { academic_year: d.year, subject: d.subject, level: d.level, age_group: d.age };
    addPlaces(cell, form.elements.ukprn.value, Number(form.elements.places.value), render);
  });
  $('age').addEventListener('change', (e) => { state.age = e.target.value; render(); });
  window.addEventListener('online', () => state.stream.wake && state.stream.wake());

  const params = new URLSearchParams(location.search);
  state.year = params.get('year');
  try {
    await Promise.all([loadSubjects(), loadSelf()]);
    const body = await api('/v1/partnerships');
    state.partnerships = body.partnerships.slice().sort((a, b) => a.name.localeCompare(b.name));
  } catch (error) {
    notice(explain(error));
    setLive('offline', 'Not live');
    return;
  }
  const select = $('partnership');
  select.replaceChildren(...state.partnerships.map((p) => h('option', { value: p.partnership_id }, p.name)));
  if (!state.partnerships.length) {
    select.append(h('option', { value: '' }, 'None registered yet'));
    notice('No partnership is registered yet. Once one is, reload this page.');
    setLive('offline', 'Not live');
    return;
  }
  select.disabled = false;
  const wanted = params.get('partnership');
  const first = state.partnerships.some((p) => p.partnership_id === wanted) ? wanted : state.partnerships[0].partnership_id;
  selectPartnership(first, { automatic: first !== wanted });
}

start();
