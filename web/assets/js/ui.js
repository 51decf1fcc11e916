// Small DOM helpers: elements, labelled fields, tables, errors with their
// explanation, and announcements for screen readers.
import { explain } from './api.js';

let ids = 0;
/** A unique element id. */
export function uid(prefix = 'f') { ids += 1; return `${prefix}-${ids}`; }

/** Creates an element: attrs are properties (class, text, onclick, …) or attributes (aria-*, data-*, for). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k.includes('-') || ['for', 'role', 'scope', 'list'].includes(k)) el.setAttribute(k, v === true ? '' : v);
    else el[k] = v;
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** A labelled input: returns [wrapper, input]. */
export function field(label, input, hint) {
  input.id = input.id || uid();
  const wrap = h('div', { class: 'field' }, h('label', { for: input.id, text: label }), input);
  if (hint) {
    const hid = uid('hint');
    input.setAttribute('aria-describedby', hid);
    wrap.append(h('span', { class: 'hint', id: hid, text: hint }));
  }
  return [wrap, input];
}

/** A table with a caption; columns are [label, render(row) → node or text]. */
export function table(caption, columns, rows, empty = 'None.') {
  if (!rows.length) return h('p', { class: 'muted' }, `${caption}: ${empty}`);
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', { text: caption }),
    h('thead', {}, h('tr', {}, columns.map(([label]) => h('th', { scope: 'col', text: label })))),
    h('tbody', {}, rows.map((r) => h('tr', {}, columns.map(([, render]) => h('td', {}, render(r))))))));
}

/** Announces a message to screen readers. */
export function announce(msg) {
  const s = document.getElementById('status');
  s.textContent = '';
  setTimeout(() => { s.textContent = msg; }, 50);
}

/** An error as the API answered it; beside a denial, why: AWS's reason and, on request, the audit trail's explanation. */
export function errorBox(err) {
  const box = h('div', { class: 'error', role: 'alert' });
  box.append(h('p', { class: 'title' }, `${err.code || 'Error'}: ${err.message}`));
  if (err.reason) {
    box.append(h('p', { class: 'why' }, h('strong', {}, 'Why: '), err.reason));
  }
  if (err.code && err.code.startsWith('AccessDenied') && err.requestId) {
    const out = h('div', { class: 'explanation' });
    const btn = h('button', { type: 'button', class: 'explain', text: 'Explain this decision' });
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      out.replaceChildren(h('p', { class: 'muted', text: 'Looking up the audit trail…' }));
      try {
        const x = await explain(err.requestId);
        out.replaceChildren(h('pre', { tabIndex: 0, 'aria-label': 'Explanation' }, x.explanation));
      } catch (e) {
        out.replaceChildren(h('p', { class: 'muted' }, `The explanation is not available to you: ${e.code}: ${e.message}`));
      }
      btn.disabled = false;
    });
    box.append(h('div', { class: 'row' }, btn), out);
  }
  if (err.requestId) box.append(h('p', { class: 'muted' }, `Request ID: ${err.requestId}`));
  return box;
}

/** Runs fn with button disabled meanwhile, showing its error in out. */
async function run(button, out, fn) {
  if (button) button.disabled = true;
  out.replaceChildren();
  try {
    await fn();
  } catch (e) {
    out.replaceChildren(errorBox(e));
    announce(`Error: ${e.message}`);
  } finally {
    if (button) button.disabled = false;
  }
}

/** Runs fn for a button click, disabling the button meanwhile and showing an error in out. */
export function action(button, out, fn) {
  button.addEventListener('click', (ev) => {
    ev.preventDefault();
    return run(button, out, fn);
  });
}

/** Handles a form's submission like action. */
export function onSubmit(form, out, fn) {
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    return run(form.querySelector('button[type=submit]'), out, () => fn(new FormData(form)));
  });
}

/** A success note. */
export function ok(...children) { return h('div', { class: 'ok', role: 'status' }, ...children); }

/** A secret shown once, with a copy button. */
export function secret(label, value, id) {
  const code = h('code', { class: 'secret', id, text: value });
  const btn = h('button', { type: 'button', text: `Copy ${label.toLowerCase()}` });
  btn.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(value);
      announce(`${label} copied`);
      btn.textContent = 'Copied';
    } catch {
      const r = document.createRange();
      r.selectNodeContents(code);
      getSelection().removeAllRanges();
      getSelection().addRange(r);
      announce('Select and copy it by hand');
    }
  });
  return h('p', { class: 'row' }, h('strong', {}, `${label}: `), code, btn);
}

/** Parses "k=v, k2=v2" into tags. */
export function parseTags(s) {
  const tags = {};
  for (const part of (s || '').split(',')) {
    const t = part.trim();
    if (!t) continue;
    const i = t.indexOf('=');
    tags[(i < 0 ? t : t.slice(0, i)).trim()] = i < 0 ? '' : t.slice(i + 1).trim();
  }
  return tags;
}

/** A link to a route. */
export function link(href, text) { return h('a', { href, text }); }

/** Formats an ISO time for people. */
export function when(s) {
  if (!s) return '';
  const d = new Date(typeof s === 'number' ? s * 1000 : s);
  return Number.isNaN(d.getTime()) ? String(s) : d.toLocaleString();
}
