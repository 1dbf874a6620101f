// What the access key is (GET /v1/keys/self), which collaboration actions it may take, and
// sending one event of the partnership or of the key's member through POST /v1/events, with a
// rejection's field errors handed back to the form that sent it.

import { ApiError, api, headers } from './api.js';
import { state } from './state.js';

/** Reads the key's role and binding once; a page without a key, or a failed read, may do nothing. */
export async function loadSelf() {
  if (state.self || !state.key) return state.self;
  try { state.self = await api('/v1/keys/self'); } catch (_) { state.self = null; }
  return state.self;
}

const speaksFor = (p) => state.self && (state.self.role === 'admin' || (state.self.role === 'partnership' && state.self.partnership_id === p));
const isMemberOf = (p) => state.self && state.self.role === 'member' && state.self.partnership_id === p;

/** The actions the key may take in the partnership chosen (CONTRACT sections 6 and 8). */
export function may(action) {
  const p = state.partnership;
  if (action === 'propose') return speaksFor(p) || isMemberOf(p);
  if (action === 'respond') return isMemberOf(p);
  return speaksFor(p); // decide, publish
}

/** The key's own member id, or null when it speaks for the partnership (and names a member). */
export const ownMember = () => (isMemberOf(state.partnership) ? state.self.member_id : null);

export class Rejected extends Error {
  constructor(errors) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    this.errors = errors;
  }
}

/** Sends one event from the member's own source, or the partnership's; answers its position. */
export async function sendEvent(type, data) {
  const member = ownMember();
  const source = member ? `urn:lp:${state.partnership}:member:${member}` : `urn:lp:${state.partnership}`;
  const event = {
    specversion: '1.0', id: `dashboard-${randomHex(16)}`, source, type, time: new Date().toISOString(),
    datacontenttype: 'application/json', data: Object.assign({ partnership_id: state.partnership }, data),
  };
  const response = await fetch('/v1/events', {
    method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(event),
  });
  let body = null;
  try { body = await response.json(); } catch (_) { /* not JSON */ }
  if (!response.ok) throw new ApiError(response.status, body);
  if (body.rejected && body.rejected.length) throw new Rejected(body.rejected[0].errors);
  return body.accepted[0].position;
}

/** Random hex (crypto.randomUUID needs a secure context; this works over plain HTTP too). */
function randomHex(bytes) {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A short id for a new proposal or plan: the prefix, the date and a few random letters. */
export function newId(prefix) {
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  return `${prefix}-${day}-${randomHex(3)}`;
}
