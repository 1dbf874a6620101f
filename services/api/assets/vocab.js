// The contract's vocabularies as a planner reads them, and the numbers' formats.

export const LEVELS = ['entry', '1', '2', '3', '4', '5', '6', '7', '8'];
export const AGES = ['14-16', '16-18', '19+'];
export const MODES = ['full-time', 'part-time', 'distance', 'work-based'];
const AGE_LABEL = { '14-16': '14 to 16', '16-18': '16 to 18', '19+': '19 and over' };
const MODE_LABEL = { 'full-time': 'Full-time', 'part-time': 'Part-time', distance: 'Distance', 'work-based': 'Work-based' };
export const SEVERITY = {
  critical: { rank: 3, label: 'Critical', icon: '⬤', help: 'no places at all' },
  high: { rank: 2, label: 'High', icon: '▲', help: 'less than half of the need has a place' },
  moderate: { rank: 1, label: 'Moderate', icon: '◆', help: 'half or more of the need has a place' },
  wasteful: { rank: 2, label: 'Wasteful', icon: '✕', help: 'classes are not filling' },
  overlap: { rank: 1, label: 'Overlap', icon: null, help: 'more places than the need' },
};

const EVIDENCE_LABEL = {
  'employer-survey': 'employer survey', 'labour-market': 'labour market information', 'learner-survey': 'learner survey',
  'careers-service': 'careers service', lsc: 'LSC', other: 'other evidence',
};

export const levelLabel = (l) => (l === 'entry' ? 'Entry' : `Level ${l}`);
export const levelShort = (l) => (l === 'entry' ? 'Entry' : l);
export const ageLabel = (a) => AGE_LABEL[a] || a;
export const ageShort = (a) => a.replace('-', '–');
export const modeLabel = (m) => MODE_LABEL[m] || m;
export const evidenceLabel = (e) => EVIDENCE_LABEL[e] || String(e || '').replace(/-/g, ' ');
export const fmt = new Intl.NumberFormat('en-GB');
export const num = (n) => (n === null || n === undefined ? '–' : fmt.format(n));
export const pct = (r) => (r === null || r === undefined ? 'not known' : `${Math.round(r * 100)}%`);
export const byCode = (a, b) => {
  const [a1, a2] = String(a).split('.').map(Number);
  const [b1, b2] = String(b).split('.').map(Number);
  return a1 - b1 || a2 - b2;
};

/** SSA tier 2 names by code, from the list the service serves (never a second copy here). */
const subjects = new Map();

export async function loadSubjects() {
  const response = await fetch(document.body.dataset.subjects);
  for (const s of await response.json()) subjects.set(s.code, s.name);
}

export const subjectName = (code) => subjects.get(code) || 'Unknown subject';

/** What a target counts, from its fields: "Engineering (4.1), level 3: places offered". */
export function targetScope(t) {
  const scope = [t.subject ? `${subjectName(t.subject)} (${t.subject})` : 'All subjects'];
  if (t.level) scope.push(levelLabel(t.level).toLowerCase());
  if (t.age_group) scope.push(`ages ${ageLabel(t.age_group)}`);
  return `${scope.join(', ')}: ${t.measure === 'places' ? 'places offered' : 'learners enrolled'}`;
}

/** A target by the partnership's title for it, else by what it counts. */
export const targetName = (t) => t.title || targetScope(t);
