// Flows: the list (enable switches, last run), and a flow's runs with each action's request and
// response. Written against SPEC §4.4 / §6; a server without flows says so instead of failing.
import { h, clear, fill, timeEl, formatNumber } from '../dom.js';
import { NotAvailableError } from '../api.js';
import { errorBox, loading, empty, statusBadge, dataTable, jsonView, pageHead, readOnlyNote, toast, notAvailable, httpStatusBadge } from '../ui.js';

export async function renderFlows(ctx) {
  const { main, session, api } = ctx;
  const add = session.canWrite ? h('a', { href: '#/flows/new', class: 'button primary' }, 'New flow') : null;
  const root = h('div', null, pageHead('Flows', add),
    h('p', { class: 'lead' }, 'When a webhook arrives, each enabled flow whose trigger and conditions match runs its actions in order.'),
    readOnlyNote(session, 'create, change or switch flows'));
  const body = h('section', { class: 'card', 'aria-label': 'Flows' }, loading('Loading flows…'));
  root.append(body);
  main.append(root);
  let flows;
  try {
    flows = await api.flows();
  } catch (err) {
    if (err.name === 'AbortError') return;
    fill(body, err instanceof NotAvailableError ? notAvailable('flows') : errorBox(err, 'load the flows'));
    if (add) add.hidden = err instanceof NotAvailableError;
    return;
  }
  if (!flows.length) {
    fill(body, empty('No flows yet', session.canWrite
      ? 'A flow runs Clockify API calls when a webhook arrives, e.g. tag every time entry of a project.'
      : 'A workspace admin can create flows.'),
    add ? h('p', { class: 'empty' }, h('a', { href: '#/flows/new', class: 'button primary' }, 'Build your first flow')) : null);
    return;
  }
  fill(body, dataTable([
    { label: 'Enabled', render: (f) => enabledSwitch(ctx, f) },
    { label: 'Flow', render: (f) => h('span', null, h('a', { href: `#/flows/${f.id}` }, h('strong', null, f.name)), f.description ? h('span', { class: 'small muted' }, ` ${f.description}`) : null), className: 'wrap' },
    { label: 'Trigger', render: (f) => h('span', { class: 'mono small' }, `${f.trigger_source === 'CUSTOM' ? 'custom · ' : ''}${f.trigger_event_type === '*' ? 'any event' : f.trigger_event_type}`), className: 'wrap' },
    { label: 'Actions', render: (f) => formatNumber((f.actions || []).length), className: 'num' },
    { label: 'Last run', render: (f) => (f.last_run ? h('span', null, statusBadge(f.last_run.status), ' ', timeEl(f.last_run.at, { relative: true })) : h('span', { class: 'muted' }, 'never')) },
    { label: 'Runs', render: (f) => h('a', { href: `#/flows/${f.id}/executions` }, 'History') },
  ], flows, { caption: 'Flows' }));
}

function enabledSwitch(ctx, flow) {
  const box = h('input', { type: 'checkbox', class: 'switch', role: 'switch', checked: !!flow.enabled,
    disabled: !ctx.session.canWrite, 'aria-label': `Enable ${flow.name}` });
  if (flow.paused_reason) box.title = flow.paused_reason;
  box.addEventListener('change', async () => {
    const want = box.checked;
    box.disabled = true;
    try {
      const saved = await ctx.api.setFlowEnabled(flow, want);
      Object.assign(flow, saved);
      toast(`${flow.name} ${want ? 'enabled' : 'disabled'}`);
    } catch (err) {
      box.checked = !want;
      toast(`Could not change ${flow.name}: ${err.message}`, 'error');
    } finally {
      box.disabled = !ctx.session.canWrite;
    }
  });
  return box;
}

export async function renderExecutions(ctx, flowId) {
  const { main, api } = ctx;
  const title = pageHead('Flow runs');
  const root = h('div', null, h('p', null, h('a', { href: `#/flows/${flowId}`, class: 'small' }, '← Back to the flow')), title);
  const body = h('div', null, loading('Loading runs…'));
  root.append(body);
  main.append(root);
  api.flow(flowId).then((f) => { title.querySelector('h1').textContent = `Runs of “${f.name}”`; }).catch(() => {});
  const cursors = [];
  let cursor = '';
  async function load() {
    fill(body, loading('Loading runs…'));
    try {
      const page = await api.executions(flowId, { limit: 20, cursor });
      clear(body);
      if (!page.items.length && !cursors.length) {
        body.append(h('section', { class: 'card' }, empty('No runs yet', 'Runs appear here when a matching webhook arrives, or after a replay.')));
        return;
      }
      body.append(...page.items.map((e) => h('section', { class: 'card' }, executionView(e))),
        h('div', { class: 'pager' },
          h('button', { type: 'button', disabled: !cursors.length, onclick: () => { cursor = cursors.pop() || ''; load(); } }, '← Newer'),
          h('button', { type: 'button', disabled: !page.next_cursor, onclick: () => { cursors.push(cursor); cursor = page.next_cursor; load(); } }, 'Older →')));
    } catch (err) {
      if (err.name === 'AbortError') return;
      fill(body, err instanceof NotAvailableError ? notAvailable('flow runs') : errorBox(err, 'load the runs'));
    }
  }
  await load();
}

// One run: status, timing, and each action's request and response.
export function executionView(e, { showWebhook = true } = {}) {
  const actions = e.actions || [];
  return h('article', { class: 'execution', 'data-execution': String(e.id ?? ''), 'data-status': e.status },
    h('div', { class: 'row spread' },
      h('div', { class: 'row' }, statusBadge(e.status), e.replay || e.replay_of ? h('span', { class: 'badge badge-info' }, 'replay') : null,
        h('strong', null, e.flow_name || (e.flow_id ? `Flow #${e.flow_id}` : 'Run')), e.id ? h('span', { class: 'muted small' }, `run #${e.id}`) : null),
      h('span', { class: 'small muted' }, timeEl(e.started_at), e.completed_at && e.started_at ? ` · ${Math.max(0, new Date(e.completed_at) - new Date(e.started_at))} ms` : '')),
    showWebhook && e.webhook_id ? h('p', { class: 'small' }, 'Triggered by ', h('a', { href: `#/webhooks/${e.webhook_id}` }, `webhook #${e.webhook_id}`)) : null,
    e.error_message || e.error ? h('div', { class: 'notice error small' }, h('strong', null, 'Error: '), e.error_message || e.error) : null,
    actions.length ? h('ol', { class: 'plain-list' }, actions.map((a, i) => actionResult(a, i))) : h('p', { class: 'small muted' }, `${formatNumber(e.actions_executed ?? 0)} actions run.`));
}

function actionResult(a, i) {
  const req = a.request || {};
  return h('li', { class: 'action-card' },
    h('div', { class: 'action-head' },
      h('span', { class: 'row' }, h('span', { class: 'step-num' }, String(i + 1)), h('span', { class: 'mono small' }, a.operation_id || a.type || 'action')),
      h('span', { class: 'row small' }, a.status ? statusBadge(a.status) : null, a.status_code !== undefined ? httpStatusBadge(a.status_code) : null,
        a.latency_ms !== undefined ? h('span', { class: 'muted' }, `${formatNumber(a.latency_ms)} ms`) : null)),
    a.error ? h('div', { class: 'notice error small' }, a.error) : null,
    req.method || req.url ? h('p', { class: 'mono small wrap' }, `${req.method || ''} ${req.url || ''}`) : null,
    req.body !== undefined ? h('details', null, h('summary', { class: 'small' }, 'Request body'), jsonView(req.body)) : null,
    a.result !== undefined ? h('details', null, h('summary', { class: 'small' }, 'Response'), jsonView(a.result)) : null);
}
