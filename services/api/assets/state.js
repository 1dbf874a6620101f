// What the page holds: the partnership and year chosen, the last reports read, the marks of
// recent changes, and the live stream's and refresh's bookkeeping.

export const state = {
  key: null,
  /** What the key is (GET /v1/keys/self): role, partnership_id, member_id, ukprn (submit.js). */
  self: null,
  partnerships: [],
  partnership: null,
  year: null,
  age: '',
  /** A heat-map square chosen to narrow the lists: { subject, level }. */
  focus: null,
  report: null,
  coverage: [],
  /** The last reports' offers by "ukprn/offer id", providers by UKPRN, live needs by id. */
  offers: new Map(),
  providers: new Map(),
  needs: new Map(),
  sort: { gaps: { key: 'unmet', dir: 'descending' }, dups: { key: 'surplus', dir: 'descending' } },
  expanded: new Set(),
  recent: new Map(),
  flash: new Set(),
  lastEventId: null,
  stream: { generation: 0, controller: null, wake: null },
  refresh: { running: false, again: false, target: 0, timer: null, pending: [] },
  loadGeneration: 0,
  /** Partnerships the key may not read, skipped when choosing one automatically. */
  refused: new Set(),
  recentTimer: null,
  /** What changed since the date picked, or since a plan: { date, plan, changes, marks } (since.js). */
  since: null,
  /** The partnership's published plans, newest first (plans.js). */
  plans: [],
  /** Drafts simulated and what they would change: { drafts, changes, marks } (whatif.js). */
  whatif: null,
  /** Whether the key may simulate drafts in this partnership. */
  canWhatIf: false,
};

/** Rows of the year and age group chosen. */
export const inView = (r) => r.academic_year === state.year && (!state.age || r.age_group === state.age);
/** Rows of the heat-map square chosen, if any. */
export const inFocus = (r) => !state.focus || (r.subject === state.focus.subject && r.level === state.focus.level);
