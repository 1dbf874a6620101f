// "Publish a plan" in the plans view (CONTRACT section 9), for a key that speaks for the
// partnership: a title, its academic years, a status and priorities, with defaults a planner
// can send as they are (this year, a draft, one priority per largest gap), sent as
// `lp.plan.published.v1`. The plan takes the agreed and done proposals by default.

import { explain } from './api.js';
import { $, announce, h } from './dom.js';
import { state } from './state.js';
import { Rejected, may, newId, sendEvent } from './submit.js';
import { levelLabel, subjectName } from './vocab.js';

const STATUSES = [['draft', 'Draft'], ['consultation', 'Out for consultation'], ['final', 'Final']];

/** The priorities a plan starts from: the three largest gaps of the year. */
function defaultPriorities() {
  const gaps = ((state.report && state.report.gaps) || []).filter((g) => g.academic_year === state.year);
  return gaps.slice(0, 3).map((g) => `Places in ${subjectName(g.subject)} (${levelLabel(g.level).toLowerCase()}, ${g.age_group})`).join('\n');
}

/** Draws the "Publish a plan" button and form, or nothing for a key that may not publish. */
export function renderPublish(years, onPublished) {
  const into = $('publish-plan');
  if (!may('publish') || !years.length) { into.replaceChildren(); return; }
  const errors = h('ul', { id: 'publish-errors', class: 'form-errors', role: 'alert' });
  const yearBoxes = years.map((y) => h('label', { class: 'choice' }, h('input', { type: 'checkbox', name: 'years', value: y, checked: y === state.year }), ` ${y} `));
  const form = h('form', { id: 'publish-form', class: 'collab-form', hidden: true },
    h('div', { class: 'field' }, h('label', { for: 'publish-title' }, 'Title'),
      h('input', { id: 'publish-title', name: 'title', required: true, value: `Local learning plan ${state.year}` })),
    h('fieldset', null, h('legend', null, 'Academic years'), yearBoxes),
    h('div', { class: 'field' }, h('label', { for: 'publish-status' }, 'Status'),
      h('select', { id: 'publish-status', name: 'status' }, STATUSES.map(([v, l]) => h('option', { value: v }, l)))),
    h('div', { class: 'field' }, h('label', { for: 'publish-priorities' }, 'Priorities (one a line)'),
      h('textarea', { id: 'publish-priorities', name: 'priorities', rows: 3 }, defaultPriorities())),
    h('div', { class: 'field' }, h('label', { for: 'publish-foreword' }, 'Foreword (optional)'),
      h('textarea', { id: 'publish-foreword', name: 'foreword', rows: 2 })),
    errors,
    h('button', { type: 'submit' }, 'Publish the plan'));
  const open = h('button', { type: 'button', id: 'publish-open', class: 'button-secondary', 'aria-expanded': 'false', 'aria-controls': 'publish-form',
    onclick: () => { form.hidden = !form.hidden; open.setAttribute('aria-expanded', String(!form.hidden)); } }, 'Publish a plan');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const el = form.elements;
    const academicYears = [...form.querySelectorAll('input[name=years]:checked')].map((i) => i.value);
    const data = {
      plan_id: newId('LLP'), title: el.title.value, academic_years: academicYears, status: el.status.value,
      priorities: el.priorities.value.split('\n').map((t) => t.trim()).filter(Boolean).map((title) => ({ title })),
    };
    if (el.foreword.value.trim()) data.foreword = el.foreword.value.trim();
    errors.replaceChildren();
    try {
      const position = await sendEvent('lp.plan.published.v1', data);
      form.hidden = true;
      open.setAttribute('aria-expanded', 'false');
      announce(`Plan ${data.title} published.`);
      onPublished(position);
    } catch (error) {
      const list = error instanceof Rejected ? error.errors : [{ field: '', message: explain(error) }];
      errors.replaceChildren(...list.map((x) => h('li', { 'data-field': x.field }, x.field ? [h('code', null, x.field), ': '] : null, x.message)));
    }
  });
  into.replaceChildren(open, form);
}
