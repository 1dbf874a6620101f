// What-if: draft changes (withdraw this offer, add places here) sent to the service's what-if
// report, which simulates them and stores nothing. The page then shows the reports as they
// would be, under a banner, until the planner discards the drafts.

import { ApiError, explain, headers, partnershipPath } from './api.js';
import { dupKey, gapKey } from './changes.js';
import { $, announce, h } from './dom.js';
import { changeItems, marksOf, summaryPairs } from './since.js';
import { state } from './state.js';
import { providerName } from './tables.js';
import { ageLabel, levelLabel, num, subjectName } from './vocab.js';

async function post(drafts) {
  const response = await fetch(`${partnershipPath(state.partnership)}/what-if`, {
    method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(drafts), cache: 'no-store',
  });
  let body = null;
  try { body = await response.json(); } catch (_) { /* not JSON */ }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/** Whether the key may simulate drafts here: a key that may not is refused before anything. */
export async function probeWhatIf() {
  const generation = state.loadGeneration;
  let allowed;
  try {
    await post([]);
    allowed = true;
  } catch (error) {
    allowed = !(error instanceof ApiError && (error.status === 401 || error.status === 403));
  }
  if (generation !== state.loadGeneration) return;
  state.canWhatIf = allowed;
  $('whatif-section').hidden = !allowed;
}

/** `rows` as they would be after `diff` (a changes object's gaps or duplications). */
export function applyDiff(rows, diff, key) {
  const closed = new Set(diff.closed.map(key));
  const changed = new Map(diff.changed.map((c) => [key(c.after), c.after]));
  return rows.filter((r) => !closed.has(key(r))).map((r) => changed.get(key(r)) || r).concat(diff.opened);
}

/** The gaps and duplications to draw: the report's, or as the drafts would make them. */
export function shownRows(report) {
  if (!state.whatif || !state.whatif.changes) return { gaps: report.gaps, dups: report.dups };
  const c = state.whatif.changes;
  return { gaps: applyDiff(report.gaps, c.gaps, gapKey), dups: applyDiff(report.dups, c.duplications, dupKey) };
}

/** Answers to older questions (or to drafts since discarded) are ignored. */
let asked = 0;

/** Asks the service what `drafts` would change from the reports as they now are. */
async function simulate(drafts, rerender) {
  const question = ++asked;
  $('whatif-status').textContent = 'Working out what would change…';
  const generation = state.loadGeneration;
  try {
    const changes = await post(drafts.map((d) => d.draft));
    if (generation !== state.loadGeneration || question !== asked) return false;
    state.whatif = { drafts, changes, marks: marksOf(changes) };
    $('whatif-status').textContent = '';
    renderWhatIf();
    rerender();
    return true;
  } catch (error) {
    if (question !== asked) return false;
    const detail = error instanceof ApiError && error.problem && error.problem.errors
      ? error.problem.errors.map((e) => `${e.field}: ${e.message}`).join('; ') : explain(error);
    $('whatif-status').textContent = `This draft cannot be simulated. ${detail}`;
    return false;
  }
}

/** Adds a draft to those already made and shows what they would change together. */
async function addDraft(draft, label, rerender) {
  const drafts = (state.whatif ? state.whatif.drafts : []).concat([{ draft, label }]);
  if (await simulate(drafts, rerender)) announce(`What-if: ${label}. Nothing is published.`);
}

/** After the published reports moved on, asks again what the drafts would change from them. */
export function refreshWhatIf(rerender) {
  if (state.whatif) simulate(state.whatif.drafts, rerender);
}

/** Asks what withdrawing `offer` ({ukprn, offer_id}) would change. */
export function withdrawOffer(offer, title, rerender) {
  const draft = {
    specversion: '1.0', source: `urn:ukprn:${offer.ukprn}`, type: 'lp.provision.withdrawn.v1',
    data: { ukprn: offer.ukprn, offer_id: offer.offer_id, reason: 'what-if' },
  };
  return addDraft(draft, `withdraw ${title} (${offer.offer_id})`, rerender);
}

/** Asks what a new course of `places` places from provider `ukprn` in the gap's cell would change. */
export function addPlaces(cell, ukprn, places, rerender) {
  // The new course is taught at one of the provider's venues that already serve the partnership.
  const venue = [...state.offers.values()].find((o) => o.ukprn === ukprn);
  if (!venue || !(places >= 1)) {
    $('whatif-status').textContent = 'Choose a provider with a course in this partnership, and at least one place.';
    return null;
  }
  const number = state.whatif ? state.whatif.drafts.length + 1 : 1;
  const draft = {
    specversion: '1.0', source: `urn:ukprn:${ukprn}`, type: 'lp.provision.offered.v1',
    data: {
      ukprn, offer_id: `WHAT-IF-${number}`, venue_id: venue.venue_id, title: `${subjectName(cell.subject)} (draft)`,
      subject: cell.subject, level: cell.level, age_group: cell.age_group, mode: 'full-time', academic_year: cell.academic_year, places,
    },
  };
  return addDraft(draft, `add ${num(places)} places of ${subjectName(cell.subject)} (${cell.subject}), ${levelLabel(cell.level).toLowerCase()}, ${ageLabel(cell.age_group)}, at ${providerName(ukprn)}`, rerender);
}

export function discardWhatIf(rerender) {
  asked += 1;
  state.whatif = null;
  renderWhatIf();
  rerender();
  announce('Drafts discarded: showing the published reports.');
}

export function renderWhatIf() {
  const w = state.whatif;
  $('whatif-banner').hidden = !w;
  $('whatif-result').hidden = !w;
  document.body.classList.toggle('whatif-mode', !!w);
  if (!w) return;
  $('whatif-drafts').replaceChildren(...w.drafts.map((d) => h('li', null, d.label)));
  $('whatif-summary').replaceChildren(summaryPairs(w.changes.summary));
  const items = changeItems(w.changes);
  $('whatif-list').replaceChildren(...items);
  $('whatif-empty').hidden = items.length > 0;
}
