// Building the page: elements from data (never from HTML text), the notice and the
// screen-reader announcements.

export const $ = (id) => document.getElementById(id);

/** Builds an element; children are nodes or text (never parsed as HTML). */
export function h(tag, attrs, ...children) {
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

/** The duplication mark: two overlapping squares (drawn, so it needs no font). */
export function dupIcon() {
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

export function notice(text) {
  const el = $('notice');
  el.textContent = text || '';
  el.hidden = !text;
}

export function announce(text) {
  const el = $('announcer');
  el.append(h('p', null, text));
  while (el.childElementCount > 5) el.firstElementChild.remove();
}
