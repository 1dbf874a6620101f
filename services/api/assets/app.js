// Provisio dashboard: plain JavaScript, no framework, no build step. Reads the report API of
// the service that served it, and follows its live stream (Server-Sent Events read through
// fetch, so that every request can carry `Authorization: Bearer <key>`).
'use strict';

(() => {
  // ---- Vocabulary ------------------------------------------------------------------------
  const LEVELS = ['entry', '1', '2', '3', '4', '5', '6', '7', '8'];
  const AGES = ['14-16', '16-18', '19+'];
  const MODES = ['full-time', 'part-time', 'distance', 'work-based'];
  const AGE_LABEL = { '14-16': '14 to 16', '16-18': '16 to 18', '19+': '19 and over' };
  const MODE_LABEL = { 'full-time': 'Full-time', 'part-time': 'Part-time', distance: 'Distance', 'work-based': 'Work-based' };
  const SEVERITY = {
    critical: { rank: 3, label: 'Critical', icon: '⬤', help: 'no places at all' },
    high: { rank: 2, label: 'High', icon: '▲', help: 'less than half of the need has a place' },
    moderate: { rank: 1, label: 'Moderate', icon: '◆', help: 'half or more of the need has a place' },
    wasteful: { rank: 2, label: 'Wasteful', icon: '✕', help: 'classes are not filling' },
    overlap: { rank: 1, label: 'Overlap', icon: null, help: 'more places than the need' },
  };
  const KIND_LABEL = {
    'gap.opened': 'New gap', 'gap.changed': 'Gap changed', 'gap.closed': 'Gap closed',
    'duplication.opened': 'New duplication', 'duplication.changed': 'Duplication changed', 'duplication.closed': 'Duplication ended',
    'target.changed': 'Target progress',
  };
  const KEY_STORE = 'provisio.key';
  /** Changed rows keep their "New" or "Changed" tag this long. */
  const RECENT_MS = 2 * 60 * 1000;
  /** With no byte from the live stream for this long (the server sends a comment every 15 s), reconnect. */
  const STALL_MS = 45 * 1000;

  const levelLabel = (l) => (l === 'entry' ? 'Entry' : `Level ${l}`);
  const levelShort = (l) => (l === 'entry' ? 'Entry' : l);
  const ageLabel = (a) => AGE_LABEL[a] || a;
  const ageShort = (a) => a.replace('-', '–');
  const modeLabel = (m) => MODE_LABEL[m] || m;
  const fmt = new Intl.NumberFormat('en-GB');
  const num = (n) => (n === null || n === undefined ? '–' : fmt.format(n));
  const pct = (r) => (r === null || r === undefined ? 'not known' : `${Math.round(r * 100)}%`);
  const byCode = (a, b) => {
    const [a1, a2] = String(a).split('.').map(Number);
    const [b1, b2] = String(b).split('.').map(Number);
    return a1 - b1 || a2 - b2;
  };

  // ---- State -----------------------------------------------------------------------------
  const state = {
    key: null,
    subjects: new Map(),
    partnerships: [],
    partnership: null,
    year: null,
    age: '',
    /** A heat-map square chosen to narrow the lists: { subject, level }. */
    focus: null,
    report: null,
    coverage: [],
    offers: new Map(),
    needs: new Map(),
    needsAfter: 0,
    providers: new Map(),
    providersAfter: 0,
    needsReadable: true,
    providersReadable: true,
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
  };

  const $ = (id) => document.getElementById(id);

  /** The duplication mark: two overlapping squares (drawn, so it needs no font). */
  function dupIcon() {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    for (const [k, v] of Object.entries({ class: 'dup-icon', viewBox: '0 0 16 16', width: 14, height: 14, 'aria-hidden': 'true', focusable: 'false' })) svg.setAttribute(k, v);
    for (const xy of [1.5, 5.5]) {
      const rect = document.createElementNS(ns, 'rect');
      for (const [k, v] of Object.entries({ x: xy, y: xy, width: 9, height: 9, rx: 1.5 })) rect.setAttribute(k, v);
      svg.append(rect);
    }
    return svg;
  }

  /** Builds an element; children are nodes or text (never parsed as HTML). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') el.className = value;
      else if (name === 'text') el.textContent = value;
      else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
      else el.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  // ---- Access key and API ----------------------------------------------------------------
  /** Takes `#key=…` from the address, keeps it for this tab, and removes it from view. */
  function readKey() {
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

  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
      this.status = status;
      this.problem = problem;
    }
  }

  function headers(extra) {
    const h = Object.assign({ Accept: 'application/json' }, extra || {});
    if (state.key) h.Authorization = `Bearer ${state.key}`;
    return h;
  }

  async function api(path, params) {
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

  const partnershipPath = (id) => `/v1/partnerships/${encodeURIComponent(id)}`;

  function explain(error) {
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

  function notice(text) {
    const el = $('notice');
    el.textContent = text || '';
    el.hidden = !text;
  }

  function announce(text) {
    const el = $('announcer');
    el.append(h('p', null, text));
    while (el.childElementCount > 5) el.firstElementChild.remove();
  }

  // ---- Loading ---------------------------------------------------------------------------
  async function loadSubjects() {
    const response = await fetch(document.body.dataset.subjects);
    for (const s of await response.json()) state.subjects.set(s.code, s.name);
  }

  const subjectName = (code) => state.subjects.get(code) || 'Unknown subject';

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
  async function loadReports(partnership, minPosition) {
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

  function applyReport(report, coverage) {
    state.report = report;
    state.coverage = coverage;
    // Offers by "ukprn/offer id", for the detail rows.
    state.offers = new Map(report.offers.map((o) => [`${o.ukprn}/${o.offer_id}`, o]));
  }

  function currentAcademicYear() {
    const now = new Date();
    const start = now.getMonth() >= 7 ? now.getFullYear() : now.getFullYear() - 1;
    return `${start}/${String((start + 1) % 100).padStart(2, '0')}`;
  }

  function yearsOf(report) {
    const years = new Set();
    for (const list of [report.gaps, report.dups, report.targets, report.offers]) for (const r of list) years.add(r.academic_year);
    return [...years].sort();
  }

  function fillYears(years) {
    const select = $('year');
    if (!years.includes(state.year)) {
      const now = currentAcademicYear();
      state.year = years.includes(now) ? now : (years.filter((y) => y <= now).pop() || years[years.length - 1] || null);
    }
    // Left alone when nothing changed, so a list the planner has open stays open.
    const shown = [...select.options].map((o) => o.value).join(' ');
    if (shown === years.join(' ') && select.value === state.year) return;
    select.replaceChildren(...years.map((y) => h('option', { value: y, selected: y === state.year }, y)));
    if (!years.length) select.append(h('option', { value: '' }, 'No data yet'));
    select.disabled = !years.length;
  }

  async function loadCoverage(minPosition) {
    if (!state.year) return [];
    const body = await api(`${partnershipPath(state.partnership)}/coverage`, { academic_year: state.year, min_position: minPosition || null });
    return body.cells;
  }

  /** Loads one partnership from scratch and starts following its changes. */
  async function selectPartnership(id, { automatic = false } = {}) {
    const generation = ++state.loadGeneration;
    stopStream();
    state.partnership = id;
    state.report = null;
    state.needs = new Map();
    state.needsAfter = 0;
    state.needsReadable = true; // a partnership's key reads its own needs only
    state.expanded.clear();
    state.recent.clear();
    state.focus = null;
    clearTimeout(state.refresh.timer);
    state.refresh = { running: false, again: false, target: 0, timer: null, pending: [] };
    $('changes').replaceChildren();
    $('changes-empty').hidden = false;
    $('partnership').value = id;
    setLive('connecting', 'Loading…');
    notice('');
    try {
      const report = await loadReports(id);
      if (generation !== state.loadGeneration) return;
      fillYears(yearsOf(report));
      const coverage = await loadCoverage(report.position);
      if (generation !== state.loadGeneration) return;
      applyReport(report, coverage);
      state.lastEventId = report.position;
      $('main').classList.remove('no-data');
      rememberSelection();
      render();
      startStream(id);
    } catch (error) {
      if (generation !== state.loadGeneration) return;
      if (automatic && error instanceof ApiError && error.status === 403) {
        const next = state.partnerships.map((p) => p.partnership_id).find((p) => !state.refused.has(p) && p !== id);
        state.refused.add(id);
        if (next) return selectPartnership(next, { automatic: true });
      }
      // Nothing of another partnership stays on screen under this one's name.
      const chosen = state.partnerships.find((p) => p.partnership_id === id);
      $('page-title').textContent = chosen ? chosen.name : id;
      $('main').classList.add('no-data');
      notice(explain(error));
      setLive('offline', 'Not live');
      if (!(error instanceof ApiError)) setTimeout(() => generation === state.loadGeneration && selectPartnership(id), 5000);
    }
  }

  function rememberSelection() {
    const params = new URLSearchParams(location.search);
    params.set('partnership', state.partnership);
    if (state.year) params.set('year', state.year); else params.delete('year');
    history.replaceState(history.state, '', `${location.pathname}?${params}${location.hash}`);
  }

  /** Reads the reports again after changes, at least at `position`; runs one at a time. */
  async function refresh(position) {
    const r = state.refresh; // replaced whole when another partnership is chosen
    r.target = Math.max(r.target, position || 0);
    if (r.running) { r.again = true; return; }
    r.running = true;
    const generation = state.loadGeneration;
    try {
      do {
        r.again = false;
        const target = r.target;
        const report = await loadReports(state.partnership, target);
        if (generation !== state.loadGeneration) return;
        fillYears(yearsOf(report));
        const coverage = await loadCoverage(target);
        if (generation !== state.loadGeneration) return;
        applyReport(report, coverage);
        const changes = r.pending.splice(0);
        markChanged(changes);
        render();
        state.flash.clear(); // a later render (sorting, say) does not flash the rows again
        logChanges(changes);
        notice('');
      } while (r.again);
    } catch (error) {
      if (generation === state.loadGeneration) {
        notice(explain(error));
        r.again = false;
        setTimeout(() => refresh(r.target), 3000);
      }
    } finally {
      r.running = false;
    }
  }

  // ---- Live stream -----------------------------------------------------------------------
  function setLive(mode, text) {
    const badge = $('live-status');
    badge.dataset.state = mode;
    badge.querySelector('.live-text').textContent = text;
  }

  function stopStream() {
    state.stream.generation += 1;
    if (state.stream.controller) state.stream.controller.abort();
    state.stream.controller = null;
  }

  const sleep = (ms, stream) => new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    stream.wake = () => { clearTimeout(timer); resolve(); };
  });

  /** Follows `/live`, reconnecting with `Last-Event-ID` after any drop, until stopped. */
  async function startStream(partnership) {
    stopStream();
    const stream = state.stream;
    const generation = stream.generation;
    let delay = 1000;
    while (generation === stream.generation) {
      const controller = new AbortController();
      stream.controller = controller;
      let stall = null;
      const alive = () => {
        clearTimeout(stall);
        stall = setTimeout(() => controller.abort(), STALL_MS);
      };
      try {
        const extra = { Accept: 'text/event-stream' };
        if (state.lastEventId !== null) extra['Last-Event-ID'] = String(state.lastEventId);
        alive();
        const response = await fetch(`${partnershipPath(partnership)}/live`, { headers: headers(extra), signal: controller.signal, cache: 'no-store' });
        if (!response.ok) throw new ApiError(response.status, null);
        setLive('live', 'Live');
        delay = 1000;
        await readEvents(response.body, alive, (event) => {
          if (generation === stream.generation) onChange(event);
        });
      } catch (error) {
        if (generation !== stream.generation) return;
        if (error instanceof ApiError && [401, 403, 404].includes(error.status)) {
          notice(explain(error));
          setLive('offline', 'Not live');
          return;
        }
      } finally {
        clearTimeout(stall);
      }
      if (generation !== stream.generation) return;
      setLive('reconnecting', 'Reconnecting…');
      await sleep(delay, stream);
      delay = Math.min(delay * 2, 15000);
    }
  }

  /**
   * Reads a `text/event-stream` body (the WHATWG format: `event`, `data`, `id` fields, lines
   * ending in CR, LF or CRLF, a blank line ends an event, `:` starts a comment).
   */
  async function readEvents(body, onBytes, onEvent) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let type = '';
    let data = [];
    let id = null;
    const line = (text) => {
      if (text === '') {
        if (id !== null) state.lastEventId = Number(id);
        if (data.length) onEvent({ type: type || 'message', data: data.join('\n'), id });
        type = '';
        data = [];
        return;
      }
      if (text.startsWith(':')) return;
      const colon = text.indexOf(':');
      const field = colon < 0 ? text : text.slice(0, colon);
      let value = colon < 0 ? '' : text.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id' && !value.includes('\0')) id = value;
    };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      onBytes();
      buffer += decoder.decode(value, { stream: true });
      let start = 0;
      for (let i = 0; i < buffer.length; i += 1) {
        const c = buffer[i];
        if (c !== '\n' && c !== '\r') continue;
        if (c === '\r' && i + 1 === buffer.length) break; // a CRLF may be split across chunks
        line(buffer.slice(start, i));
        if (c === '\r' && buffer[i + 1] === '\n') i += 1;
        start = i + 1;
      }
      buffer = buffer.slice(start);
    }
  }

  function onChange(event) {
    let change;
    try { change = JSON.parse(event.data); } catch (_) { return; }
    state.refresh.pending.push(change);
    const badge = $('live-status');
    badge.classList.remove('bump');
    void badge.offsetWidth; // restart the animation
    badge.classList.add('bump');
    clearTimeout(state.refresh.timer);
    const position = Number(event.id) || change.position || 0;
    state.refresh.timer = setTimeout(() => refresh(position), 250);
  }

  // ---- Row keys and change marks ---------------------------------------------------------
  const gapKey = (r) => ['gap', r.academic_year, r.subject, r.level, r.age_group].join('|');
  const dupKey = (r) => ['dup', r.academic_year, r.subject, r.level, r.age_group, r.mode].join('|');
  const targetKey = (r) => ['target', r.target_id].join('|');

  function changeKey(change) {
    const k = change.key || {};
    if (change.kind.startsWith('gap.')) return gapKey(k);
    if (change.kind.startsWith('duplication.')) return dupKey(k);
    return targetKey(k);
  }

  function markChanged(changes) {
    const now = Date.now();
    state.flash.clear();
    for (const c of changes) {
      const key = changeKey(c);
      const previous = state.recent.get(key);
      const opened = c.kind.endsWith('.opened') || (previous && previous.opened);
      state.recent.set(key, { at: now, opened });
      state.flash.add(key);
      const k = c.key || {};
      if (k.subject && k.level) state.flash.add(`cell|${k.academic_year}|${k.subject}|${k.level}`);
    }
    for (const [key, mark] of state.recent) if (now - mark.at > RECENT_MS) state.recent.delete(key);
    if (state.recent.size) {
      clearTimeout(state.recentTimer);
      state.recentTimer = setTimeout(() => { markChanged([]); render(); }, RECENT_MS + 1000);
    }
  }

  function describeKey(change) {
    const k = change.key || {};
    if (change.kind.startsWith('target.')) {
      const row = change.row || (state.report && state.report.targets.find((t) => t.target_id === k.target_id));
      return row ? targetName(row) : `target ${k.target_id}`;
    }
    const parts = [`${subjectName(k.subject)} (${k.subject})`, levelLabel(k.level), ageLabel(k.age_group)];
    if (k.mode) parts.push(modeLabel(k.mode).toLowerCase());
    return `${parts.join(', ')}, ${k.academic_year}`;
  }

  function describeChange(change) {
    const row = change.row;
    if (!row) return '';
    if (change.kind.startsWith('gap.')) return `${num(row.unmet)} learners without a place`;
    if (change.kind.startsWith('duplication.')) return `${row.providers.length} providers, ${num(row.surplus)} places over the need`;
    return `${num(row.current)} of ${num(row.value)} (${pct(row.progress)})`;
  }

  function logChanges(changes) {
    if (!changes.length) return;
    const list = $('changes');
    const time = new Date();
    const stamp = time.toLocaleTimeString('en-GB');
    const items = changes.map((c) => h('li', { class: 'flash' },
      h('time', { datetime: time.toISOString() }, stamp),
      h('span', { class: 'change-kind' }, KIND_LABEL[c.kind] || c.kind),
      h('span', null, describeKey(c)),
      h('span', { class: 'code' }, describeChange(c))));
    list.prepend(...items.reverse());
    while (list.childElementCount > 50) list.lastElementChild.remove();
    $('changes-empty').hidden = true;
    const said = changes.slice(0, 3).map((c) => `${KIND_LABEL[c.kind] || c.kind}: ${describeKey(c)}.`);
    if (changes.length > 3) said.push(`And ${changes.length - 3} more changes.`);
    announce(said.join(' '));
  }

  function tagFor(key) {
    const mark = state.recent.get(key);
    if (!mark) return null;
    return h('span', { class: 'tag' }, mark.opened ? 'New' : 'Changed');
  }

  // ---- Rendering -------------------------------------------------------------------------
  const inView = (r) => r.academic_year === state.year && (!state.age || r.age_group === state.age);
  const inFocus = (r) => !state.focus || (r.subject === state.focus.subject && r.level === state.focus.level);

  function render() {
    const report = state.report;
    if (!report) return;
    const active = document.activeElement && document.activeElement.id;
    const partnership = report.detail;
    $('page-title').textContent = `${partnership.name}, ${state.year || 'no data yet'}`;
    document.title = `${partnership.name}: Provisio`;
    const gaps = report.gaps.filter(inView);
    const dups = report.dups.filter(inView);
    renderSummary(gaps, dups, partnership);
    renderHeatmap(gaps, dups);
    renderFocus();
    renderGaps(gaps.filter(inFocus));
    renderDups(dups.filter(inFocus));
    renderTargets(report.targets.filter((t) => t.academic_year === state.year));
    $('as-of').textContent = `Up to date with event ${fmt.format(state.lastEventId || report.position)} of the log, at ${new Date().toLocaleTimeString('en-GB')}.`;
    if (active && document.activeElement !== $(active) && $(active)) $(active).focus({ preventScroll: true });
  }

  function renderSummary(gaps, dups, partnership) {
    const critical = gaps.filter((g) => g.severity === 'critical').length;
    const wasteful = dups.filter((d) => d.severity === 'wasteful').length;
    $('sum-unmet').textContent = num(gaps.reduce((s, g) => s + g.unmet, 0));
    $('sum-gaps').textContent = num(gaps.length);
    $('sum-critical').textContent = `${num(critical)} with no places at all`;
    $('sum-dups').textContent = num(dups.length);
    $('sum-wasteful').textContent = `${num(wasteful)} with classes not filling`;
    $('sum-providers').textContent = num((partnership.providers || []).length);
  }

  function heatClass(cell) {
    if (!cell.demand && !cell.supply) return 'heat-empty';
    if (!cell.demand) return 'heat-none';
    if (cell.unmet <= 0) return 'heat-0';
    if (cell.unmet < 10) return 'heat-1';
    if (cell.unmet < 30) return 'heat-2';
    if (cell.unmet < 60) return 'heat-3';
    return 'heat-4';
  }

  function renderHeatmap(gaps, dups) {
    const cells = new Map();
    const cell = (subject, level) => {
      const key = `${subject}|${level}`;
      if (!cells.has(key)) cells.set(key, { subject, level, demand: 0, supply: 0, unmet: 0, dups: 0 });
      return cells.get(key);
    };
    for (const c of state.coverage) {
      if (state.age && c.age_group !== state.age) continue;
      const x = cell(c.subject, c.level);
      x.demand += c.demand;
      x.supply += c.supply;
    }
    for (const g of gaps) cell(g.subject, g.level).unmet += g.unmet;
    for (const d of dups) cell(d.subject, d.level).dups += 1;
    const subjects = [...new Set([...cells.values()].map((c) => c.subject))].sort(byCode);
    const levels = LEVELS.filter((l) => [...cells.values()].some((c) => c.level === l));
    const table = $('heatmap');
    $('heatmap-empty').hidden = subjects.length > 0;
    table.hidden = subjects.length === 0;
    table.tHead.replaceChildren(h('tr', null,
      h('th', { scope: 'col' }, 'Subject'),
      levels.map((l) => h('th', { scope: 'col' }, levelLabel(l))),
      h('th', { scope: 'col', class: 'num' }, 'Total short')));
    const rows = subjects.map((subject, row) => {
      let total = 0;
      const tds = levels.map((level, col) => {
        const c = cells.get(`${subject}|${level}`) || { subject, level, demand: 0, supply: 0, unmet: 0, dups: 0 };
        total += c.unmet;
        const square = heatCell(c);
        square.dataset.row = row;
        square.dataset.col = col;
        return h('td', { class: state.flash.has(`cell|${state.year}|${subject}|${level}`) ? 'flash' : null }, square);
      });
      return h('tr', null,
        h('th', { scope: 'row' }, h('span', { class: 'code' }, subject), ' ', subjectName(subject)),
        tds,
        h('td', { class: 'total' }, total ? num(total) : '–'));
    });
    table.tBodies[0].replaceChildren(...rows);
    // One square is in the Tab order (the chosen one, else the first); arrows move between them.
    const squares = [...table.querySelectorAll('button.cell')];
    for (const b of squares) b.tabIndex = -1;
    const entry = squares.find((b) => b.getAttribute('aria-pressed') === 'true') || squares[0];
    if (entry) entry.tabIndex = 0;
  }

  function moveInHeatmap(event) {
    const from = event.target.closest('button.cell');
    if (!from) return;
    const squares = [...$('heatmap').querySelectorAll('button.cell')];
    const at = (b) => [Number(b.dataset.row), Number(b.dataset.col)];
    const [r, c] = at(from);
    const step = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[event.key];
    let to = null;
    if (step) {
      const [dr, dc] = step;
      const ahead = squares.filter((b) => {
        const [br, bc] = at(b);
        return dr ? Math.sign(br - r) === dr : br === r && Math.sign(bc - c) === dc;
      });
      // The nearest square that way: nearest row first, then nearest column.
      ahead.sort((a, b) => {
        const [ar, ac] = at(a);
        const [br, bc] = at(b);
        return (Math.abs(ar - r) * 100 + Math.abs(ac - c)) - (Math.abs(br - r) * 100 + Math.abs(bc - c));
      });
      to = ahead[0] || null;
    } else if (event.key === 'Home') {
      to = squares[0];
    } else if (event.key === 'End') {
      to = squares[squares.length - 1];
    }
    if (!to) return;
    event.preventDefault();
    from.tabIndex = -1;
    to.tabIndex = 0;
    to.focus();
  }

  function heatCell(c) {
    const cls = `cell ${heatClass(c)}`;
    if (!c.demand && !c.supply && !c.dups) return h('span', { class: cls }, h('span', { class: 'visually-hidden' }, 'nothing recorded'));
    let shown;
    let said;
    if (!c.demand) { shown = '○'; said = `${num(c.supply)} places, no recorded need`; }
    else if (c.unmet > 0) { shown = num(c.unmet); said = `${num(c.unmet)} learners short: need ${num(c.demand)}, places ${num(c.supply)}`; }
    else { shown = '✓'; said = `need met: need ${num(c.demand)}, places ${num(c.supply)}`; }
    if (c.dups) said += `; duplication in ${c.dups} ${c.dups === 1 ? 'case' : 'cases'}`;
    const label = `${subjectName(c.subject)}, ${levelLabel(c.level).toLowerCase()}: ${said}`;
    const pressed = !!(state.focus && state.focus.subject === c.subject && state.focus.level === c.level);
    return h('button', {
      type: 'button', class: cls, id: `cell-${c.subject}-${c.level}`, 'aria-pressed': String(pressed), 'aria-label': label, title: label,
      onclick: () => chooseFocus(pressed ? null : { subject: c.subject, level: c.level }),
    }, h('span', { 'aria-hidden': 'true' }, shown), c.dups ? h('span', { class: 'dup-mark' }, dupIcon()) : null);
  }

  function chooseFocus(focus) {
    state.focus = focus;
    render();
    if (focus) {
      announce(`Showing gaps and duplication for ${subjectName(focus.subject)}, ${levelLabel(focus.level).toLowerCase()}.`);
      $('gaps-section').scrollIntoView({ behavior: 'smooth', block: 'start' });
    } else {
      announce('Showing every subject and level.');
    }
  }

  function renderFocus() {
    const bar = $('filter-bar');
    bar.hidden = !state.focus;
    if (state.focus) $('filter-text').textContent = `Showing only ${subjectName(state.focus.subject)} (${state.focus.subject}), ${levelLabel(state.focus.level).toLowerCase()}.`;
  }

  const providerName = (ukprn) => state.providers.get(ukprn) || `Provider ${ukprn}`;

  function offerLine(o, withFill) {
    const offer = state.offers.get(`${o.ukprn}/${o.offer_id}`);
    const parts = [`${num(o.places)} places`];
    if (offer) parts.push(modeLabel(offer.mode).toLowerCase(), offer.status);
    if (withFill) parts.push(o.enrolled === null ? 'no enrolment reported' : `${num(o.enrolled)} enrolled (${pct(o.fill_rate)} full)`);
    return h('li', null,
      h('strong', null, providerName(o.ukprn)), ': ', offer ? offer.title : o.offer_id, ' ',
      h('span', { class: 'code' }, `(${o.offer_id})`), ', ', parts.join(', '));
  }

  function needLine(id) {
    const n = state.needs.get(id);
    if (!n) return h('li', null, `Need ${id}`);
    const evidence = String(n.evidence || '').replace(/-/g, ' ');
    return h('li', null, h('strong', null, `${num(n.learners)} learners`), `, evidence: ${evidence}`,
      n.note ? `, “${n.note}”` : '', ' ', h('span', { class: 'code' }, `(${id})`));
  }

  function severityBadge(severity) {
    const s = SEVERITY[severity] || { label: severity, icon: '' };
    return h('span', { class: `severity sev-${severity}`, title: s.help },
      s.icon ? h('span', { 'aria-hidden': 'true' }, s.icon) : dupIcon(), s.label);
  }

  function coverageBar(ratio) {
    const width = Math.max(0, Math.min(1, ratio || 0)) * 100;
    const fill = h('span', { class: 'bar-fill' });
    fill.style.width = `${width}%`;
    return h('span', { class: 'bar' }, h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill), pct(ratio));
  }

  const SORT_VALUE = {
    subject: (r) => r.subject,
    level: (r) => LEVELS.indexOf(r.level),
    age_group: (r) => AGES.indexOf(r.age_group),
    mode: (r) => MODES.indexOf(r.mode),
    providers: (r) => r.providers.length,
    severity: (r) => (SEVERITY[r.severity] || { rank: 0 }).rank,
    fill_rate: (r) => (r.fill_rate === null ? -1 : r.fill_rate),
  };

  function sorted(rows, sort) {
    const value = SORT_VALUE[sort.key] || ((r) => r[sort.key]);
    const sign = sort.dir === 'ascending' ? 1 : -1;
    return rows.map((r, i) => [r, i]).sort(([a, i], [b, j]) => {
      const x = value(a);
      const y = value(b);
      const c = sort.key === 'subject' ? byCode(x, y) : (x < y ? -1 : x > y ? 1 : 0);
      return c * sign || i - j;
    }).map(([r]) => r);
  }

  /** A report row with a button in its first cell that shows the row of detail below it. */
  function expandableRow(key, name, cells, detail, colspan) {
    const open = state.expanded.has(key);
    const detailId = `detail-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const button = h('button', {
      type: 'button', class: 'expand', id: `open-${detailId}`, 'aria-expanded': String(open), 'aria-controls': detailId,
      onclick: () => {
        if (state.expanded.has(key)) state.expanded.delete(key); else state.expanded.add(key);
        const now = state.expanded.has(key);
        button.setAttribute('aria-expanded', String(now));
        $(detailId).hidden = !now;
      },
    }, name);
    const flash = state.flash.has(key) ? 'row flash' : 'row';
    const first = h('th', { scope: 'row' }, button, tagFor(key));
    return [
      h('tr', { class: flash, 'data-key': key }, first, cells),
      h('tr', { class: 'detail', id: detailId, hidden: !open }, h('td', { colspan }, detail())),
    ];
  }

  const subjectCell = (code) => [subjectName(code), ' ', h('span', { class: 'code' }, code)];

  function renderGaps(rows) {
    const table = $('gaps');
    const list = sorted(rows, state.sort.gaps);
    $('gaps-empty').hidden = list.length > 0;
    table.hidden = list.length === 0;
    table.tBodies[0].replaceChildren(...list.flatMap((g) => expandableRow(gapKey(g), subjectCell(g.subject), [
      h('td', null, levelShort(g.level)),
      h('td', null, ageShort(g.age_group)),
      h('td', { class: 'num' }, num(g.demand)),
      h('td', { class: 'num' }, num(g.supply)),
      h('td', { class: 'num' }, h('strong', null, num(g.unmet))),
      h('td', { class: 'wide-only' }, coverageBar(g.coverage)),
      h('td', null, severityBadge(g.severity)),
    ], () => h('div', { class: 'detail-grid' },
      h('div', null, h('h3', null, `Needs identified (${g.needs.length})`),
        h('ul', null, g.needs.map(needLine)),
        state.needsReadable ? null : h('p', { class: 'code' }, 'The details of each need are not available with this access key.')),
      h('div', null, h('h3', null, `Courses offering places (${g.offers.length})`),
        g.offers.length ? h('ul', null, g.offers.map((o) => offerLine(o, false))) : h('p', null, 'No course offers places here yet.'))), 8)));
  }

  function renderDups(rows) {
    const table = $('dups');
    const list = sorted(rows, state.sort.dups);
    $('dups-empty').hidden = list.length > 0;
    table.hidden = list.length === 0;
    table.tBodies[0].replaceChildren(...list.flatMap((d) => expandableRow(dupKey(d), subjectCell(d.subject), [
      h('td', null, levelShort(d.level)),
      h('td', null, ageShort(d.age_group)),
      h('td', null, modeLabel(d.mode)),
      h('td', { class: 'num' }, num(d.providers.length)),
      h('td', { class: 'num' }, num(d.supply)),
      h('td', { class: 'num' }, num(d.demand)),
      h('td', { class: 'num' }, h('strong', null, num(d.surplus))),
      h('td', { class: 'num' }, pct(d.fill_rate)),
      h('td', null, severityBadge(d.severity)),
    ], () => h('div', { class: 'detail-grid' },
      h('div', null, h('h3', null, `Courses (${d.offers.length}) from ${d.providers.length} providers`),
        h('ul', null, d.offers.map((o) => offerLine(o, true)))),
      h('div', null, h('h3', null, 'Why this is duplication'),
        h('p', null, d.demand
          ? `${num(d.supply)} places for a need of ${num(d.demand)} learners: ${num(d.surplus)} more than needed.`
          : `${num(d.supply)} places and no recorded need.`,
        d.fill_rate === null ? '' : ` Classes are ${pct(d.fill_rate)} full.`))), 10)));
  }

  function targetName(t) {
    const scope = [t.subject ? `${subjectName(t.subject)} (${t.subject})` : 'All subjects'];
    if (t.level) scope.push(levelLabel(t.level).toLowerCase());
    if (t.age_group) scope.push(`ages ${ageLabel(t.age_group)}`);
    return `${scope.join(', ')}: ${t.measure === 'places' ? 'places offered' : 'learners enrolled'}`;
  }

  function renderTargets(targets) {
    $('targets-empty').hidden = targets.length > 0;
    $('targets').replaceChildren(...targets.map((t) => {
      const key = targetKey(t);
      const id = `target-${t.target_id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
      const met = t.current >= t.value;
      return h('li', { class: state.flash.has(key) ? 'target flash' : 'target' },
        h('p', { class: 'target-name', id: `${id}-name` }, targetName(t), tagFor(key)),
        h('progress', { max: t.value, value: Math.min(t.current, t.value), 'aria-labelledby': `${id}-name`, 'aria-describedby': `${id}-figures` }),
        h('p', { class: 'target-figures', id: `${id}-figures` },
          `${num(t.current)} of ${num(t.value)} (${pct(t.progress)})`,
          met ? h('span', { class: 'target-met' }, ' ✓ met') : null,
          h('span', { class: 'code' }, ` · target ${t.target_id}`)));
    }));
  }

  // ---- Sorting ---------------------------------------------------------------------------
  function setupSorting(tableId, which) {
    const ths = [...$(tableId).tHead.querySelectorAll('th[data-key]')];
    for (const th of ths) {
      th.querySelector('button').addEventListener('click', () => {
        const sort = state.sort[which];
        const key = th.dataset.key;
        const textual = ['subject', 'level', 'age_group', 'mode'].includes(key);
        sort.dir = sort.key === key ? (sort.dir === 'ascending' ? 'descending' : 'ascending') : (textual ? 'ascending' : 'descending');
        sort.key = key;
        for (const other of ths) other.removeAttribute('aria-sort');
        th.setAttribute('aria-sort', sort.dir);
        render();
        announce(`Sorted by ${th.textContent.trim().toLowerCase()}, ${sort.dir}.`);
      });
    }
  }

  // ---- CSV export ------------------------------------------------------------------------
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

  function exportGaps() {
    if (!state.report) return;
    const rows = sorted(visible(state.report.gaps), state.sort.gaps).map((g) => [
      g.academic_year, g.subject, subjectName(g.subject), g.level, g.age_group, g.demand, g.supply, g.unmet, g.coverage, g.severity,
      g.needs.join(' '), g.offers.map((o) => `${o.ukprn}/${o.offer_id}`).join(' ')]);
    download(fileName('gaps'), ['academic_year', 'subject', 'subject_name', 'level', 'age_group', 'demand', 'supply', 'unmet', 'coverage', 'severity', 'needs', 'offers'], rows);
  }

  function exportDups() {
    if (!state.report) return;
    const rows = sorted(visible(state.report.dups), state.sort.dups).map((d) => [
      d.academic_year, d.subject, subjectName(d.subject), d.level, d.age_group, d.mode, d.providers.join(' '),
      d.providers.map(providerName).join('; '), d.supply, d.demand, d.surplus, d.fill_rate, d.severity,
      d.offers.map((o) => `${o.ukprn}/${o.offer_id}`).join(' ')]);
    download(fileName('duplication'), ['academic_year', 'subject', 'subject_name', 'level', 'age_group', 'mode', 'providers', 'provider_names', 'supply', 'demand', 'surplus', 'fill_rate', 'severity', 'offers'], rows);
  }

  // ---- Start -----------------------------------------------------------------------------
  async function start() {
    state.key = readKey();
    setupSorting('gaps', 'gaps');
    setupSorting('dups', 'dups');
    $('export-gaps').addEventListener('click', exportGaps);
    $('export-dups').addEventListener('click', exportDups);
    $('filter-clear').addEventListener('click', () => chooseFocus(null));
    $('heatmap').addEventListener('keydown', moveInHeatmap);
    $('pickers').addEventListener('submit', (e) => e.preventDefault());
    $('partnership').addEventListener('change', (e) => { state.year = null; selectPartnership(e.target.value); });
    $('year').addEventListener('change', async (e) => {
      state.year = e.target.value;
      state.focus = null;
      rememberSelection();
      try {
        state.coverage = await loadCoverage();
        render();
      } catch (error) { notice(explain(error)); }
    });
    $('age').addEventListener('change', (e) => { state.age = e.target.value; render(); });
    window.addEventListener('online', () => state.stream.wake && state.stream.wake());

    const params = new URLSearchParams(location.search);
    state.year = params.get('year');
    try {
      await loadSubjects();
      const body = await api('/v1/partnerships');
      state.partnerships = body.partnerships.slice().sort((a, b) => a.name.localeCompare(b.name));
    } catch (error) {
      notice(explain(error));
      setLive('offline', 'Not live');
      return;
    }
    const select = $('partnership');
    select.replaceChildren(...state.partnerships.map((p) => h('option', { value: p.partnership_id }, p.name)));
    if (!state.partnerships.length) {
      select.append(h('option', { value: '' }, 'None registered yet'));
      notice('No partnership is registered yet. Once one is, reload this page.');
      setLive('offline', 'Not live');
      return;
    }
    select.disabled = false;
    const wanted = params.get('partnership');
    const first = state.partnerships.some((p) => p.partnership_id === wanted) ? wanted : state.partnerships[0].partnership_id;
    selectPartnership(first, { automatic: first !== wanted });
  }

  start();
})();
