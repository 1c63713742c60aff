// API explorer: Clockify's operations grouped by tag with search, a form generated from the
// chosen operation's parameters and body schema, execute, the answer (status, latency, body), and
// "use as flow action".
import { h, clear, fill, debounce, formatNumber } from '../dom.js';
import { errorBox, loading, empty, methodBadge, httpStatusBadge, jsonView, pageHead, copyButton } from '../ui.js';
import { operationForm, flatten } from '../schema_form.js';

async function catalog(ctx) {
  if (!ctx.shared.operations) ctx.shared.operations = await ctx.api.operations({ limit: 500 });
  return ctx.shared.operations;
}

export async function entityOptions(ctx, type) {
  ctx.shared.entities = ctx.shared.entities || {};
  if (!ctx.shared.entities[type]) ctx.shared.entities[type] = ctx.api.entities(type).catch(() => []);
  return ctx.shared.entities[type];
}

export async function renderExplorer(ctx, operationId) {
  const { main } = ctx;
  const root = h('div', null, pageHead('API explorer'),
    h('p', { class: 'lead' }, 'Every operation of Clockify’s API, run as this add-on in your workspace.'));
  main.append(root);
  const side = h('nav', { class: 'card sticky master', 'aria-label': 'Operations' }, loading('Loading operations…'));
  const detail = h('section', { class: 'card', id: 'op-detail', 'aria-label': 'Operation' });
  root.append(h('div', { class: `split${operationId ? ' has-selection' : ''}` }, side,
    h('div', null, operationId ? h('p', { class: 'narrow-only' }, h('a', { href: '#/explorer', class: 'small' }, '← All operations')) : null, detail)));

  let list;
  try {
    list = await catalog(ctx);
  } catch (err) {
    if (err.name === 'AbortError') return;
    fill(side, errorBox(err, 'load the operations'));
    fill(detail, empty('No operations', 'The explorer needs Clockify’s OpenAPI document on the server.'));
    return;
  }
  renderList(ctx, side, list, operationId);
  if (operationId) {
    await renderOperation(ctx, detail, operationId);
  } else {
    fill(detail, empty('Choose an operation', `${formatNumber(list.total ?? list.items.length)} operations in ${list.tags.length} groups. Search by name, path or summary.`));
  }
}

function renderList(ctx, side, list, selected) {
  const search = h('input', { type: 'search', id: 'op-search', placeholder: 'Search operations', autocomplete: 'off', 'aria-controls': 'op-groups' });
  const method = h('select', { id: 'op-method', 'aria-label': 'Method' },
    ['', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => h('option', { value: m }, m || 'All methods')));
  const groups = h('div', { id: 'op-groups' });
  const count = h('p', { class: 'small muted', role: 'status' });
  fill(side, 
    h('label', { for: 'op-search', class: 'visually-hidden' }, 'Search operations'),
    h('div', { class: 'row' }, h('div', { class: 'grow' }, search), method), count, groups);
  search.value = ctx.params.get('q') || '';

  function draw() {
    const q = search.value.trim().toLowerCase();
    const m = method.value;
    const items = list.items.filter((op) => (!m || op.method === m) &&
      (!q || op.operation_id.toLowerCase().includes(q) || (op.summary || '').toLowerCase().includes(q) || op.path.toLowerCase().includes(q)));
    count.textContent = `${items.length} of ${list.items.length} operations`;
    clear(groups);
    if (!items.length) {
      groups.append(empty('No operation matches', 'Try another word, such as “project” or “time entry”.'));
      return;
    }
    const byTag = new Map();
    for (const op of items) {
      const tag = op.tag || 'Other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(op);
    }
    for (const [tag, ops] of byTag) {
      const open = !!q || !!m || ops.some((op) => op.operation_id === selected) || byTag.size === 1;
      groups.append(h('details', { class: 'tag-group', open },
        h('summary', null, tag, ' ', h('span', { class: 'count' }, `(${ops.length})`)),
        h('ul', { class: 'op-list' }, ops.map((op) => h('li', null,
          h('a', { href: `#/explorer/${encodeURIComponent(op.operation_id)}`, 'aria-current': op.operation_id === selected ? 'true' : null, 'data-operation': op.operation_id },
            methodBadge(op.method),
            h('span', { class: 'op-summary' }, op.summary || op.operation_id, h('span', { class: 'op-id' }, op.operation_id))))))));
    }
  }
  search.addEventListener('input', debounce(() => {
    const p = new URLSearchParams(ctx.params);
    if (search.value) p.set('q', search.value); else p.delete('q');
    ctx.replaceParams(p);
    draw();
  }, 120));
  method.addEventListener('change', draw);
  draw();
  // The chosen operation stays in sight in the (scrolling) list.
  const current = groups.querySelector('a[aria-current="true"]');
  if (current && side.offsetParent) current.scrollIntoView({ block: 'nearest' });
}

async function renderOperation(ctx, detail, operationId) {
  const { api, session } = ctx;
  fill(detail, loading('Loading the operation…'));
  let op;
  try {
    op = await api.operation(operationId);
  } catch (err) {
    if (err.name === 'AbortError') return;
    const suggestions = err.suggestions || [];
    fill(detail, errorBox(err, 'load this operation'),
      suggestions.length ? h('p', null, 'Did you mean: ', suggestions.map((s, i) => [i ? ', ' : '', h('a', { href: `#/explorer/${encodeURIComponent(s)}` }, s)])) : null);
    return;
  }
  const form = operationForm(op, { entityOptions: (t) => entityOptions(ctx, t) });
  const writes = op.method !== 'GET';
  const blocked = op.deprecated ? 'This operation is deprecated: Clockify gives it no real address, so it cannot be run.'
    : writes && !session.canWrite ? 'Only workspace owners and admins can run operations that change data.' : null;
  const run = h('button', { type: 'submit', class: 'primary', disabled: !!blocked }, 'Execute');
  const useInFlow = h('button', { type: 'button', disabled: !session.canWrite, title: session.canWrite ? null : 'Only workspace owners and admins can edit flows' }, 'Use as flow action');
  const result = h('div', { id: 'op-result', 'aria-live': 'polite' });
  const formEl = h('form', { novalidate: true }, form.el,
    blocked ? h('div', { class: 'notice warn small' }, blocked) : null,
    h('div', { class: 'actions' }, run, useInFlow));
  fill(detail, 
    h('div', { class: 'row' }, methodBadge(op.method), h('h2', { class: 'op-title' }, op.summary || op.operation_id)),
    h('p', { class: 'op-path' }, op.path),
    h('p', { class: 'small muted' }, h('span', { class: 'mono' }, op.operation_id), ` · ${op.tag || ''} · ${op.server === 'reports' ? 'Reports API' : 'Clockify API'}`,
      writes ? h('span', { class: 'badge badge-warn' }, 'changes data') : null),
    op.description && op.description !== op.summary ? h('p', { class: 'muted' }, op.description) : null,
    formEl, result);

  formEl.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let params;
    try { params = form.value(); } catch { return; }
    run.disabled = true;
    fill(result, loading('Calling Clockify…'));
    try {
      const out = await api.execute(op.operation_id, params);
      fill(result, responseView(out));
    } catch (err) {
      fill(result, errorBox(err, 'run this operation'));
    } finally {
      run.disabled = !!blocked;
    }
  });
  useInFlow.addEventListener('click', () => {
    let params;
    try { params = form.value(); } catch { return; }
    ctx.shared.pendingAction = { type: 'clockify_api', operation_id: op.operation_id, parameters: flatten(params) };
    ctx.navigate('#/flows/new');
  });
}

export function responseView(out) {
  const headers = Object.entries(out.headers || {});
  return h('div', { class: 'response', 'data-status-code': String(out.status_code) },
    h('h3', null, 'Response'),
    h('div', { class: 'row' }, httpStatusBadge(out.status_code),
      h('span', { class: 'small', 'data-field': 'latency' }, `${formatNumber(out.latency_ms)} ms`),
      out.attempts > 1 ? h('span', { class: 'small muted' }, `${out.attempts} attempts`) : null,
      h('span', { class: 'mono small muted wrap' }, `${out.request ? `${out.request.method} ${out.request.url}` : ''}`)),
    out.error ? h('div', { class: 'notice error small' }, out.error) : null,
    h('div', { class: 'row spread' }, h('span', { class: 'small muted' }, 'Body'), copyButton(() => JSON.stringify(out.data, null, 2), 'Copy')),
    out.data === null || out.data === undefined ? h('p', { class: 'muted small' }, 'No body.') : jsonView(out.data, { label: 'Response body' }),
    headers.length ? h('details', null, h('summary', { class: 'small' }, `Headers (${headers.length})`),
      h('pre', { class: 'small' }, headers.map(([k, v]) => `${k}: ${v}`).join('\n'))) : null);
}
