// Flows: the list (enable switches, last run), and a flow's runs with each action's request and
// response (SPEC §4.4, §6).
import { h, clear, fill, timeEl, formatNumber } from '../dom.js';
import { errorBox, loading, empty, statusBadge, dataTable, jsonView, pageHead, readOnlyNote, toast, httpStatusBadge } from '../ui.js';

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
    fill(body, errorBox(err, 'load the flows'));
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
    { label: 'Flow', render: (f) => h('span', null, h('a', { href: `#/flows/${f.id}` }, h('strong', null, f.name)), f.description ? h('span', { class: 'small muted' }, ` ${f.description}`) : null,
      // The loop guard pauses a flow with a reason; saving it enabled resumes it.
      f.paused_reason ? h('div', { class: 'notice warn small', 'data-field': 'paused-reason' }, h('strong', null, 'Paused: '), f.paused_reason) : null), className: 'wrap' },
    { label: 'Trigger', render: (f) => h('span', { class: 'mono small' }, `${f.trigger_source === 'CUSTOM' ? 'custom · ' : ''}${f.trigger_event_type === '*' ? 'any event' : f.trigger_event_type}`), className: 'wrap' },
    { label: 'Actions', render: (f) => formatNumber((f.actions || []).length), className: 'num' },
    { label: 'Last run', render: (f) => (f.last_execution ? h('span', { 'data-field': 'last-run' }, statusBadge(f.last_execution.status), ' ', timeEl(f.last_execution.started_at, { relative: true })) : h('span', { class: 'muted', 'data-field': 'last-run' }, 'never')) },
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
      // The answer is the flow without its last run; the row keeps showing that.
      const saved = await ctx.api.setFlowEnabled(flow, want);
      Object.assign(flow, saved, { last_execution: flow.last_execution });
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
      fill(body, errorBox(err, 'load the runs'));
    }
  }
  await load();
}

// One run (GET /ui/flows/{id}/executions, or a webhook's executions): status, how it was
// started, timing, and each action's request (as sent, redacted) and response.
const TRIGGER_LABEL = { replay: 'replay', test: 'test run' };

export function executionView(e, { showWebhook = true } = {}) {
  const actions = e.actions || [];
  const trigger = TRIGGER_LABEL[e.trigger];
  return h('article', { class: 'execution', 'data-execution': String(e.id), 'data-status': e.status, 'data-trigger': e.trigger },
    h('div', { class: 'row spread' },
      h('div', { class: 'row' }, statusBadge(e.status), trigger ? h('span', { class: 'badge badge-info' }, trigger) : null,
        h('a', { href: `#/flows/${e.flow_id}` }, h('strong', null, e.flow_name || `Flow #${e.flow_id}`)), h('span', { class: 'muted small' }, `run #${e.id}`)),
      h('span', { class: 'small muted' }, timeEl(e.started_at), e.completed_at ? ` · ${formatNumber(Math.max(0, new Date(e.completed_at) - new Date(e.started_at)))} ms` : '')),
    showWebhook && e.webhook_id ? h('p', { class: 'small' }, 'Triggered by ', h('a', { href: `#/webhooks/${e.webhook_id}` }, `webhook #${e.webhook_id}`)) : null,
    e.replay_of ? h('p', { class: 'small muted' }, `Repeats run #${e.replay_of}`) : null,
    e.error_message ? h('div', { class: 'notice error small' }, h('strong', null, 'Error: '), e.error_message) : null,
    actions.length ? h('ol', { class: 'plain-list' }, actions.map((a, i) => actionResult(a, i)))
      : h('p', { class: 'small muted' }, e.status === 'skipped' ? 'Skipped: no action ran.' : 'No action ran.'));
}

function actionResult(a, i) {
  const req = a.request || null;
  return h('li', { class: 'action-card', 'data-index': String(i), 'data-status': a.status || '' },
    h('div', { class: 'action-head' },
      h('span', { class: 'row' }, h('span', { class: 'step-num' }, String(i + 1)), h('span', { class: 'mono small' }, a.label || a.operation_id || a.type)),
      h('span', { class: 'row small' }, a.status ? statusBadge(a.status) : null, a.status_code !== undefined ? httpStatusBadge(a.status_code) : null,
        a.latency_ms !== undefined ? h('span', { class: 'muted', 'data-field': 'latency' }, `${formatNumber(a.latency_ms)} ms`) : null)),
    a.error ? h('div', { class: 'notice error small' }, a.error) : null,
    req ? h('p', { class: 'mono small wrap request-line' }, `${req.method} ${req.url}`) : null,
    req ? h('details', { class: 'action-request' }, h('summary', { class: 'small' }, 'Request'), jsonView(req, { label: 'Request' })) : null,
    a.result !== undefined ? h('details', { class: 'action-response' }, h('summary', { class: 'small' }, 'Response'), jsonView(a.result, { label: 'Response' })) : null);
}
