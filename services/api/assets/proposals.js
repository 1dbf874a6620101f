// The partnership's proposals (CONTRACT section 8): what members propose, where the vote
// stands, what the changes would do to the gaps and duplications, and how far an agreed one
// has got. A proposal's row opens to its changes, responses and decision, and to the forms
// the key may use on it (decide.js).

import { ApiError, api, partnershipPath } from './api.js';
import { proposalActions } from './decide.js';
import { $, h } from './dom.js';
import { state } from './state.js';
import { ageLabel, levelLabel, modeLabel, num, subjectName } from './vocab.js';

const STATUS_LABEL = { open: 'Open', agreed: 'Agreed', done: 'Done', rejected: 'Rejected' };
const STANCE_LABEL = { support: 'Supports', object: 'Objects', abstain: 'Abstains' };

function rowKeyText(k) {
  const parts = [`${subjectName(k.subject)} (${k.subject})`, levelLabel(k.level), ageLabel(k.age_group)];
  if (k.mode) parts.push(modeLabel(k.mode).toLowerCase());
  return `${k.report === 'gap' ? 'Gap' : 'Duplication'}: ${parts.join(', ')}, ${k.academic_year}`;
}

function pair([from, to]) {
  return from === to ? num(from) : `${num(from)} → ${num(to)}`;
}

function changeText(c) {
  const d = c.data;
  if (c.type === 'lp.provision.withdrawn.v1') return `Withdraw ${d.offer_id} (UKPRN ${d.ukprn})`;
  return `Offer ${num(d.places)} places: ${d.title}, ${modeLabel(d.mode).toLowerCase()}, ${d.academic_year} (UKPRN ${d.ukprn}, ${d.offer_id})`;
}

function detailRow(detail) {
  const done = new Map(detail.fulfilment.map((f) => [f.index, f.done]));
  const changes = detail.changes.map((c, i) => h('li', null, changeText(c), ' ', h('strong', null, done.get(i) ? '(done)' : '(not yet)')));
  const responses = detail.responses.map((r) => h('li', null, `${r.member_id}: ${STANCE_LABEL[r.stance]}`, r.comment ? ` “${r.comment}”` : ''));
  const decision = detail.decision
    ? `Decision: ${detail.decision.decision}${detail.decision.note ? ` (${detail.decision.note})` : ''}`
    : 'No decision yet.';
  return h('div', { class: 'proposal-detail' },
    detail.summary ? h('p', null, detail.summary) : null,
    h('h4', null, 'Changes'), changes.length ? h('ol', null, changes) : h('p', { class: 'empty' }, 'No changes to provision.'),
    h('h4', null, 'Addresses'), detail.addressed.length
      ? h('ul', null, detail.addressed.map((a) => h('li', null, rowKeyText(a.key), a.open ? ' (still open)' : ' (closed)')))
      : h('p', { class: 'empty' }, 'No report row.'),
    h('h4', null, 'Responses'), responses.length ? h('ul', null, responses) : h('p', { class: 'empty' }, 'No responses yet.'),
    h('p', null, decision),
    detail.ignored.length ? h('p', { class: 'hint' }, `${detail.ignored.length} event(s) about it had no effect: ${detail.ignored.map((i) => i.reason).join('; ')}.`) : null,
    proposalActions(detail));
}

/** Proposals whose page is open: they stay open when the list is drawn again. */
const opened = new Set();

function toggle(button, row, position) {
  const id = button.dataset.proposal;
  const next = row.nextElementSibling;
  if (next && next.classList.contains('proposal-more')) {
    next.remove();
    opened.delete(id);
    button.setAttribute('aria-expanded', 'false');
    return;
  }
  opened.add(id);
  button.setAttribute('aria-expanded', 'true');
  const cell = h('td', { colspan: 7 }, 'Loading…');
  row.after(h('tr', { class: 'proposal-more', 'data-proposal': id }, cell));
  showDetail(cell, id, position);
}

/** Draws a proposal's page in `cell`, read at `position` or later. */
async function showDetail(cell, proposalId, position) {
  try {
    const detail = await api(`${partnershipPath(state.partnership)}/proposals/${encodeURIComponent(proposalId)}`, { min_position: position });
    const page = detailRow(detail);
    // A form sent: the list and this page are read again at the event's position.
    page.addEventListener('sent', (e) => loadProposals(e.detail.position));
    cell.replaceChildren(page);
  } catch (error) {
    cell.textContent = error.message;
  }
}

function render(proposals, position) {
  const body = $('proposals').querySelector('tbody');
  body.replaceChildren(...proposals.map((p) => {
    const t = p.tally;
    const row = h('tr', { 'data-status': p.status },
      h('td', null, h('button', { type: 'button', class: 'link', 'aria-expanded': 'false', 'data-proposal': p.proposal_id }, p.title)),
      h('td', null, p.member_id),
      h('td', null, h('span', { class: `status status-${p.status}` }, STATUS_LABEL[p.status] || p.status)),
      h('td', { class: 'num' }, `${t.support} for, ${t.object} against, ${t.abstain} abstain`),
      h('td', { class: 'num' }, pair(p.impact.summary.unmet)),
      h('td', { class: 'num' }, pair(p.impact.summary.duplications)),
      h('td', { class: 'num' }, p.fulfilment.of ? `${p.fulfilment.done} of ${p.fulfilment.of}` : '–'));
    row.querySelector('button').addEventListener('click', (e) => toggle(e.currentTarget, row, null));
    return row;
  }));
  for (const row of [...body.rows]) {
    const button = row.querySelector('button[data-proposal]');
    if (button && opened.has(button.dataset.proposal)) toggle(button, row, position);
  }
  $('proposals-empty').hidden = proposals.length > 0;
}

/** Reads the proposals again, at least at `position`; a key that may not read them hides them. */
export async function loadProposals(position) {
  const partnership = state.partnership;
  try {
    const answer = await api(`${partnershipPath(partnership)}/proposals`, { min_position: position });
    if (partnership !== state.partnership) return;
    $('proposals-section').hidden = false;
    render(answer.proposals, position);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404)) $('proposals-section').hidden = true;
  }
}
