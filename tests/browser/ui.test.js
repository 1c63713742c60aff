// The web UI in a real browser (Debian's Chromium through playwright-core) against real
// `uwh serve` and `uwh mock-clockify` processes. Each expectation is computed apart from the page:
// from what the test itself sent, from the simulated Clockify's state, or from the manifest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Stack, launchBrowser, newPage, screenshotPath, LOG_LINES, SECRETS, UWH_BIN } from './harness.js';

let stack;      // sidebar open to EVERYONE: admins change things, other users read
let browser;
let adminToken;
let viewerToken;
const fired = []; // {event, id, body} of every webhook the mock sent in these tests

before(async () => {
  stack = await Stack.start({ sidebarAccess: 'EVERYONE', name: 'everyone' });
  await stack.install();
  adminToken = stack.token({ role: 'ADMIN' });
  viewerToken = stack.token({ role: 'USER' });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (stack) await stack.stop();
});

// The mock sends `event` about an entity not used before (the same entity twice would be a
// byte-identical delivery, which the add-on stores once), or about `entityId`; resolves once the
// add-on has logged it. Other webhooks may arrive meanwhile (a flow's own changes send some): the
// one wanted is the new row of this event whose payload is that entity.
const COLLECTION = { NEW_PROJECT: 'projects', NEW_TAG: 'tags', NEW_CLIENT: 'clients' };
function unusedEntity(state, event) {
  const used = new Set(fired.map((f) => f.entityId));
  return state[COLLECTION[event]].find((e) => !used.has(e.id));
}
async function fire(event, entityId = null) {
  const seen = new Set((await stack.ui(`/ui/webhooks?event_type=${event}&limit=500`, adminToken)).body.items.map((w) => w.id));
  const id = entityId || unusedEntity(await stack.mockState(), event).id;
  const sent = await stack.emit(event, id);
  assert.equal(sent.deliveries, 1, `the mock should deliver ${event} once: ${JSON.stringify(sent)}`);
  const detail = await Stack.until(async () => {
    const items = (await stack.ui(`/ui/webhooks?event_type=${event}&limit=500`, adminToken)).body.items;
    for (const w of items.filter((w) => !seen.has(w.id))) {
      const d = (await stack.ui(`/ui/webhooks/${w.id}`, adminToken)).body;
      if (d.payload && d.payload.id === sent.entity_id) return d;
    }
    return null;
  }, `${event} to reach the log`).catch(async (err) => {
    const deliveries = await (await fetch(`${stack.mockUrl}/_mock/deliveries`)).json();
    throw new Error(`${err.message}; the mock's deliveries: ${JSON.stringify(deliveries)}`);
  });
  assert.equal(detail.event_type, event);
  fired.push({ event, id: detail.id, entityId: sent.entity_id, payload: detail.payload });
  return fired[fired.length - 1];
}

// Waits until no loading indicator is left in the page.
// Waits until the page has rendered (main[data-ready]) and no loading indicator is left.
async function settled(page) {
  await page.waitForFunction(() => (document.querySelector('main').dataset.ready === 'true' ||
    document.querySelector('[data-state="gate"]')) && !document.querySelector('.loading'));
}

function noProblems(page) {
  // 4xx answers the UI expects (a missing endpoint, a refused change) show up as "Failed to load
  // resource"; everything else (CSP violations, script errors) is a defect.
  const real = page.problems.filter((p) => !p.includes('Failed to load resource'));
  assert.deepEqual(real, [], 'no console errors, script errors or CSP violations');
}

async function open(hash, { token = adminToken, width = 1280 } = {}) {
  const page = await newPage(browser, { width });
  await page.goto(stack.uiUrl(token, hash));
  await settled(page);
  return page;
}

test('the page is served from the binary with a strict CSP and cacheable assets', async () => {
  const res = await fetch(`${stack.baseUrl}/ui`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, /frame-ancestors [^;]*https:\/\/\*\.clockify\.me/);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  const html = await res.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  assert.doesNotMatch(html, /\sstyle=/, 'no inline style');
  const js = /src="([^"]+\/js\/main\.js)"/.exec(html)[1];
  const asset = await fetch(`${stack.baseUrl}${js}`);
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get('content-type'), /^text\/javascript/);
  assert.match(asset.headers.get('cache-control'), /immutable/);
  const again = await fetch(`${stack.baseUrl}${js}`, { headers: { 'If-None-Match': asset.headers.get('etag') } });
  assert.equal(again.status, 304);
});

test('dashboard: installation, counts of what was sent, the hourly chart and event coverage', async () => {
  await fire('NEW_PROJECT');
  await fire('NEW_PROJECT');
  // The event types the mock delivers to this add-on once the install's registrations through
  // the Webhooks API have finished (none left pending): the manifest's and the registered ones.
  await Stack.until(async () => {
    const coverage = (await stack.ui('/ui/dashboard', adminToken)).body.event_coverage || [];
    return coverage.length > 0 && !coverage.some((c) => c.status === 'pending');
  }, 'the webhook registrations to finish');
  const delivered = new Set((await stack.mockState()).webhooks
    .filter((w) => w.url.startsWith(`${stack.baseUrl}/webhooks/clockify/`))
    .map((w) => w.webhookEvent));
  const page = await open('#/dashboard');
  assert.equal(await page.textContent('main h1'), 'Dashboard');
  assert.equal(await page.locator('.app-header').isVisible(), true);
  assert.equal(await page.locator('#readonly-badge').isVisible(), false);
  assert.equal((await page.textContent('[data-stat="stat-webhooks"] .value')).trim(), String(fired.length));
  assert.match(await page.textContent('[aria-labelledby="dash-install"] .badge'), /^ACTIVE$/);
  assert.match(await page.textContent('[aria-labelledby="dash-install"] dd.mono'), new RegExp(stack.workspace));
  // The chart: 24 bars whose counts add up to the webhooks sent.
  const titles = await page.locator('.chart rect.bar-webhooks title').allTextContents();
  assert.equal(titles.length, 24);
  const sum = titles.reduce((s, t) => s + Number(/: (\d+) webhooks/.exec(t)[1]), 0);
  assert.equal(sum, fired.length);
  // Beside them, the flow runs per hour: none yet (no flow exists).
  const runs = await page.locator('.chart rect.bar-executions title').allTextContents();
  assert.equal(runs.length, 24);
  assert.ok(runs.every((t) => /: 0 flow runs$/.test(t)), runs.join());
  assert.equal((await page.textContent('[data-stat="stat-flows"] .value')).trim(), '0 / 0');
  // Coverage: exactly the event types the mock delivers to the add-on reach it.
  assert.ok(delivered.size > 0);
  const summary = await page.textContent('[data-field="coverage-summary"]');
  assert.match(summary, new RegExp(`^${delivered.size} of 51 event types`));
  noProblems(page);
  await page.context().close();
});

test('webhook log: filters, paging into the detail with payload, redacted headers, no runs', async () => {
  const tag = await fire('NEW_TAG');
  const page = await open('#/webhooks');
  const rows = page.locator('table tbody tr');
  assert.equal(await rows.count(), fired.length);
  assert.match(await rows.first().textContent(), /NEW_TAG/);

  await page.fill('input[name="event_type"]', 'NEW_TAG');
  await page.click('form[role="search"] button[type="submit"]');
  await settled(page);
  assert.equal(await rows.count(), fired.filter((f) => f.event === 'NEW_TAG').length);
  assert.match(page.url(), /event_type=NEW_TAG/);

  await page.selectOption('select[name="status"]', 'error');
  await page.click('form[role="search"] button[type="submit"]');
  await settled(page);
  assert.match(await page.textContent('section[aria-label="Webhooks"]'), /No webhook matches these filters/);

  await page.click('form[role="search"] button:has-text("Clear")');
  await settled(page);
  await page.click(`a[href="#/webhooks/${tag.id}"]`);
  await settled(page);
  assert.equal(await page.textContent('main h1'), `Webhook #${tag.id}`);
  const payloadText = await page.textContent('[aria-labelledby="wh-payload"] pre');
  assert.deepEqual(JSON.parse(payloadText), tag.payload);
  assert.equal(tag.payload.id, tag.entityId);
  const headers = await page.textContent('[aria-labelledby="wh-headers"] table');
  assert.match(headers, /clockify-signature/i);
  assert.doesNotMatch(headers, /eyJ[\w-]+\.[\w-]+\./, 'no token in the headers shown');
  assert.match(await page.textContent('[aria-labelledby="wh-executions"]'), /No flow ran for this webhook/);
  // Replay needs the flows part of the server; without it the page says so.
  await page.click('button:has-text("Replay")');
  await page.waitForSelector('[data-state="not-available"], .notice.ok, .notice:not(.error)');
  noProblems(page);
  await page.context().close();
});

test('API explorer: search, run getProjects, createNewProject sends a webhook, use as flow action', async () => {
  const state = await stack.mockState();
  const page = await open('#/explorer');
  await page.fill('#op-search', 'get all projects');
  await page.waitForFunction(() => document.querySelectorAll('#op-groups a[data-operation]').length > 0);
  assert.equal(await page.locator('#op-groups a[data-operation="getProjects"]').count(), 1);
  await page.click('#op-groups a[data-operation="getProjects"]');
  await page.waitForSelector('#op-detail form');
  assert.match(await page.textContent('#op-detail .op-path'), /\/v1\/workspaces\/\{workspaceId\}\/projects/);
  // Optional parameters are folded away until asked for.
  assert.equal(await page.locator('#op-detail input[name="page-size"]').isVisible(), false);
  await page.click('#op-detail summary:has-text("Optional parameters")');
  await page.fill('#op-detail input[name="page-size"]', '200');
  await page.click('#op-detail button[type="submit"]');
  await page.waitForSelector('#op-result .response');
  assert.equal(await page.getAttribute('#op-result .response', 'data-status-code'), '200');
  assert.match(await page.textContent('[data-field="latency"]'), /^\d[\d,]* ms$/);
  const body = JSON.parse(await page.textContent('#op-result pre.json'));
  assert.deepEqual(body.map((p) => p.name).sort(), state.projects.map((p) => p.name).sort());

  // A change: the simulated Clockify creates the project and, like Clockify, sends NEW_PROJECT.
  const name = `Browser test ${Date.now()}`;
  await page.goto(stack.uiUrl(adminToken, '#/explorer/createNewProject'));
  await page.waitForSelector('#op-detail form');
  await page.fill('#op-detail input[name="body.name"]', name);
  await page.click('#op-detail button[type="submit"]');
  await page.waitForSelector('#op-result .response');
  assert.equal(await page.getAttribute('#op-result .response', 'data-status-code'), '201');
  const created = JSON.parse(await page.textContent('#op-result pre.json'));
  assert.equal(created.name, name);
  const row = await Stack.until(async () => {
    const items = (await stack.ui('/ui/webhooks?event_type=NEW_PROJECT&limit=500', adminToken)).body.items;
    for (const w of items) {
      const d = (await stack.ui(`/ui/webhooks/${w.id}`, adminToken)).body;
      if (d.payload && d.payload.name === name) return d;
    }
    return null;
  }, 'the NEW_PROJECT webhook of the created project');
  fired.push({ event: 'NEW_PROJECT', id: row.id, entityId: created.id, payload: row.payload });
  assert.equal(row.payload.id, created.id);

  await page.click('button:has-text("Use as flow action")');
  await page.waitForSelector('#flow-actions .action-card[data-operation="createNewProject"] input[name="body.name"]');
  assert.equal(await page.inputValue('#flow-actions input[name="body.name"]'), name);
  noProblems(page);
  await page.context().close();
});

test('custom source: the secret is shown once, and its example request is accepted as written', async () => {
  const page = await open('#/sources');
  await page.fill('input[name="source"]', 'bad name!');
  await page.click('button:has-text("Create source")');
  assert.match(await page.textContent('[role="alert"]'), /1 to 64 letters/);
  await page.fill('input[name="source"]', 'github');
  await page.click('button:has-text("Create source")');
  await page.waitForSelector('#source-created [data-source="github"]');
  const secret = await page.inputValue('#new-secret');
  SECRETS.add(secret);
  SECRETS.add(secret.slice('whsec_'.length));
  assert.match(secret, /^whsec_[A-Za-z0-9+/=]+$/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'created-title');
  await page.screenshot({ path: screenshotPath('sources-created-1280-light'), fullPage: true });
  const example = await page.textContent('#source-example');
  assert.ok(example.includes(secret));
  // Run the example exactly as shown: it must be accepted.
  const out = execFileSync('bash', ['-c', example], { timeout: 15000 }).toString();
  const answer = JSON.parse(out);
  assert.equal(answer.status, 'accepted', out);
  await page.waitForSelector('table tbody tr');
  assert.match(await page.textContent('table'), /github/);

  // Reopened, the page never shows the secret again.
  await page.goto(stack.uiUrl(adminToken, '#/sources'));
  await settled(page);
  assert.match(await page.textContent('table'), /github/);
  assert.equal((await page.content()).includes(secret), false);
  const log = (await stack.ui('/ui/webhooks?source=github', adminToken)).body.items;
  assert.equal(log.length, 1);
  assert.equal(log[0].id, answer.id);

  // An open source, then deleting it after a confirmation (Escape first: nothing happens).
  await page.fill('input[name="source"]', 'short-lived');
  await page.check('#source-open');
  await page.click('button:has-text("Create source")');
  await page.waitForSelector('#source-created [data-source="short-lived"]');
  assert.equal(await page.locator('#new-secret').count(), 0, 'an open source has no secret');
  assert.match(await page.textContent('#source-example'), /X-Webhook-Source: short-lived/);
  await page.waitForSelector('button[aria-label="Delete short-lived"]');
  await page.click('button[aria-label="Delete short-lived"]');
  await page.waitForSelector('dialog[open]');
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog', { state: 'detached' });
  assert.deepEqual((await stack.ui('/ui/custom-sources', adminToken)).body.items.map((s) => s.source).sort(), ['github', 'short-lived']);
  await page.click('button[aria-label="Delete short-lived"]');
  await page.click('dialog[open] button:has-text("Delete")');
  await page.waitForFunction(() => !document.querySelector('button[aria-label="Delete short-lived"]'));
  assert.deepEqual((await stack.ui('/ui/custom-sources', adminToken)).body.items.map((s) => s.source), ['github']);
  noProblems(page);
  await page.context().close();
});

test('webhook log pages through a source’s webhooks, newest first, and back', async () => {
  const created = await stack.ui('/ui/custom-sources', adminToken, { method: 'POST', body: JSON.stringify({ source: 'pager', open: true }) });
  assert.equal(created.status, 201);
  const ids = [];
  for (let i = 0; i < 30; i++) {
    const res = await fetch(`${stack.baseUrl}/webhooks/custom/pager`, {
      method: 'POST', body: JSON.stringify({ n: i }),
      headers: { 'Content-Type': 'application/json', 'X-Webhook-Source': 'pager', 'X-Workspace-Id': stack.workspace },
    });
    ids.push((await res.json()).id);
  }
  const newestFirst = ids.slice().reverse().map((id) => `#${id}`);
  const page = await open('#/webhooks?source=pager');
  const shownIds = () => page.$$eval('table tbody tr td:last-child', (tds) => tds.map((td) => td.textContent.trim()));
  assert.deepEqual(await shownIds(), newestFirst.slice(0, 25));
  assert.equal(await page.isDisabled('button:has-text("Newer")'), true);
  await page.click('button:has-text("Older")');
  await page.waitForFunction(() => /Page 2/.test(document.querySelector('.pager')?.textContent));
  assert.deepEqual(await shownIds(), newestFirst.slice(25));
  assert.equal(await page.isDisabled('button:has-text("Older")'), true);
  await page.click('button:has-text("Newer")');
  await page.waitForFunction(() => /Page 1/.test(document.querySelector('.pager')?.textContent));
  assert.deepEqual(await shownIds(), newestFirst.slice(0, 25));
  noProblems(page);
  await page.context().close();
  assert.equal((await stack.ui('/ui/custom-sources/pager', adminToken, { method: 'DELETE' })).status, 204);
});

test('bootstrap: the progress bar follows the run live, then the counts show what it cached', async () => {
  const state = await stack.mockState();
  const page = await open('#/dashboard');
  assert.match(await page.textContent('[data-field="bootstrap-label"]'), /^Not run yet · 0%$/);
  // Every label the card shows, in order, however fast the run is.
  await page.evaluate(() => {
    window.bootstrapLabels = [];
    const card = document.getElementById('bootstrap-card');
    const note = () => {
      const t = card.querySelector('[data-field="bootstrap-label"]')?.textContent;
      if (t && window.bootstrapLabels.at(-1) !== t) window.bootstrapLabels.push(t);
    };
    new MutationObserver(note).observe(card, { childList: true, subtree: true, characterData: true });
  });
  await page.click('button:has-text("Run bootstrap")');
  await page.waitForFunction(() => /^Completed · 100%$/.test(document.querySelector('[data-field="bootstrap-label"]')?.textContent),
    null, { timeout: 120000 });
  const labels = await page.evaluate(() => window.bootstrapLabels);
  assert.match(labels[0], /^Running · \d+%$/, `the run shows as running first: ${labels}`);
  assert.equal(labels.at(-1), 'Completed · 100%');
  assert.equal(await page.getAttribute('#bootstrap-card progress', 'value'), '100');
  // Once it has finished the dashboard is read again: the cache holds every project and tag of
  // the simulated workspace.
  const count = (type) => page.evaluate((t) => [...document.querySelectorAll('[aria-labelledby="dash-entities"] li')]
    .find((li) => li.querySelector('.name').textContent === t)?.querySelector('.num').textContent, type);
  await page.waitForFunction(() => document.querySelectorAll('[aria-labelledby="dash-entities"] li').length > 0);
  assert.equal(await count('project'), String(state.projects.length));
  assert.equal(await count('tag'), String(state.tags.length));
  await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
  await page.screenshot({ path: screenshotPath('dashboard-after-bootstrap-1280-light'), fullPage: true });
  noProblems(page);
  await page.context().close();
});

test('explorer: id parameters offer the entities the bootstrap cached', async () => {
  const state = await stack.mockState();
  const project = state.projects[0];
  const page = await open('#/explorer/getProject');
  await page.waitForSelector('#op-detail input[name="projectId"]');
  const list = await page.getAttribute('#op-detail input[name="projectId"]', 'list');
  await page.waitForFunction((id) => document.getElementById(id).options.length > 0, list);
  const options = await page.$$eval(`#${list} option`, (os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(options.map(([v]) => v).sort(), state.projects.map((p) => p.id).sort());
  assert.ok(options.some(([v, t]) => v === project.id && t === project.name));
  await page.fill('#op-detail input[name="projectId"]', project.id);
  await page.click('#op-detail button[type="submit"]');
  await page.waitForSelector('#op-result .response');
  assert.equal(JSON.parse(await page.textContent('#op-result pre.json')).name, project.name);
  noProblems(page);
  await page.context().close();
});

let flow;        // the flow built in the builder: {id, sample, next}
test('flow builder: live JSONPath preview on a past webhook, an action from the catalog, save, dry run', async () => {
  const sample = fired.filter((f) => f.event === 'NEW_PROJECT').at(-1);
  const other = fired.find((f) => f.event === 'NEW_PROJECT');
  assert.notEqual(other.id, sample.id);
  const state = await stack.mockState();
  // The project whose NEW_PROJECT the next test sends: the flow is built to match it.
  const next = unusedEntity(state, 'NEW_PROJECT');
  const page = await open('#/flows/new');
  assert.equal(await page.textContent('main h1'), 'New flow');
  await page.fill('input[name="name"]', 'Archive browser projects');
  await page.fill('input[name="description"]', 'built in the browser test');
  await page.selectOption('#flow-event', 'NEW_PROJECT');
  await page.waitForFunction((id) => document.querySelector('#flow-sample').value === String(id), sample.id);

  await page.click('button:has-text("+ Add condition")');
  const rule = page.locator('#flow-rules .rule').first();
  await rule.locator('input[aria-label="JSONPath"]').fill('$.name');
  await rule.locator('input[aria-label="Value"]').fill(JSON.stringify(sample.payload.name));
  await rule.locator('.preview [data-passed]').waitFor();
  assert.equal(await rule.locator('.preview').textContent(), `Selects 1 value: ${JSON.stringify(sample.payload.name)} · passes on the sample`);
  await rule.locator('input[aria-label="Value"]').fill('"no such project"');
  await page.waitForFunction(() => document.querySelector('#flow-rules .preview [data-passed]')?.dataset.passed === 'false');
  await rule.locator('input[aria-label="JSONPath"]').fill('$[');
  await page.waitForFunction(() => /invalid JSONPath/i.test(document.querySelector('#flow-rules .preview').textContent));
  await rule.locator('input[aria-label="JSONPath"]').fill('$.name');
  // "is one of": the sample's project and the one the next test sends.
  await rule.locator('select[aria-label="Operator"]').selectOption('in');
  await rule.locator('input[aria-label="Value"]').fill(JSON.stringify([sample.payload.name, next.name]));
  await page.waitForFunction(() => document.querySelector('#flow-rules .preview [data-passed]')?.dataset.passed === 'true');
  await page.click('button:has-text("+ Add condition")');
  const second = page.locator('#flow-rules .rule').nth(1);
  await second.locator('input[aria-label="JSONPath"]').fill('$.archived');
  await second.locator('select[aria-label="Operator"]').selectOption('exists');
  await second.locator('.preview [data-passed="true"]').waitFor();

  await page.fill('#action-search', 'update project');
  await page.click('#action-results button[data-operation="updateProject"]');
  const action = page.locator('#flow-actions .action-card[data-operation="updateProject"]');
  await action.locator('input[name="projectId"]').waitFor();
  // Template hints from the sample's payload, and the projects the bootstrap cached.
  const list = await action.locator('input[name="projectId"]').getAttribute('list');
  await page.waitForFunction((id) => [...document.getElementById(id).options].some((o) => !o.value.startsWith('{{')), list);
  const options = await page.$$eval(`#${list} option`, (os) => os.map((o) => o.value));
  assert.ok(options.includes('{{webhook.id}}'), 'template hint {{webhook.id}} from the sample');
  assert.deepEqual(options.filter((v) => !v.startsWith('{{')).sort(), state.projects.map((p) => p.id).sort());
  await action.locator('input[name="projectId"]').fill('{{webhook.id}}');
  await action.locator('input[name="body.archived"]').fill('true');
  await action.locator('input[name="body.name"]').fill('{{webhook.name}}');

  await page.click('button:has-text("Save flow")');
  await page.waitForFunction(() => /^#\/flows\/\d+$/.test(location.hash));
  const flowId = Number(/#\/flows\/(\d+)/.exec(page.url())[1]);
  const saved = (await stack.ui(`/ui/flows/${flowId}`, adminToken)).body;
  const { id, workspace_id: ws, created_at: c, updated_at: u, last_execution: last, paused_reason: paused, ...definition } = saved;
  assert.equal(ws, stack.workspace);
  assert.equal(last, null);
  assert.equal(paused, null);
  assert.deepEqual(definition, {
    name: 'Archive browser projects', description: 'built in the browser test', enabled: true,
    trigger_source: 'CLOCKIFY', trigger_event_type: 'NEW_PROJECT',
    conditions: { mode: 'ALL', rules: [{ path: '$.name', operator: 'in', value: [sample.payload.name, next.name] }, { path: '$.archived', operator: 'exists' }] },
    actions: [{ type: 'clockify_api', operation_id: 'updateProject', parameters: { projectId: '{{webhook.id}}', body: { archived: true, name: '{{webhook.name}}' } } }],
  });

  // The saved flow's page has everything in place.
  await page.waitForSelector('#flow-actions input[name="projectId"]');
  assert.equal(await page.textContent('main h1'), 'Edit flow');
  assert.equal(await page.inputValue('input[name="name"]'), 'Archive browser projects');
  assert.equal(await page.inputValue('#flow-actions input[name="projectId"]'), '{{webhook.id}}');
  assert.equal(await page.inputValue('#flow-rules .rule >> nth=0 >> select[aria-label="Operator"]'), 'in');

  // Dry run on the sample: the conditions pass and the request is rendered from its payload.
  await page.waitForFunction((id) => document.querySelector('#flow-sample').value === String(id), sample.id);
  await page.click('#flow-test-button');
  await page.waitForSelector('#flow-test section[data-passed]');
  assert.equal(await page.getAttribute('#flow-test section', 'data-passed'), 'true');
  assert.equal(await page.textContent('#flow-test .action-card .request-line'),
    `PUT ${stack.mockUrl}/api/v1/workspaces/${stack.workspace}/projects/${sample.payload.id}`);
  assert.deepEqual(JSON.parse(await page.textContent('#flow-test .action-card pre.json')), { archived: true, name: sample.payload.name });
  await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
  await page.screenshot({ path: screenshotPath('flow-saved-and-tested-1280-light'), fullPage: true });
  // On another past webhook the name is not one of the list: the flow would not run.
  await page.selectOption('#flow-sample', String(other.id));
  await page.waitForFunction(() => !document.querySelector('#flow-sample').disabled && document.querySelector('#flow-rules .preview [data-passed]')?.dataset.passed === 'false');
  await page.click('#flow-test-button');
  await page.waitForSelector('#flow-test section[data-passed="false"]');
  assert.match(await page.textContent('#flow-test'), /would not run/);
  // A dry run calls nothing and records nothing.
  const project = (await stack.mockState()).projects.find((p) => p.id === sample.payload.id);
  assert.equal(project.archived, false);
  assert.deepEqual((await stack.ui(`/ui/flows/${flowId}/executions`, adminToken)).body.items, []);
  noProblems(page);
  await page.context().close();
  flow = { id: flowId, name: 'Archive browser projects', next };
});

test('a webhook from the mock runs the flow; the webhook, the flow and the dashboard show the run', async () => {
  const hit = await fire('NEW_PROJECT', flow.next.id);
  // The simulated Clockify received the flow's call.
  await Stack.until(async () => (await stack.mockState()).projects.find((p) => p.id === flow.next.id).archived === true,
    'the flow to archive the project in the mock');
  await Stack.until(async () => (await stack.ui(`/ui/webhooks/${hit.id}`, adminToken)).body.executions[0]?.completed_at,
    'the run to be recorded');
  const page = await open(`#/webhooks/${hit.id}`);
  const run = page.locator('[aria-labelledby="wh-executions"] article.execution');
  assert.equal(await run.count(), 1);
  assert.equal(await run.getAttribute('data-status'), 'success');
  assert.equal(await run.getAttribute('data-trigger'), 'automatic');
  assert.match(await run.textContent(), new RegExp(flow.name));
  const step = run.locator('.action-card');
  assert.equal(await step.getAttribute('data-status'), 'success');
  assert.match(await step.textContent(), /updateProject/);
  assert.match(await step.textContent(), /200/);
  assert.match(await step.locator('[data-field="latency"]').textContent(), /^\d[\d,]* ms$/);
  assert.equal(await step.locator('.request-line').textContent(),
    `PUT ${stack.mockUrl}/api/v1/workspaces/${stack.workspace}/projects/${flow.next.id}`);
  await step.locator('summary:has-text("Request")').click();
  const request = JSON.parse(await step.locator('details.action-request pre').textContent());
  assert.equal(request.method, 'PUT');
  assert.deepEqual(request.body, { archived: true, name: flow.next.name });
  await step.locator('summary:has-text("Response")').click();
  const response = JSON.parse(await step.locator('details.action-response pre').textContent());
  assert.equal(response.id, flow.next.id);
  assert.equal(response.name, flow.next.name);
  assert.equal(response.archived, true);
  assert.equal((await page.content()).includes(adminToken), false);
  await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
  await page.screenshot({ path: screenshotPath('webhook-with-run-1280-light'), fullPage: true });

  // Replay: a second run, marked as such, repeating the first.
  await page.click('button:has-text("Replay")');
  await page.waitForSelector('.notice.ok');
  assert.match(await page.textContent('.notice.ok'), /Replay started 1 flow run\./);
  await page.waitForFunction(() => document.querySelectorAll('[aria-labelledby="wh-executions"] article.execution').length === 2);
  const replay = run.nth(1);
  assert.equal(await replay.getAttribute('data-trigger'), 'replay');
  assert.equal(await replay.getAttribute('data-status'), 'success');
  assert.match(await replay.textContent(), new RegExp(`Repeats run #${await run.nth(0).getAttribute('data-execution')}`));
  noProblems(page);

  // The flows list: switched on, last run successful; its history lists both runs, newest first.
  await page.goto(stack.uiUrl(adminToken, '#/flows'));
  await settled(page);
  const row = page.locator('table tbody tr', { hasText: flow.name });
  assert.equal(await row.locator('input.switch').isChecked(), true);
  assert.equal(await row.locator('[data-field="last-run"] .badge').textContent(), 'success');
  await row.locator('a:has-text("History")').click();
  await settled(page);
  await page.waitForFunction((n) => document.querySelector('main h1').textContent === `Runs of “${n}”`, flow.name);
  const runs = page.locator('article.execution');
  assert.equal(await runs.count(), 2);
  assert.deepEqual([await runs.nth(0).getAttribute('data-trigger'), await runs.nth(1).getAttribute('data-trigger')], ['replay', 'automatic']);
  assert.match(await runs.nth(1).textContent(), new RegExp(`webhook #${hit.id}`));
  noProblems(page);

  // The switch turns the flow off and on again through the API.
  await page.goto(stack.uiUrl(adminToken, '#/flows'));
  await settled(page);
  const box = page.locator('table tbody tr', { hasText: flow.name }).locator('input.switch');
  await box.click();
  await page.waitForFunction(() => !document.querySelector('table input.switch').disabled);
  assert.equal((await stack.ui(`/ui/flows/${flow.id}`, adminToken)).body.enabled, false);
  await box.click();
  await page.waitForFunction(() => !document.querySelector('table input.switch').disabled);
  const after = (await stack.ui(`/ui/flows/${flow.id}`, adminToken)).body;
  assert.equal(after.enabled, true);
  assert.equal(after.actions[0].operation_id, 'updateProject');
  noProblems(page);

  // The dashboard counts the two runs, in its figures and in the chart's hourly bars.
  await page.goto(stack.uiUrl(adminToken, '#/dashboard'));
  await settled(page);
  assert.equal((await page.textContent('[data-stat="stat-executions"] .value')).trim(), '2');
  assert.equal((await page.textContent('[data-stat="stat-flows"] .value')).trim(), '1 / 1');
  const runTitles = await page.locator('.chart rect.bar-executions title').allTextContents();
  assert.equal(runTitles.length, 24);
  assert.equal(runTitles.reduce((s, t) => s + Number(/: (\d+) flow runs/.exec(t)[1]), 0), 2);
  await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
  await page.screenshot({ path: screenshotPath('dashboard-with-runs-1280-light'), fullPage: true });
  noProblems(page);
  await page.context().close();
});

test('an expired, a foreign or a missing token gets a clear message instead of a blank page', async () => {
  const expired = stack.token({ ttl: '-5m' });
  let page = await open('', { token: expired });
  assert.equal(await page.textContent('main h1'), 'Your session has expired');
  assert.match(await page.textContent('main'), /open it again from Clockify’s sidebar/);
  assert.equal(await page.locator('.app-header').isVisible(), false);
  noProblems(page);
  await page.context().close();

  // Signed by a key the server does not trust: the server refuses it and the page says why.
  const other = `${stack.dir}/other-keys`;
  execFileSync(UWH_BIN, ['dev', 'keygen', '--out', other]);
  page = await newPage(browser);
  const foreign = stack.token({ key: `${other}/private.pem` });
  await page.goto(stack.uiUrl(foreign));
  await page.waitForSelector('[data-state="gate"]');
  assert.equal(await page.textContent('main h1'), 'You are not signed in');
  assert.match(await page.textContent('main .notice'), /invalid token/);
  await page.screenshot({ path: screenshotPath('foreign-token-1280-light'), fullPage: true });
  await page.context().close();

  page = await newPage(browser);
  await page.goto(`${stack.baseUrl}/ui`);
  await page.waitForSelector('[data-state="gate"]');
  assert.equal(await page.textContent('main h1'), 'Open Universal Webhook from Clockify');
  await page.context().close();
});

test('the token leaves the address bar and is sent as X-Addon-Token, never in a URL', async () => {
  const page = await newPage(browser);
  const urls = [];
  page.on('request', (r) => urls.push({ url: r.url(), token: r.headers()['x-addon-token'] }));
  await page.goto(stack.uiUrl(adminToken, '#/dashboard'));
  await settled(page);
  assert.equal(page.url().includes('auth_token'), false);
  const apiCalls = urls.filter((u) => /\/ui\/dashboard/.test(u.url));
  assert.ok(apiCalls.length >= 1);
  for (const c of apiCalls) {
    assert.equal(c.token, adminToken);
    assert.equal(c.url.includes(adminToken), false);
  }
  assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length + document.cookie.length), 0);
  await page.context().close();
});

test('sidebar open to everyone: a non-admin sees the pages read-only and the API refuses changes', async () => {
  let page = await open('#/dashboard', { token: viewerToken });
  assert.equal(await page.locator('#readonly-badge').isVisible(), true);
  assert.equal(await page.locator('button:has-text("Run bootstrap")').count(), 0);
  await page.goto(stack.uiUrl(viewerToken, '#/sources'));
  await settled(page);
  assert.equal(await page.locator('button:has-text("Create source")').count(), 0);
  assert.equal(await page.locator('button:has-text("Delete")').count(), 0);
  assert.match(await page.textContent('[data-state="read-only"]'), /can look but not create or delete sources/);
  assert.match(await page.textContent('table'), /github/);
  await page.screenshot({ path: screenshotPath('sources-read-only-1280-light'), fullPage: true });

  await page.goto(stack.uiUrl(viewerToken, '#/explorer/createNewProject'));
  await page.waitForSelector('#op-detail form');
  assert.equal(await page.locator('#op-detail button[type="submit"]').isDisabled(), true);
  assert.match(await page.textContent('#op-detail'), /Only workspace owners and admins can run operations that change data/);

  // Flows: listed with their state, but no new flow, no switch, no save or delete; the dry run
  // (which changes nothing) is open to everyone.
  const before = (await stack.ui(`/ui/flows/${flow.id}`, adminToken)).body;
  await page.goto(stack.uiUrl(viewerToken, '#/flows'));
  await settled(page);
  assert.match(await page.textContent('[data-state="read-only"]'), /can look but not create, change or switch flows/);
  assert.equal(await page.locator('a:has-text("New flow")').count(), 0);
  const row = page.locator('table tbody tr', { hasText: flow.name });
  assert.equal(await row.locator('input.switch').isChecked(), true);
  assert.equal(await row.locator('input.switch').isDisabled(), true);
  assert.equal(await row.locator('[data-field="last-run"] .badge').textContent(), 'success');
  await page.goto(stack.uiUrl(viewerToken, `#/flows/${flow.id}`));
  await settled(page);
  await page.waitForSelector('#flow-actions input[name="projectId"]');
  assert.match(await page.textContent('[data-state="read-only"]'), /can look but not change flows/);
  assert.equal(await page.isDisabled('button:has-text("Save flow")'), true);
  assert.equal(await page.locator('button:has-text("Delete")').count(), 0);
  assert.equal(await page.isDisabled('input[name="name"]'), true);
  assert.equal(await page.isDisabled('#flow-actions input[name="projectId"]'), true);
  assert.equal(await page.isDisabled('#flow-rules input[aria-label="JSONPath"] >> nth=0'), true);
  assert.equal(await page.isDisabled('#action-search'), true);
  assert.equal(await page.inputValue('input[name="name"]'), flow.name);
  await page.waitForFunction(() => document.querySelector('#flow-sample').value !== '');
  await page.click('#flow-test-button');
  await page.waitForSelector('#flow-test section[data-passed]');
  await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
  await page.screenshot({ path: screenshotPath('flow-read-only-1280-light'), fullPage: true });
  await page.goto(stack.uiUrl(viewerToken, `#/webhooks/${fired.at(-1).id}`));
  await settled(page);
  assert.equal(await page.isDisabled('button:has-text("Replay")'), true);

  // The API refuses what the page does not offer, whatever the client sends.
  const definition = { name: 'sneaky', trigger_source: 'CLOCKIFY', trigger_event_type: 'NEW_PROJECT', conditions: { mode: 'ALL', rules: [] }, actions: [] };
  const refused = await page.evaluate(async ({ token, flowId, webhookId, definition }) => {
    const call = async (method, path, body) => {
      const r = await fetch(path, { method, headers: { 'X-Addon-Token': token, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
      return [r.status, (await r.json()).error.code];
    };
    return [
      await call('POST', '/ui/custom-sources', { source: 'sneaky' }),
      await call('DELETE', '/ui/custom-sources/github'),
      await call('POST', '/ui/api-explorer/execute', { operation_id: 'createNewProject', parameters: { body: { name: 'x' } } }),
      await call('POST', '/ui/flows', definition),
      await call('PUT', `/ui/flows/${flowId}`, { ...definition, enabled: false }),
      await call('DELETE', `/ui/flows/${flowId}`),
      await call('POST', `/ui/flows/${flowId}/test`, { webhook_id: webhookId, dry_run: false }),
      await call('POST', `/ui/webhooks/${webhookId}/replay`, {}),
      await call('POST', '/ui/bootstrap/trigger', {}),
    ];
  }, { token: viewerToken, flowId: flow.id, webhookId: fired.at(-1).id, definition });
  assert.deepEqual(refused, Array(9).fill([403, 'forbidden']));
  assert.equal((await stack.ui('/ui/custom-sources', adminToken)).body.items.length, 1);
  // Nothing changed: the same one flow, with the same definition and runs.
  const flows = (await stack.ui('/ui/flows', adminToken)).body.items;
  assert.deepEqual(flows.map((f) => f.id), [flow.id]);
  assert.deepEqual(flows[0], before);

  // Reading is allowed: a GET operation runs.
  await page.goto(stack.uiUrl(viewerToken, '#/explorer/getTags'));
  await page.waitForSelector('#op-detail form');
  await page.click('#op-detail button[type="submit"]');
  await page.waitForSelector('#op-result .response');
  assert.equal(await page.getAttribute('#op-result .response', 'data-status-code'), '200');
  noProblems(page);
  await page.context().close();
});

test('sidebar for admins only: a non-admin gets the server’s refusal, plainly', async () => {
  const admins = await Stack.start({ sidebarAccess: 'ADMINS', shareMockOf: stack, name: 'admins' });
  try {
    await admins.install('5b0000000000000000000001');
    const page = await newPage(browser);
    await page.goto(admins.uiUrl(admins.token({ role: 'USER' }), '#/dashboard'));
    await page.waitForSelector('[role="alert"]');
    assert.match(await page.textContent('[role="alert"]'), /open to workspace admins only/);
    await page.context().close();
  } finally {
    await admins.stop();
  }
});

test('keyboard: skip link, tabs and focus on the new page heading', async () => {
  const page = await open('#/dashboard');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Webhooks');
  await page.keyboard.press('Enter');
  await settled(page);
  await page.waitForFunction(() => document.activeElement.tagName === 'H1');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Webhook log');
  await page.context().close();
});

const PAGES = [
  ['dashboard', '#/dashboard'],
  ['webhooks', '#/webhooks'],
  ['webhook-detail', () => `#/webhooks/${fired.find((f) => f.event === 'NEW_TAG').id}`],
  ['flows', '#/flows'],
  ['flow-builder', '#/flows/new'],
  ['flow-edit', () => `#/flows/${flow.id}`],
  ['flow-runs', () => `#/flows/${flow.id}/executions`],
  ['explorer', '#/explorer/getProjects'],
  ['sources', '#/sources'],
];

test('every page at 360 px and 1280 px, light and dark: no sideways scrolling; screenshots saved', async () => {
  const dark = stack.token({ role: 'ADMIN', theme: 'DARK' });
  for (const [theme, token] of [['light', adminToken], ['dark', dark]]) {
    for (const width of [360, 1280]) {
      for (const [name, hashOf] of PAGES) {
        const hash = typeof hashOf === 'function' ? hashOf() : hashOf;
        const page = await open(hash, { token, width });
        if (name === 'explorer') {
          await page.click('#op-detail button[type="submit"]');
          await page.waitForSelector('#op-result .response');
        }
        if (name === 'flow-builder') {
          await page.selectOption('#flow-event', 'NEW_PROJECT');
          await page.click('button:has-text("+ Add condition")');
          await page.locator('#flow-rules input[aria-label="JSONPath"]').fill('$.name');
          const sample = fired.filter((f) => f.event === 'NEW_PROJECT').at(-1);
          await page.waitForFunction((id) => document.querySelector('#flow-sample').value === String(id), sample.id);
          await page.locator('#flow-rules input[aria-label="Value"]').fill(JSON.stringify(sample.payload.name));
          await page.waitForSelector('#flow-rules .preview [data-passed="true"]');
          await page.fill('#action-search', 'update project');
          await page.click('#action-results button[data-operation="updateProject"]');
          await page.locator('#flow-actions input[name="projectId"]').fill('{{webhook.id}}');
        }
        // Full-page screenshots from the top, with nothing focused (the sticky header stays on top).
        await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
        assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme);
        await page.screenshot({ path: screenshotPath(`${name}-${width}-${theme}`), fullPage: true });
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${name} at ${width} px (${theme}) scrolls sideways by ${overflow} px`);
        noProblems(page);
        await page.context().close();
      }
    }
  }
  // A message page too.
  const page = await open('', { token: stack.token({ ttl: '-1m', theme: 'DARK' }), width: 360 });
  await page.screenshot({ path: screenshotPath('expired-360-dark'), fullPage: true });
  await page.context().close();
});

test('no token or secret in any server log line', () => {
  assert.ok(SECRETS.size >= 3);
  for (const line of LOG_LINES) {
    for (const secret of SECRETS) {
      assert.equal(line.includes(secret), false, `a secret in a log line: ${line.slice(0, 120)}`);
    }
  }
});
