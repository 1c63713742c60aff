// Entry point: reads the user's token, applies Clockify's theme, and routes between the pages.
// Routes live in the URL's hash (#/webhooks/12), so the back button and reloads of a section work
// inside Clockify's iframe without any server route per page.
import { Session } from './session.js';
import { Api } from './api.js';
import { h, clear, fill, setLocale, formatTime } from './dom.js';
import { renderDashboard } from './pages/dashboard.js';
import { renderWebhooks, renderWebhookDetail } from './pages/webhooks.js';
import { renderFlows, renderExecutions } from './pages/flows.js';
import { renderFlowBuilder } from './pages/flow_builder.js';
import { renderExplorer } from './pages/explorer.js';
import { renderSources } from './pages/sources.js';

const main = document.getElementById('main');

// Full-page messages for when the UI cannot be used at all.
function gate(title, paragraphs, detail) {
  document.getElementById('app-header').hidden = true;
  fill(main, h('section', { class: 'gate', 'data-state': 'gate' },
    h('img', { class: 'gate-icon', src: new URL('../icon.svg', import.meta.url).href, alt: '', width: '48', height: '48' }),
    h('h1', { tabindex: '-1' }, title),
    paragraphs.map((p) => h('p', { class: 'muted' }, p)),
    detail ? h('div', { class: 'notice error' }, h('strong', null, 'Server: '), detail) : null));
  main.querySelector('h1').focus();
}

function expiredGate(detail) {
  gate('Your session has expired',
    ['Clockify signs you in to this add-on for 30 minutes at a time.',
      'Close Universal Webhook and open it again from Clockify’s sidebar to continue.'],
    detail);
}

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
}

const routes = [
  [/^\/dashboard$/, (ctx) => renderDashboard(ctx)],
  [/^\/webhooks$/, (ctx) => renderWebhooks(ctx)],
  [/^\/webhooks\/(\d+)$/, (ctx, m) => renderWebhookDetail(ctx, m[1])],
  [/^\/flows$/, (ctx) => renderFlows(ctx)],
  [/^\/flows\/new$/, (ctx) => renderFlowBuilder(ctx, null)],
  [/^\/flows\/(\d+)$/, (ctx, m) => renderFlowBuilder(ctx, m[1])],
  [/^\/flows\/(\d+)\/executions$/, (ctx, m) => renderExecutions(ctx, m[1])],
  [/^\/explorer$/, (ctx) => renderExplorer(ctx, null)],
  [/^\/explorer\/([^/]+)$/, (ctx, m) => renderExplorer(ctx, decodeURIComponent(m[1]))],
  [/^\/sources$/, (ctx) => renderSources(ctx)],
];

// "#/webhooks?status=error" → {path: "/webhooks", params: URLSearchParams}
function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/dashboard';
  const q = raw.indexOf('?');
  return { path: q < 0 ? raw : raw.slice(0, q), params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

function boot() {
  const found = Session.fromLocation(window.location, window.history);
  if (!found.session) {
    applyTheme(window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
    if (found.problem === 'missing') {
      gate('Open Universal Webhook from Clockify',
        ['This page is shown inside Clockify’s sidebar, which signs you in by adding your token to its address (auth_token).',
          'Open Clockify, then choose Universal Webhook in the sidebar.']);
    } else {
      gate('This sign-in link is not valid',
        ['The token in the address is damaged. Open Universal Webhook again from Clockify’s sidebar.']);
    }
    return;
  }
  const session = found.session;
  applyTheme(session.theme);
  setLocale(session.language);
  if (session.language) document.documentElement.lang = session.language.toLowerCase();
  if (session.isExpired()) {
    expiredGate(null);
    return;
  }

  let stopped = false;
  const api = new Api(session, {
    onUnauthenticated: (err) => {
      if (stopped) return;
      stopped = true;
      if (/expired/i.test(err.message) || session.isExpired()) expiredGate(err.message);
      else gate('You are not signed in', ['Open Universal Webhook again from Clockify’s sidebar.'], err.message);
    },
  });

  // Warn a little before the token runs out, then say it has.
  if (session.expiresAt) {
    const banner = document.getElementById('session-banner');
    const warnAt = session.expiresAt - 2 * 60 * 1000 - Date.now();
    setTimeout(() => {
      banner.hidden = false;
      banner.textContent = `Your session ends at ${formatTime(new Date(session.expiresAt).toISOString())}. Reopen Universal Webhook from the sidebar to continue after that.`;
    }, Math.max(0, warnAt));
    setTimeout(() => {
      banner.hidden = false;
      banner.textContent = 'Your session has expired: reopen Universal Webhook from Clockify’s sidebar to continue.';
    }, Math.max(0, session.expiresAt - Date.now()));
  }

  document.getElementById('app-header').hidden = false;
  document.getElementById('readonly-badge').hidden = session.canWrite;
  document.body.classList.toggle('read-only', !session.canWrite);

  // State shared between pages (e.g. an explorer call handed to the flow builder).
  const shared = {};
  let current = null;
  let firstRoute = true;

  async function route() {
    if (stopped) return;
    const { path, params } = parseHash();
    if (current && current.abort) current.abort();
    const controller = new AbortController();
    current = controller;
    const section = path.split('/')[1] || 'dashboard';
    for (const a of document.querySelectorAll('.tabs a')) {
      if (a.dataset.section === section) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    const ctx = {
      api, session, params, shared, signal: controller.signal, main,
      navigate: (hash) => { location.hash = hash; },
      // Replaces the hash without a new history entry (filters, paging).
      replaceParams: (p) => {
        const qs = p.toString();
        history.replaceState(history.state, '', `#${path}${qs ? '?' + qs : ''}`);
      },
    };
    const match = routes.find(([re]) => re.test(path));
    main.dataset.ready = 'false';
    clear(main);
    if (!match) {
      main.append(h('h1', { tabindex: '-1' }, 'Page not found'),
        h('p', null, h('a', { href: '#/dashboard' }, 'Go to the dashboard')));
    } else {
      try {
        await match[1](ctx, path.match(match[0]));
      } catch (err) {
        if (err.name !== 'AbortError') {
          main.append(h('div', { class: 'notice error', role: 'alert' }, h('strong', null, 'This page failed: '), String(err.message || err)));
          console.error(err);
        }
      }
    }
    if (stopped || current !== controller) return;
    main.dataset.ready = 'true';
    // After a navigation, move focus to the new page's heading, so screen readers announce it and
    // Tab starts there; on the first page, focus stays at the top (the skip link comes first).
    const heading = main.querySelector('h1');
    if (!firstRoute && heading && !main.contains(document.activeElement)) heading.focus({ preventScroll: true });
    firstRoute = false;
  }

  window.addEventListener('hashchange', route);
  route();
}

boot();
