// On a proposal's page, what the key may do about it (CONTRACT section 8): a member responds
// (support, object or abstain, with a comment); the partnership decides (agreed, rejected,
// deferred or completed, with a note). Each form says what the service answered.

import { explain } from './api.js';
import { h } from './dom.js';
import { Rejected, may, ownMember, sendEvent } from './submit.js';

const STANCES = [['support', 'Support'], ['object', 'Object'], ['abstain', 'Abstain']];
const DECISIONS = [['agreed', 'Agreed'], ['rejected', 'Rejected'], ['deferred', 'Deferred'], ['completed', 'Completed']];

function choiceForm(cls, legend, name, values, textLabel, submit, onSend) {
  const id = `${cls}-${Math.random().toString(36).slice(2, 8)}`;
  const status = h('p', { class: 'form-errors', role: 'status' });
  const form = h('form', { class: `collab-form ${cls}` },
    h('fieldset', null, h('legend', null, legend),
      values.map(([v, label], i) => h('label', { class: 'choice' }, h('input', { type: 'radio', name, value: v, required: i === 0 }), ` ${label} `))),
    h('div', { class: 'field' }, h('label', { for: `${id}-text` }, textLabel), h('input', { id: `${id}-text`, name: 'text' })),
    h('button', { type: 'submit' }, submit), status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    status.textContent = 'Sending…';
    try {
      const position = await onSend(form.elements[name].value, form.elements.text.value.trim());
      status.textContent = 'Sent.';
      form.dispatchEvent(new CustomEvent('sent', { bubbles: true, detail: { position } }));
    } catch (error) {
      status.textContent = error instanceof Rejected ? error.message : explain(error);
    }
  });
  return form;
}

/** The forms the key may use on this proposal (none for a viewer or a decided proposal). */
export function proposalActions(detail) {
  const forms = [];
  const open = detail.status === 'open';
  if (open && may('respond')) {
    forms.push(choiceForm('respond-form', 'Your response', 'stance', STANCES, 'Comment (optional)', 'Send the response', (stance, comment) => {
      const data = { proposal_id: detail.proposal_id, member_id: ownMember(), stance };
      if (comment) data.comment = comment;
      return sendEvent('lp.proposal.responded.v1', data);
    }));
  }
  if ((open || detail.status === 'agreed') && may('decide')) {
    const values = open ? DECISIONS.filter(([v]) => v !== 'completed') : DECISIONS.filter(([v]) => v === 'completed');
    forms.push(choiceForm('decide-form', 'The partnership’s decision', 'decision', values, 'Note (optional)', 'Record the decision', (decision, note) => {
      const data = { proposal_id: detail.proposal_id, decision };
      if (note) data.note = note;
      return sendEvent('lp.proposal.decided.v1', data);
    }));
  }
  return forms.length ? h('div', { class: 'proposal-actions' }, forms) : null;
}
