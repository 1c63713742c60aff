// Webhook log: filters kept in the URL, keyset paging, and a detail view with the formatted
// payload, the (redacted) headers, the flow runs it caused, and replay.
import { h, fill, timeEl, localInputToIso, isoToLocalInput, uid } from '../dom.js';
import {
  errorBox, loading, empty, statusBadge, dataTable, jsonView, copyButton, field, pageHead,
  toast,
} from '../ui.js';
import { executionView } from './flows.js';

const STATUSES = ['received', 'processing', 'processed', 'error', 'skipped_inactive'];
const FILTERS = ['event_type', 'source', 'status', 'from', 'to'];
const PAGE_SIZE = 25;

// Event types and custom sources for the filter menus, from the dashboard (cached per visit).
export async function filterChoices(ctx) {
  if (ctx.shared.filterChoices) return ctx.shared.filterChoices;
  try {
    const d = await ctx.api.dashboard();
    const events = (d.event_coverage || []).map((c) => c.event_type);
    for (const k of Object.keys((d.webhooks_24h && d.webhooks_24h.by_event_type) || {})) {
      if (!events.includes(k)) events.push(k);
    }
    ctx.shared.filterChoices = { events, sources: d.custom_sources || [] };
  } catch {
    ctx.shared.filterChoices = { events: [], sources: [] };
  }
  return ctx.shared.filterChoices;
}

export async function renderWebhooks(ctx) {
  const { main, params } = ctx;
  const root = h('div', null, pageHead('Webhook log'),
    h('p', { class: 'lead' }, 'Every webhook the add-on received, newest first. Select one to see its payload and the flows it ran.'));
  main.append(root);

  const choices = await filterChoices(ctx);
  const listId = uid('events');
  const eventInput = h('input', { type: 'text', name: 'event_type', list: listId, value: params.get('event_type') || '', placeholder: 'Any', autocomplete: 'off' });
  const sourceSelect = h('select', { name: 'source' },
    h('option', { value: '' }, 'Any'),
    h('option', { value: 'CLOCKIFY' }, 'Clockify'),
    h('option', { value: 'CUSTOM' }, 'Any custom source'),
    choices.sources.map((s) => h('option', { value: s }, `Custom: ${s}`)));
  sourceSelect.value = params.get('source') || '';
  const statusSelect = h('select', { name: 'status' }, h('option', { value: '' }, 'Any'),
    STATUSES.map((s) => h('option', { value: s }, s.replace(/_/g, ' '))));
  statusSelect.value = params.get('status') || '';
  const fromInput = h('input', { type: 'datetime-local', name: 'from', value: isoToLocalInput(params.get('from')) });
  const toInput = h('input', { type: 'datetime-local', name: 'to', value: isoToLocalInput(params.get('to')) });
  const form = h('form', { class: 'card filters', role: 'search', 'aria-label': 'Filter webhooks' },
    field('Event type', eventInput), h('datalist', { id: listId }, choices.events.map((e) => h('option', { value: e }))),
    field('Source', sourceSelect), field('Status', statusSelect),
    field('From', fromInput, { className: 'field-wide' }), field('To', toInput, { className: 'field-wide' }),
    h('div', { class: 'row filter-buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      h('button', { type: 'button', onclick: () => { form.reset(); eventInput.value = ''; sourceSelect.value = ''; statusSelect.value = ''; fromInput.value = ''; toInput.value = ''; apply(); } }, 'Clear')));
  const results = h('section', { class: 'card', 'aria-label': 'Webhooks', 'aria-live': 'polite' });
  root.append(form, results);

  // Cursors of the pages before this one, to page back.
  let cursors = [];
  let cursor = params.get('cursor') || '';

  function current() {
    return {
      event_type: eventInput.value.trim(), source: sourceSelect.value, status: statusSelect.value,
      from: localInputToIso(fromInput.value), to: localInputToIso(toInput.value),
    };
  }

  function apply() {
    cursors = [];
    cursor = '';
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(current())) if (v) p.set(k, v);
    ctx.replaceParams(p);
    load();
  }

  form.addEventListener('submit', (ev) => { ev.preventDefault(); apply(); });

  async function load() {
    fill(results, loading('Loading webhooks…'));
    const filters = { ...current(), limit: PAGE_SIZE, cursor };
    try {
      const page = await ctx.api.webhooks(filters, ctx.signal);
      fill(results, renderPage(page));
    } catch (err) {
      if (err.name === 'AbortError') return;
      fill(results, errorBox(err, 'load the webhooks'));
    }
  }

  function renderPage(page) {
    const items = page.items || [];
    const filtered = FILTERS.some((k) => current()[k]);
    if (!items.length && !cursors.length) {
      return filtered ? empty('No webhook matches these filters', 'Widen the date range or clear a filter.')
        : empty('No webhooks yet', 'They appear here as soon as Clockify or a custom source sends one.');
    }
    const table = dataTable([
      { label: 'Received', render: (r) => h('a', { href: `#/webhooks/${r.id}`, 'aria-label': `Webhook ${r.id}, ${r.event_type}` }, timeEl(r.received_at)) },
      { label: 'Event', render: (r) => h('span', { class: 'mono small' }, r.event_type), className: 'wrap' },
      { label: 'Source', render: (r) => (r.source === 'CUSTOM' ? `Custom: ${r.custom_source || '?'}` : 'Clockify') },
      { label: 'Status', render: (r) => h('span', null, statusBadge(r.status), r.error_message ? h('span', { class: 'small muted' }, ` ${r.error_message}`) : null) },
      { label: 'ID', render: (r) => h('span', { class: 'mono small' }, `#${r.id}`), className: 'num' },
    ], items, { onRow: (r) => ctx.navigate(`#/webhooks/${r.id}`), caption: 'Webhooks, newest first', rowLabel: (r) => `Open webhook ${r.id}` });
    const newer = h('button', { type: 'button', disabled: !cursors.length, onclick: () => { cursor = cursors.pop() || ''; load(); } }, '← Newer');
    const older = h('button', { type: 'button', disabled: !page.next_cursor, onclick: () => { cursors.push(cursor); cursor = page.next_cursor; load(); } }, 'Older →');
    return h('div', null, table,
      h('div', { class: 'pager' }, newer, h('span', { class: 'muted small' }, `Page ${cursors.length + 1} · ${items.length} shown`), older));
  }

  await load();
}

export async function renderWebhookDetail(ctx, id) {
  const { main, api, session } = ctx;
  const back = h('a', { href: '#/webhooks', class: 'small' }, '← All webhooks');
  const root = h('div', null, h('p', null, back), pageHead(`Webhook #${id}`));
  const body = h('div', null, loading());
  root.append(body);
  main.append(root);
  let w;
  try {
    w = await api.webhook(id, ctx.signal);
  } catch (err) {
    if (err.name === 'AbortError') return;
    fill(body, errorBox(err, 'load this webhook'));
    return;
  }
  const replayArea = h('div');
  const replay = h('button', { type: 'button', class: 'primary', disabled: !session.canWrite,
    title: session.canWrite ? 'Run the matching flows again for this webhook' : 'Only workspace owners and admins can replay' }, 'Replay');
  replay.addEventListener('click', async () => {
    replay.disabled = true;
    fill(replayArea, loading('Replaying…'));
    try {
      const out = await api.replay(id);
      fill(replayArea, out.executions.length
        ? h('div', { class: 'notice ok' }, `Replay started ${out.executions.length} flow run${out.executions.length === 1 ? '' : 's'}.`)
        : h('div', { class: 'notice' }, 'No enabled flow matches this webhook, so nothing ran.'));
      toast('Replay done');
      await reload();
    } catch (err) {
      fill(replayArea, errorBox(err, 'replay this webhook'));
    } finally {
      replay.disabled = !session.canWrite;
    }
  });
  root.querySelector('.page-head').append(h('div', { class: 'row' }, replay));

  const headers = Object.entries(w.headers || {});
  const executions = h('div');
  fill(body, h('div', { class: 'stack' },
    replayArea,
    h('section', { class: 'card', 'aria-labelledby': 'wh-summary' },
      h('h2', { id: 'wh-summary' }, 'Summary'),
      h('dl', { class: 'facts' },
        h('dt', null, 'Event'), h('dd', { class: 'mono' }, w.event_type),
        h('dt', null, 'Source'), h('dd', null, w.source === 'CUSTOM' ? `Custom: ${w.custom_source}` : 'Clockify'),
        h('dt', null, 'Status'), h('dd', null, statusBadge(w.status), w.error_message ? ` ${w.error_message}` : ''),
        h('dt', null, 'Received'), h('dd', null, timeEl(w.received_at)),
        h('dt', null, 'Content type'), h('dd', { class: 'mono small' }, w.content_type || 'application/json'))),
    h('section', { class: 'card', 'aria-labelledby': 'wh-payload' },
      h('div', { class: 'card-head' }, h('h2', { id: 'wh-payload' }, 'Payload'),
        copyButton(() => JSON.stringify(w.payload, null, 2), 'Copy JSON')),
      jsonView(w.payload, { label: 'Payload' })),
    h('section', { class: 'card', 'aria-labelledby': 'wh-headers' },
      h('h2', { id: 'wh-headers' }, 'Headers'),
      h('p', { class: 'muted small' }, 'Signatures and tokens are stored redacted.'),
      headers.length ? dataTable([
        { label: 'Header', render: ([k]) => h('span', { class: 'mono small' }, k), className: 'wrap' },
        { label: 'Value', render: ([, v]) => h('span', { class: 'mono small' }, Array.isArray(v) ? v.join(', ') : String(v)), className: 'wrap' },
      ], headers, { caption: 'Request headers', className: 'kv' }) : h('p', { class: 'muted' }, 'No headers were stored.')),
    h('section', { class: 'card', 'aria-labelledby': 'wh-executions' },
      h('h2', { id: 'wh-executions' }, 'Flow runs'), executions)));

  function loadExecutions() {
    const items = w.executions || [];
    fill(executions, items.length
      ? items.map((e) => executionView(e, { showWebhook: false }))
      : empty('No flow ran for this webhook', 'Flows whose trigger and conditions match run automatically; replay runs them again.'));
  }
  // After a replay, the record lists the new runs too.
  async function reload() {
    try {
      w = await api.webhook(id);
      loadExecutions();
    } catch { /* keep what is shown */ }
  }
  loadExecutions();
}
