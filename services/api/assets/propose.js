// "Propose a change" from a gap or duplication row (CONTRACT section 8): a form pre-filled with
// the row's key, a title and kind, and draft changes to choose (withdraw one of the row's
// courses, add places to one, or a new course), sent as `lp.proposal.made.v1`. A rejection's
// field errors are listed beside the form, each naming its field.

import { api, explain, partnershipPath } from './api.js';
import { $, announce, h } from './dom.js';
import { state } from './state.js';
import { Rejected, newId, ownMember, sendEvent } from './submit.js';
import { providerName } from './tables.js';
import { ageLabel, levelLabel, modeLabel, subjectName } from './vocab.js';

const KINDS = ['fill-gap', 'rationalise', 'joint-delivery', 'staff-development', 'other'];
const OFFER_FIELDS = ['ukprn', 'offer_id', 'venue_id', 'title', 'subject', 'level', 'age_group', 'mode', 'academic_year', 'places', 'status', 'start_date', 'duration_weeks', 'lars_aim'];

/** The contract's row key of a report row. */
function rowKey(report, r) {
  const key = { report, academic_year: r.academic_year, subject: r.subject, level: r.level, age_group: r.age_group };
  if (report === 'duplication') key.mode = r.mode;
  return key;
}

const offerData = (o, places) => {
  const data = {};
  for (const f of OFFER_FIELDS) if (o[f] !== null && o[f] !== undefined) data[f] = o[f];
  return Object.assign(data, { places });
};

/** The draft changes a planner may tick for this row: each one builds its draft when chosen. */
function choices(report, row) {
  const out = [];
  for (const ref of row.offers) {
    const o = state.offers.get(`${ref.ukprn}/${ref.offer_id}`);
    if (!o) continue;
    const name = `${providerName(o.ukprn)}: ${o.title} (${o.offer_id})`;
    out.push({ label: `Withdraw ${name}`, draft: () => ({ type: 'lp.provision.withdrawn.v1', data: { ukprn: o.ukprn, offer_id: o.offer_id, reason: 'Proposed in the partnership' } }) });
    out.push({ label: `Add places to ${name}`, places: report === 'gap' ? row.unmet : 10, draft: (n) => ({ type: 'lp.provision.offered.v1', data: offerData(o, o.places + n) }) });
  }
  // A new course from a provider with a course somewhere in the partnership (for its venue).
  const venues = new Map();
  for (const o of state.offers.values()) if (!venues.has(o.ukprn)) venues.set(o.ukprn, o.venue_id);
  const ukprn = [...venues.keys()].sort((a, b) => providerName(a).localeCompare(providerName(b)))[0];
  if (report === 'gap' && ukprn) {
    out.push({ label: `A new course from ${providerName(ukprn)}`, places: row.unmet, draft: (n, proposalId) => ({ type: 'lp.provision.offered.v1', data: {
      ukprn, offer_id: `${proposalId}-NEW`.slice(0, 64), venue_id: venues.get(ukprn), title: `${subjectName(row.subject)} (${levelLabel(row.level)})`,
      subject: row.subject, level: row.level, age_group: row.age_group, mode: 'full-time', academic_year: row.academic_year, places: n, status: 'planned',
    } }) });
  }
  return out;
}

function changeRow(choice, i) {
  const id = `propose-change-${i}`;
  return h('li', { class: 'propose-change', 'data-index': i },
    h('input', { type: 'checkbox', id, name: 'change' }), ' ', h('label', { for: id }, choice.label),
    choice.places === undefined ? null : [' ', h('label', { for: `${id}-places`, class: 'visually-hidden' }, 'Places'),
      h('input', { type: 'number', id: `${id}-places`, name: `places-${i}`, min: 1, max: 10000, value: Math.max(1, choice.places), class: 'places' }), ' places']);
}

function field(label, control) {
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
}

/** Opens the form for a gap (`report` "gap") or duplication row. */
export async function openProposal(report, row) {
  const section = $('propose-section');
  const key = rowKey(report, row);
  const options = choices(report, row);
  const where = `${subjectName(row.subject)}, ${levelLabel(row.level).toLowerCase()}, ${ageLabel(row.age_group).toLowerCase()}${row.mode ? `, ${modeLabel(row.mode).toLowerCase()}` : ''}, ${row.academic_year}`;
  const member = ownMember()
    ? null
    : field('On behalf of', h('select', { id: 'propose-member', name: 'member', required: true }, h('option', { value: '' }, 'Loading members…')));
  const form = h('form', { id: 'propose-form', class: 'collab-form' },
    h('h2', { id: 'propose-heading' }, 'Propose a change'),
    h('p', { class: 'hint', id: 'propose-addresses' }, `About the ${report === 'gap' ? 'gap' : 'duplication'} in ${where}.`),
    field('Title', h('input', { id: 'propose-title', name: 'title', required: true, value: `${report === 'gap' ? 'Fill the gap in' : 'Fewer overlapping courses in'} ${where}` })),
    field('Kind', h('select', { id: 'propose-kind', name: 'kind' }, KINDS.map((k) => h('option', { value: k, selected: k === (report === 'gap' ? 'fill-gap' : 'rationalise') }, k.replace('-', ' '))))),
    member,
    field('Summary (optional)', h('textarea', { id: 'propose-summary', name: 'summary', rows: 2 })),
    h('fieldset', null, h('legend', null, 'Changes to provision'),
      options.length ? h('ul', { class: 'plain' }, options.map(changeRow)) : h('p', { class: 'empty' }, 'No course here to change.')),
    h('ul', { id: 'propose-errors', class: 'form-errors', role: 'alert' }),
    h('div', { class: 'plan-actions' },
      h('button', { type: 'submit' }, 'Send the proposal'),
      h('button', { type: 'button', class: 'button-secondary', onclick: () => { section.hidden = true; } }, 'Cancel')));
  form.addEventListener('submit', (e) => { e.preventDefault(); send(form, key, options); });
  section.replaceChildren(form);
  section.hidden = false;
  section.scrollIntoView({ block: 'start' });
  $('propose-title').focus();
  if (member) {
    try {
      const body = await api(`${partnershipPath(state.partnership)}/members`);
      $('propose-member').replaceChildren(...body.members.filter((m) => m.current).map((m) => h('option', { value: m.member_id }, m.name)));
    } catch (error) {
      $('propose-errors').replaceChildren(h('li', null, explain(error)));
    }
  }
}

async function send(form, key, options) {
  const errors = $('propose-errors');
  errors.replaceChildren();
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const proposalId = newId('P');
  const changes = [...form.querySelectorAll('li.propose-change')]
    .filter((li) => li.querySelector('input[type=checkbox]').checked)
    .map((li) => {
      const places = li.querySelector('input.places');
      return options[Number(li.dataset.index)].draft(places ? Number(places.value) : 0, proposalId);
    });
  const e = form.elements;
  const data = { proposal_id: proposalId, member_id: ownMember() || e.member.value, title: e.title.value, kind: e.kind.value, addresses: [key], changes };
  if (e.summary.value.trim()) data.summary = e.summary.value.trim();
  try {
    await sendEvent('lp.proposal.made.v1', data);
    $('propose-section').replaceChildren(h('p', { class: 'sent', role: 'status' }, `Proposal “${data.title}” sent (${proposalId}).`));
    announce(`Proposal ${data.title} sent.`);
  } catch (error) {
    if (!(error instanceof Rejected)) { errors.replaceChildren(h('li', null, explain(error))); return; }
    errors.replaceChildren(...error.errors.map((x) => h('li', { 'data-field': x.field }, h('code', null, x.field), `: ${x.message}`)));
    const name = { 'data.title': 'propose-title', 'data.summary': 'propose-summary', 'data.kind': 'propose-kind', 'data.member_id': 'propose-member' };
    for (const x of error.errors) {
      const el = name[x.field] && $(name[x.field]);
      if (el) el.setAttribute('aria-invalid', 'true');
    }
  }
}
