// The partnership's local learning plans: each published plan with its document (HTML to read
// or print, PDF to circulate) and how it stands now, and "since the last plan" for the
// changes panel (since.js). The documents need the access key, so they are fetched here and
// handed to the browser as files, never linked to directly.

import { api, explain, headers, partnershipPath } from './api.js';
import { $, announce, h } from './dom.js';
import { state } from './state.js';
import { num } from './vocab.js';

const STATUS_LABEL = { draft: 'Draft', consultation: 'Out for consultation', final: 'Final' };

function published(at) {
  return new Date(at).toLocaleString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }) + ' UTC';
}

/** Reads the plans of the partnership chosen (at `position` or later) and lists them; none, or refused: an empty list. */
export async function loadPlans(position) {
  const generation = state.loadGeneration;
  state.plans = [];
  renderPlans();
  try {
    const answer = await api(`${partnershipPath(state.partnership)}/plans`, { min_position: position });
    if (generation !== state.loadGeneration) return;
    state.plans = answer.plans;
  } catch (error) {
    if (generation !== state.loadGeneration) return;
    $('plans-status').textContent = explain(error);
  }
  renderPlans();
}

function renderPlans() {
  const plans = state.plans || [];
  $('plans-status').textContent = '';
  $('plans-list').replaceChildren(...plans.map(planItem));
  $('plans-empty').hidden = plans.length > 0;
  $('since-plan').hidden = plans.length === 0;
}

function planItem(plan) {
  const progress = h('div', { class: 'plan-progress', 'aria-live': 'polite' });
  return h('li', { class: 'plan' },
    h('h3', null, plan.title),
    h('p', { class: 'hint' }, `${STATUS_LABEL[plan.status] || plan.status} · ${plan.academic_years.join(', ')} · published ${published(plan.published_at)} (log position ${num(plan.position)})`),
    h('div', { class: 'plan-actions' },
      h('button', { type: 'button', class: 'button-secondary', onclick: () => openDocument(plan, 'html') }, 'Read the plan'),
      h('button', { type: 'button', class: 'button-secondary', onclick: () => openDocument(plan, 'pdf') }, 'Download the PDF'),
      h('button', { type: 'button', class: 'button-secondary', onclick: () => showProgress(plan, progress) }, 'Progress since then')),
    progress);
}

const planPath = (plan) => `${partnershipPath(state.partnership)}/plans/${encodeURIComponent(plan.plan_id)}`;

/** Fetches the document with the key and opens it (HTML, in a new tab) or saves it (PDF). */
async function openDocument(plan, format) {
  // Opened before the fetch, while the click still counts, so no pop-up blocker stops it.
  const tab = format === 'html' ? window.open('', '_blank') : null;
  try {
    const response = await fetch(`${planPath(plan)}/document?format=${format}`, { headers: headers({ Accept: '*/*' }) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const url = URL.createObjectURL(await response.blob());
    if (tab) {
      tab.location = url;
    } else {
      const link = h('a', { href: url, download: `${state.partnership}-${plan.plan_id}.pdf` });
      document.body.append(link);
      link.click();
      link.remove();
    }
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    if (tab) tab.close();
    $('plans-status').textContent = `The plan's document could not be read: ${explain(error)}`;
  }
}

/** The plan then and now: targets, gaps still open, proposals' status. */
async function showProgress(plan, into) {
  try {
    const p = await api(`${planPath(plan)}/progress`);
    const closed = p.gaps.filter((g) => !g.open_now).length;
    const items = [
      h('li', null, `${num(closed)} of ${num(p.gaps.length)} gaps in the plan have closed; learners with no place in them: ${num(p.gaps.reduce((s, g) => s + g.unmet_then, 0))} then, ${num(p.gaps.reduce((s, g) => s + g.unmet_now, 0))} now`),
      h('li', null, `${num(p.duplications.filter((d) => !d.open_now).length)} of ${num(p.duplications.length)} duplications have ended`),
      ...p.targets.map((t) => h('li', null, `Target ${t.target_id}: ${num(t.then)} then, ${t.now === null ? 'no longer set' : num(t.now)} now, of ${num(t.value)}`)),
      ...p.proposals.map((x) => h('li', null, `Action ${x.proposal_id}: ${x.status_then} then, ${x.status_now || 'gone'} now`)),
    ];
    into.replaceChildren(h('ul', { class: 'pairs' }, items));
    announce(`Progress of ${plan.title} shown.`);
  } catch (error) {
    into.replaceChildren(h('p', { class: 'hint' }, explain(error)));
  }
}
