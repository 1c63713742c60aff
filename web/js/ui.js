// Shared pieces of the pages: states (loading, empty, error), badges, JSON view,
// tables that collapse into labelled rows on narrow screens, toasts and a confirmation dialog.
import { h, fill, copyText, uid } from './dom.js';

export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', role: 'status' }, text);
}

export function empty(title, text) {
  return h('div', { class: 'empty' }, h('strong', null, title), text ? h('span', null, text) : null);
}

// The API's message, its code and request id (for support).
export function errorBox(err, what = '') {
  const message = (err && err.message) || String(err);
  return h('div', { class: 'notice error', role: 'alert' },
    h('strong', null, what ? `Could not ${what}. ` : 'Something went wrong. '),
    h('span', null, message),
    err && (err.code || err.requestId)
      ? h('div', { class: 'small muted' }, [err.code, err.field ? `field ${err.field}` : null,
        err.requestId ? `request ${err.requestId}` : null].filter(Boolean).join(' · '))
      : null);
}

const STATUS_KIND = {
  processed: 'ok', success: 'ok', completed: 'ok', ok: 'ok', active: 'ok', ACTIVE: 'ok',
  error: 'err', failed: 'err', unknown: 'warn', partial: 'warn', skipped_inactive: 'muted',
  received: 'info', processing: 'info', in_progress: 'info', running: 'info', pending: 'muted',
  INACTIVE: 'warn', duplicate: 'muted',
};

export function statusBadge(status) {
  const s = status ?? 'unknown';
  const kind = STATUS_KIND[s] || 'muted';
  return h('span', { class: `badge badge-${kind}`, 'data-status': s }, String(s).replace(/_/g, ' '));
}

export function httpStatusBadge(code) {
  const kind = code >= 200 && code < 300 ? 'ok' : code >= 400 || code === 0 ? 'err' : 'warn';
  return h('span', { class: `badge badge-${kind}` }, code ? String(code) : 'no answer');
}

export function methodBadge(method) {
  return h('span', { class: `method method-${method}` }, method);
}

// Pretty JSON with coloured tokens, built from text nodes.
export function jsonView(value, { label } = {}) {
  const pre = h('pre', { class: 'json', tabindex: '0', 'aria-label': label || 'JSON' });
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  if (typeof value === 'string' || text === undefined) {
    pre.textContent = text ?? '';
    return pre;
  }
  const re = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false)\b|\b(null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) pre.append(text.slice(last, m.index));
    if (m[1]) {
      pre.append(h('span', { class: m[2] ? 'json-key' : 'json-string' }, m[1]));
      if (m[2]) pre.append(m[2]);
    } else if (m[3]) pre.append(h('span', { class: 'json-bool' }, m[3]));
    else if (m[4]) pre.append(h('span', { class: 'json-null' }, m[4]));
    else pre.append(h('span', { class: 'json-number' }, m[5]));
    last = m.index + m[0].length;
  }
  if (last < text.length) pre.append(text.slice(last));
  return pre;
}

export function copyButton(getText, label = 'Copy', accessibleLabel = null) {
  const btn = h('button', { type: 'button', class: 'small', 'aria-label': accessibleLabel }, label);
  btn.addEventListener('click', async () => {
    const ok = await copyText(typeof getText === 'function' ? getText() : getText);
    toast(ok ? 'Copied to the clipboard' : 'Copy failed: select the text and copy it by hand', ok ? '' : 'error');
  });
  return btn;
}

// columns: [{label, render(row) → node|string, className?}]; onRow(row) makes rows activate.
export function dataTable(columns, rows, { onRow, caption, rowLabel, className } = {}) {
  const table = h('table', { class: `responsive ${className || ''}` },
    caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.className }, c.label)))));
  const body = h('tbody');
  for (const row of rows) {
    const tr = h('tr', onRow ? { class: 'clickable' } : null);
    columns.forEach((c) => {
      const content = c.render(row);
      tr.append(h('td', { 'data-label': c.label, class: c.className }, content));
    });
    if (onRow) {
      // The first cell holds a real link or button for keyboards; the row is a mouse shortcut.
      tr.addEventListener('click', (ev) => {
        if (ev.target.closest('a, button, input, select, label')) return;
        onRow(row);
      });
      if (rowLabel) tr.title = rowLabel(row);
    }
    body.append(tr);
  }
  table.append(body);
  return h('div', { class: 'table-wrap' }, table);
}

export function toast(message, kind = '') {
  const box = document.getElementById('toasts');
  const t = h('div', { class: `toast ${kind}` }, message);
  box.append(t);
  setTimeout(() => t.remove(), 4000);
}

// A modal confirmation; resolves true when confirmed.
export function confirmDialog({ title, text, confirmLabel = 'Confirm', danger = false }) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const dlg = h('dialog', { 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      h('p', null, text),
      h('div', { class: 'actions' },
        h('button', { type: 'button', value: 'cancel', onclick: () => dlg.close('cancel') }, 'Cancel'),
        h('button', { type: 'button', class: danger ? 'primary danger-fill' : 'primary', onclick: () => dlg.close('ok') }, confirmLabel)));
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'ok');
      dlg.remove();
    });
    document.body.append(dlg);
    dlg.showModal();
  });
}

// A labelled form field around `control` (which gets an id if it has none).
export function field(label, control, { hint, required, className } = {}) {
  if (!control.id) control.id = uid('f');
  const hintId = hint ? uid('hint') : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  if (required) control.required = true;
  return h('div', { class: `field ${className || ''}` },
    h('label', { for: control.id, class: required ? 'required' : null }, label),
    control,
    hint ? h('span', { class: 'hint', id: hintId }, hint) : null);
}

export function pageHead(title, ...extra) {
  return h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, title), extra.length ? h('div', { class: 'row' }, extra) : null);
}

// The note shown to people who may look but not change.
export function readOnlyNote(session, what = 'make changes') {
  if (session.canWrite) return null;
  return h('div', { class: 'notice', 'data-state': 'read-only' },
    h('strong', null, 'Read-only. '),
    `Your role${session.role ? ` (${session.role.toLowerCase()})` : ''} can look but not ${what}: ask a workspace owner or admin.`);
}
