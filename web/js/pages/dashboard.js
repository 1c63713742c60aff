// Dashboard: installation, bootstrap (live while it runs), cached entities, flows, the last 24
// hours (chart per hour, by status, source and event type), errors and event coverage.
import { h, svg, fill, formatNumber, timeEl, formatTime } from '../dom.js';
import { errorBox, loading, empty, statusBadge, pageHead, readOnlyNote, toast } from '../ui.js';

const RUNNING = new Set(['in_progress']);
const POLL_MS = 1000;

export async function renderDashboard(ctx) {
  const { api, session, main } = ctx;
  const refresh = h('button', { type: 'button', class: 'small' }, 'Refresh');
  const root = h('div', null, pageHead('Dashboard', refresh), readOnlyNote(session));
  const body = h('div', null, loading('Loading the dashboard…'));
  root.append(body);
  main.append(root);

  async function load() {
    try {
      const data = await api.dashboard(ctx.signal);
      fill(body, render(ctx, data, load));
      const state = data.bootstrap || {};
      if (RUNNING.has(state.status)) pollBootstrap(ctx, body, load);
    } catch (err) {
      if (err.name === 'AbortError') return;
      fill(body, errorBox(err, 'load the dashboard'));
    }
  }
  refresh.addEventListener('click', load);
  await load();
}

function render(ctx, d, reload) {
  const w = d.webhooks_24h || {};
  const ex = d.executions_24h || {};
  const errors = d.errors_24h || {};
  const flows = d.flows || {};
  const errorTotal = (errors.webhooks || 0) + (errors.executions || 0);
  return h('div', { class: 'stack' },
    h('section', { class: 'card', 'aria-label': 'Last 24 hours in figures' },
      h('div', { class: 'stats' },
        stat('Webhooks, 24 h', formatNumber(w.total ?? 0), 'stat-webhooks'),
        stat('Flow runs, 24 h', formatNumber(ex.total ?? 0), 'stat-executions'),
        stat('Errors, 24 h', formatNumber(errorTotal), 'stat-errors', errorTotal > 0),
        stat('Flows enabled', `${formatNumber(flows.enabled ?? 0)} / ${formatNumber(flows.total ?? 0)}`, 'stat-flows'),
      )),
    h('div', { class: 'grid' },
      installationCard(d),
      bootstrapCard(ctx, d.bootstrap || {}, reload),
      entitiesCard(d.entities)),
    activityCard(d),
    coverageCard(d.event_coverage || []));
}

function stat(label, value, id, alarm = false) {
  return h('div', { class: 'stat', 'data-stat': id },
    h('div', { class: 'value' }, alarm ? h('span', { class: 'badge badge-err' }, value) : value),
    h('div', { class: 'label' }, label));
}

function installationCard(d) {
  const inst = d.installation || {};
  return h('section', { class: 'card', 'aria-labelledby': 'dash-install' },
    h('div', { class: 'card-head' }, h('h2', { id: 'dash-install' }, 'Installation'),
      statusBadge(inst.active === false ? 'INACTIVE' : (inst.status || 'ACTIVE'))),
    h('dl', { class: 'facts' },
      h('dt', null, 'Workspace'), h('dd', { class: 'mono' }, d.workspace_id || '–'),
      h('dt', null, 'Installed'), h('dd', null, timeEl(inst.installed_at)),
      h('dt', null, 'Clockify API'), h('dd', { class: 'mono small' }, inst.backend_url || inst.api_url || '–'),
      h('dt', null, 'Last webhook'), h('dd', null, timeEl(d.webhooks_24h && d.webhooks_24h.last_received_at, { relative: true }))));
}

// ---- Bootstrap ----

function bootstrapCard(ctx, b, reload) {
  const card = h('section', { class: 'card', 'aria-labelledby': 'dash-bootstrap', id: 'bootstrap-card' });
  card.reload = reload;
  fillBootstrap(ctx, card, b);
  return card;
}

function fillBootstrap(ctx, card, b) {
  const total = b.total_endpoints || 0;
  const done = b.completed_endpoints || 0;
  const progress = Math.max(0, Math.min(100, b.progress ?? (total ? Math.round((100 * done) / total) : 0)));
  const running = RUNNING.has(b.status);
  const trigger = ctx.session.canWrite
    ? h('button', { type: 'button', class: 'small', disabled: running, onclick: () => triggerBootstrap(ctx, card) },
      b.status === 'completed' ? 'Run again' : 'Run bootstrap')
    : null;
  const label = { pending: 'Not run yet', in_progress: 'Running', completed: 'Completed', error: 'Failed' }[b.status] || b.status || 'Not run yet';
  fill(card, 
    h('div', { class: 'card-head' }, h('h2', { id: 'dash-bootstrap' }, 'Workspace cache'), statusBadge(b.status || 'pending')),
    h('p', { class: 'muted small' }, 'The bootstrap reads the workspace through Clockify’s API so flows can look entities up.'),
    h('progress', { max: '100', value: String(progress), 'aria-label': `Bootstrap progress ${progress}%` }),
    h('div', { class: 'row spread small' },
      h('span', { 'data-field': 'bootstrap-label' }, `${label} · ${progress}%`),
      h('span', { class: 'muted' }, total ? `${formatNumber(done)} of ${formatNumber(total)} endpoints` : '')),
    b.started_at ? h('p', { class: 'small muted' }, `Started ${formatTime(b.started_at)}${b.completed_at ? ` · finished ${formatTime(b.completed_at)}` : ''}`) : null,
    b.error_message ? h('div', { class: 'notice error small' }, h('strong', null, 'Error: '), b.error_message) : null,
    h('div', { class: 'bootstrap-actions' }, trigger));
}

async function triggerBootstrap(ctx, card) {
  const actions = card.querySelector('.bootstrap-actions');
  try {
    // 202 with the run's state: shown at once, then followed until it ends.
    const state = await ctx.api.triggerBootstrap();
    fillBootstrap(ctx, card, state);
    toast('Bootstrap started');
    pollBootstrap(ctx, card.parentElement, card.reload);
  } catch (err) {
    fill(actions, errorBox(err, 'start the bootstrap'));
  }
}

// Re-reads the bootstrap state every second while it runs and this page is open; once it has
// finished, the whole dashboard is read again (the cache's counts changed).
async function pollBootstrap(ctx, scope, reload) {
  while (!ctx.signal.aborted) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    if (ctx.signal.aborted) return;
    let state;
    try {
      state = await ctx.api.bootstrap(ctx.signal);
    } catch {
      return;
    }
    const card = scope.querySelector('#bootstrap-card') || document.getElementById('bootstrap-card');
    if (!card) return;
    fillBootstrap(ctx, card, state);
    if (!RUNNING.has(state.status)) {
      if (reload) await reload();
      return;
    }
  }
}

// ---- Entities ----

function entitiesCard(entities) {
  const rows = Object.entries(entities || {}).filter(([, n]) => typeof n === 'number').sort((a, b) => b[1] - a[1]);
  return h('section', { class: 'card', 'aria-labelledby': 'dash-entities' },
    h('div', { class: 'card-head' }, h('h2', { id: 'dash-entities' }, 'Cached entities'),
      rows.length ? h('span', { class: 'muted small' }, `${formatNumber(rows.reduce((s, [, n]) => s + n, 0))} in all`) : null),
    rows.length
      ? h('ul', { class: 'bars' }, rows.slice(0, 12).map(([type, n]) => h('li', null,
        h('span', { class: 'name' }, type.replace(/_/g, ' ')), h('span', { class: 'num' }, formatNumber(n)))))
      : empty('Nothing cached yet', 'The bootstrap fills the cache with users, projects, clients, tags and more.'));
}

// ---- Activity ----

function activityCard(d) {
  const w = d.webhooks_24h || {};
  const ex = d.executions_24h || {};
  return h('section', { class: 'card', 'aria-labelledby': 'dash-activity' },
    h('div', { class: 'card-head' }, h('h2', { id: 'dash-activity' }, 'Last 24 hours'),
      h('div', { class: 'legend' },
        h('span', null, h('span', { class: 'swatch swatch-webhooks' }), 'Webhooks'),
        h('span', null, h('span', { class: 'swatch swatch-executions' }), 'Flow runs'))),
    activityChart(w.by_hour.start, w.by_hour.counts, ex.by_hour.counts),
    h('div', { class: 'grid' },
      countsList('By status', w.by_status, true),
      countsList('By source', w.by_source),
      countsList('Top event types', w.by_event_type, false, 8),
      countsList('Flow runs by status', ex.by_status, true)));
}

function countsList(title, counts, badges = false, max = 20) {
  const rows = Object.entries(counts || {}).sort((a, b) => b[1] - a[1]).slice(0, max);
  const top = rows.length ? rows[0][1] : 0;
  return h('div', null,
    h('h3', null, title),
    rows.length
      ? h('ul', { class: 'bars' }, rows.map(([k, n]) => {
        const fill = h('div', { class: 'bar-fill' });
        fill.style.width = `${top ? Math.max(2, (100 * n) / top) : 0}%`;
        return h('li', null, badges ? h('span', null, statusBadge(k)) : h('span', { class: 'name mono small' }, k),
          h('span', { class: 'num' }, formatNumber(n)), h('div', { class: 'bar-track' }, fill));
      }))
      : h('p', { class: 'muted small' }, 'None yet.'));
}

// Webhooks received and flow runs started per hour: two bars per hour, on one scale.
function activityChart(startIso, webhooks, executions) {
  const hours = webhooks.length;
  const max = Math.max(1, ...webhooks, ...executions);
  const start = new Date(startIso).getTime();
  const W = hours * 10;
  const H = 100;
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-hidden': 'true' });
  for (const y of [0.5, 1]) chart.append(svg('line', { x1: 0, x2: W, y1: H - y * H + 0.5, y2: H - y * H + 0.5, class: 'grid-line', 'vector-effect': 'non-scaling-stroke' }));
  const busiest = { n: -1, i: 0 };
  webhooks.forEach((n, i) => {
    if (n > busiest.n) { busiest.n = n; busiest.i = i; }
    const hourLabel = new Date(start + i * 3600e3).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const bh = (n / max) * H;
    chart.append(svg('rect', { x: i * 10 + 1.5, y: H - bh, width: 4, height: bh, class: 'bar-webhooks' },
      svg('title', {}, `${hourLabel}: ${n} webhooks`)));
    const e = executions[i] || 0;
    const eh = (e / max) * H;
    chart.append(svg('rect', { x: i * 10 + 5.5, y: H - eh, width: 4, height: eh, class: 'bar-executions' },
      svg('title', {}, `${hourLabel}: ${e} flow runs`)));
  });
  const labels = h('div', { class: 'row spread small muted', 'aria-hidden': 'true' });
  for (let i = 0; i <= hours; i += 6) {
    labels.append(h('span', null, i === hours ? 'now' : new Date(start + i * 3600e3).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })));
  }
  const total = webhooks.reduce((a, b) => a + b, 0);
  const runs = executions.reduce((a, b) => a + b, 0);
  const summary = (total
    ? `${total} webhooks in the last ${hours} hours; busiest hour from ${new Date(start + busiest.i * 3600e3).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })} with ${busiest.n}.`
    : `No webhooks in the last ${hours} hours.`) + ` ${runs} flow runs.`;
  return h('figure', { class: 'chart' },
    h('div', { class: 'row spread small muted', 'aria-hidden': 'true' }, h('span', null, `max ${formatNumber(max)} per hour`)),
    chart, labels, h('figcaption', { class: 'visually-hidden' }, summary));
}

// ---- Event coverage ----

function coverageCard(coverage) {
  const reaching = coverage.filter((c) => c.reaches);
  const missing = coverage.filter((c) => !c.reaches);
  const row = (c) => h('li', { class: 'coverage-item' },
    h('span', { class: 'mono small' }, c.event_type), ' ',
    c.reaches ? h('span', { class: 'badge badge-ok' }, routeLabel(c.route)) : h('span', { class: 'muted small' }, c.reason || 'not subscribed'));
  return h('section', { class: 'card', 'aria-labelledby': 'dash-coverage' },
    h('div', { class: 'card-head' }, h('h2', { id: 'dash-coverage' }, 'Event coverage'),
      h('span', { class: 'muted small', 'data-field': 'coverage-summary' }, `${reaching.length} of ${coverage.length} event types reach the add-on`)),
    h('p', { class: 'muted small' }, 'Clockify lets an add-on subscribe to 10 events in its manifest; more come through the Webhooks API, within its limits.'),
    h('details', { class: 'tag-group', open: true },
      h('summary', null, 'Reaching the add-on ', h('span', { class: 'count' }, `(${reaching.length})`)),
      reaching.length ? h('ul', { class: 'plain-list coverage-list' }, reaching.map(row)) : h('p', { class: 'muted small' }, 'None yet.')),
    h('details', { class: 'tag-group' },
      h('summary', null, 'Not reaching it ', h('span', { class: 'count' }, `(${missing.length})`)),
      h('ul', { class: 'plain-list coverage-list' }, missing.map(row))));
}

function routeLabel(route) {
  if (!route) return 'yes';
  if (route === 'manifest' || route === 'install') return 'manifest';
  if (route.includes('webhooks_api') || route === 'api') return 'Webhooks API';
  return String(route).replace(/_/g, ' ');
}
