// Following a partnership's live stream: Server-Sent Events read through fetch, so that every
// request can carry `Authorization: Bearer <key>`, reconnecting with `Last-Event-ID`.

import { ApiError, explain, headers, partnershipPath } from './api.js';
import { $, notice } from './dom.js';
import { state } from './state.js';

/** With no byte from the live stream for this long (the server sends a comment every 15 s), reconnect. */
const STALL_MS = 45 * 1000;

export function setLive(mode, text) {
  const badge = $('live-status');
  badge.dataset.state = mode;
  badge.querySelector('.live-text').textContent = text;
}

export function stopStream() {
  state.stream.generation += 1;
  if (state.stream.controller) state.stream.controller.abort();
  state.stream.controller = null;
}

const sleep = (ms, stream) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  stream.wake = () => { clearTimeout(timer); resolve(); };
});

/** Follows `/live`, calling `onEvent` with each event, reconnecting after any drop, until stopped. */
export async function startStream(partnership, onEvent) {
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
        if (generation === stream.generation) onEvent(event);
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
