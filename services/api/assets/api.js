// The service's API as the page uses it: the access key, requests that carry it, errors put in
// words, and the reads of one partnership's reports, with the providers and needs they name
// (never the event log, which a viewer's key may not read).

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

/** Reads every report of the partnership, and who and what they name, at `minPosition` or later. */
export async function loadReports(partnership, minPosition) {
  const p = { min_position: minPosition || null };
  const base = partnershipPath(partnership);
  const [detail, gaps, dups, targets, offers, providers, needs] = await Promise.all([
    api(base, p),
    api(`${base}/gaps`, p),
    api(`${base}/duplications`, p),
    api(`${base}/targets`, p),
    allPages(async (cursor) => {
      const page = await api(`${base}/offers`, Object.assign({ limit: 1000, cursor }, p));
      return { items: page.offers, next: page.next_cursor };
    }),
    api(`${base}/providers`, p),
    api(`${base}/needs`, p),
  ]);
  return {
    detail,
    gaps: gaps.gaps,
    dups: dups.duplications,
    targets: targets.targets,
    offers,
    providers: providers.providers,
    needs: needs.needs,
    position: Math.min(gaps.position, dups.position, targets.position, providers.position, needs.position),
  };
}

export async function loadCoverage(minPosition) {
  if (!state.year) return [];
  const body = await api(`${partnershipPath(state.partnership)}/coverage`, { academic_year: state.year, min_position: minPosition || null });
  return body.cells;
}
