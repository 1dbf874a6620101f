// CSV export, made in the page from the rows on screen (year, age group, chosen square and
// sort order), with a BOM for spreadsheets and never a formula in a cell.

import { announce, h } from './dom.js';
import { inFocus, inView, state } from './state.js';
import { needText, providerName, sorted } from './tables.js';
import { subjectName } from './vocab.js';

function csvCell(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v);
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`; // never a formula in a spreadsheet
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function download(name, header, rows) {
  const text = [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n');
  const blob = new Blob(['\ufeff', text, '\r\n'], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  announce(`Downloaded ${name}, ${rows.length} rows.`);
}

const fileName = (what) => `provisio-${what}-${state.partnership}-${(state.year || 'all').replace('/', '-')}${state.focus ? `-${state.focus.subject}-L${state.focus.level}` : ''}.csv`;
const visible = (rows) => rows.filter(inView).filter(inFocus);

export function exportGaps() {
  if (!state.report) return;
  const rows = sorted(visible(state.report.gaps), state.sort.gaps).map((g) => [
    g.academic_year, g.subject, subjectName(g.subject), g.level, g.age_group, g.demand, g.supply, g.unmet, g.coverage, g.severity,
    g.needs.join(' '), g.offers.map((o) => `${o.ukprn}/${o.offer_id}`).join(' '),
    g.needs.map((id) => (state.needs.has(id) ? `${id}: ${needText(state.needs.get(id))}` : id)).join('; '),
    [...new Set(g.offers.map((o) => providerName(o.ukprn)))].join('; ')]);
  download(fileName('gaps'), ['academic_year', 'subject', 'subject_name', 'level', 'age_group', 'demand', 'supply', 'unmet', 'coverage', 'severity', 'needs', 'offers', 'need_details', 'provider_names'], rows);
}

export function exportDups() {
  if (!state.report) return;
  const rows = sorted(visible(state.report.dups), state.sort.dups).map((d) => [
    d.academic_year, d.subject, subjectName(d.subject), d.level, d.age_group, d.mode, d.providers.join(' '),
    d.providers.map(providerName).join('; '), d.supply, d.demand, d.surplus, d.fill_rate, d.severity,
    d.offers.map((o) => `${o.ukprn}/${o.offer_id}`).join(' ')]);
  download(fileName('duplication'), ['academic_year', 'subject', 'subject_name', 'level', 'age_group', 'mode', 'providers', 'provider_names', 'supply', 'demand', 'surplus', 'fill_rate', 'severity', 'offers'], rows);
}
