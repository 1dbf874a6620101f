// The service's API as the page uses it: the access key, requests that carry it, errors put in
// words, and the reads of one partnership's reports.

import { state } from './state.js';

const KEY_STORE = 'provisio.key';

/** Takes `#key=…` from the address, keeps it for this tab, and removes it from view. */
export function readKey() {
  const hash = location.hash.replace(/^#/, '');
  const params = new URLSearchParams(hash);
  const fromUrl = params.get('key');
  if (fromUrl) {
    try { sessionStorage.setItem(KEY_STORE, fromUrl); } catch (_) { /* private mode: keep it in memory */ }
    params.delete('key');
    const rest = params.toString();
    history.replaceState(history.state, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
    return fromUrl;
  }
  try { return sessionStorage.getItem(KEY_STORE); } catch (_) { return null; }
}

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function headers(extra) {
  const h = Object.assign({ Accept: 'application/json' }, extra || {});
  if (state.key) h.Authorization = `Bearer ${state.key}`;
  return h;
}

export async function api(path, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== null && v !== undefined && v !== '') query.set(k, v);
  const url = query.toString() ? `${path}?${query}` : path;
  const response = await fetch(url, { headers: headers(), cache: 'no-store' });
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch (_) { /* not JSON */ }
    throw new ApiError(response.status, problem);
  }
  return response.json();
}

export const partnershipPath = (id) => `/v1/partnerships/${encodeURIComponent(id)}`;

export function explain(error) {
  if (error instanceof ApiError) {
    if (error.status === 401) {
      return state.key
        ? 'The access key this page was opened with is not valid any more. Ask your administrator for a new link.'
        : 'This dashboard needs an access key. Open it with the link that ends in “#key=…” (for the demo, the link that “provisio demo” prints).';
    }
    if (error.status === 403) return 'Your access key does not allow you to see this partnership. Choose another one, or ask your administrator.';
    if (error.status === 404) return 'This partnership is not registered (any more).';
    return `The service answered: ${error.message}`;
  }
  return 'The service could not be reached. The page will try again.';
}

/** Every page of a listing, following `next` until it says there is no more. */
async function allPages(fetchPage) {
  const out = [];
  let cursor = null;
  for (let i = 0; i < 100; i += 1) {
    const { items, next } = await fetchPage(cursor);
    out.push(...items);
    if (next === null || next === undefined || next === cursor) break;
    cursor = next;
  }
  return out;
}

/** Every page of the log after `after` that `params` select, or null when the key may not read it. */
async function readLog(params, after) {
  try {
    return await allPages(async (from) => {
      const page = await api('/v1/events', Object.assign({ after: from || after, limit: 1000 }, params));
      return { items: page.events, next: page.events.length ? page.next_after : null };
    });
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return null;
    throw error;
  }
}

/**
 * Needs' details and providers' names come from the event log, for keys that may read it
 * (a viewer key may not: the page then shows need ids and UKPRNs). Read incrementally.
 */
async function loadLogDetails(partnership) {
  try {
    if (state.needsReadable) {
      const needs = await readLog({ source: `urn:lp:${partnership}`, type: 'lp.need.identified.v1' }, state.needsAfter);
      if (needs === null) state.needsReadable = false;
      for (const e of needs || []) {
        state.needs.set(e.event.data.need_id, e.event.data);
        state.needsAfter = Math.max(state.needsAfter, e.position);
      }
    }
    if (state.providersReadable) {
      const providers = await readLog({ type: 'lp.provider.registered.v1' }, state.providersAfter);
      if (providers === null) state.providersReadable = false;
      for (const e of providers || []) {
        state.providers.set(e.event.data.ukprn, e.event.data.name);
        state.providersAfter = Math.max(state.providersAfter, e.position);
      }
    }
  } catch (_) {
    // Details only: the reports are shown without them, and the next refresh tries again.
  }
}

/** Reads every report of the partnership, at `minPosition` or later. */
export async function loadReports(partnership, minPosition) {
  const p = { min_position: minPosition || null };
  const base = partnershipPath(partnership);
  const [detail, gaps, dups, targets, offers] = await Promise.all([
    api(base, p),
    api(`${base}/gaps`, p),
    api(`${base}/duplications`, p),
    api(`${base}/targets`, p),
    allPages(async (cursor) => {
      const page = await api(`${base}/offers`, Object.assign({ limit: 1000, cursor }, p));
      return { items: page.offers, next: page.next_cursor };
    }),
    loadLogDetails(partnership),
  ]);
  return {
    detail,
    gaps: gaps.gaps,
    dups: dups.duplications,
    targets: targets.targets,
    offers,
    position: Math.min(gaps.position, dups.position, targets.position),
  };
}

export async function loadCoverage(minPosition) {
  if (!state.year) return [];
  const body = await api(`${partnershipPath(state.partnership)}/coverage`, { academic_year: state.year, min_position: minPosition || null });
  return body.cells;
}
