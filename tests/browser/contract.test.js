// The pages written against SPEC §4.4 for endpoints this server does not have yet (flows, their
// runs and dry-run test, replay, bootstrap, cached entities), in Chromium, against a stand-in
// that answers those endpoints in SPEC's shapes in front of a real `uwh serve` and
// `uwh mock-clockify` (contract_stub.js). What the page sends is checked against what the builder
// was given; what it shows against what the stand-in answered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, launchBrowser, newPage, screenshotPath } from './harness.js';
import { ContractStub } from './contract_stub.js';

let stack;
let stub;
let browser;
let token;
let project;   // the mock's project whose NEW_PROJECT webhook the flow is built on
let webhookId;

before(async () => {
  stack = await Stack.start({ name: 'contract' });
  await stack.install();
  stub = await ContractStub.start(stack);
  token = stack.token({ role: 'OWNER' });
  browser = await launchBrowser();
  project = (await stack.mockState()).projects[0];
  await stack.emit('NEW_PROJECT', project.id);
  webhookId = (await Stack.until(async () => (await stack.ui('/ui/webhooks', token)).body.items[0], 'the webhook')).id;
});

after(async () => {
  if (browser) await browser.close();
  if (stub) await stub.stop();
  if (stack) await stack.stop();
});

async function open(hash, width = 1280) {
  const page = await newPage(browser, { width });
  await page.goto(stub.uiUrl(token, hash));
  await page.waitForFunction(() => document.querySelector('main').dataset.ready === 'true' && !document.querySelector('.loading'));
  return page;
}

function real(page) {
  return page.problems.filter((p) => !p.includes('Failed to load resource'));
}

test('builder: saves the flow as SPEC §6.1 defines it, tests it dry, and lists it with its switch', async () => {
  const page = await open('#/flows/new');
  assert.equal(await page.locator('[data-state="not-available"]').count(), 0, 'flows are available here');
  await page.fill('input[name="name"]', 'Archive this project');
  await page.fill('input[name="description"]', 'from the browser test');
  await page.selectOption('#flow-event', 'NEW_PROJECT');
  await page.waitForFunction((id) => document.querySelector('#flow-sample').value === String(id), webhookId);
  await page.click('button:has-text("+ Add condition")');
  await page.locator('#flow-rules input[aria-label="JSONPath"]').fill('$.name');
  await page.locator('#flow-rules input[aria-label="Value"]').fill(JSON.stringify(project.name));
  await page.waitForSelector('#flow-rules .preview [data-passed="true"]');
  await page.click('button:has-text("+ Add condition")');
  const second = page.locator('#flow-rules .rule').nth(1);
  await second.locator('input[aria-label="JSONPath"]').fill('$.archived');
  await second.locator('select[aria-label="Operator"]').selectOption('exists');
  await page.fill('#action-search', 'update project');
  await page.click('#action-results button[data-operation="updateProject"]');
  const action = page.locator('#flow-actions .action-card[data-operation="updateProject"]');
  await action.locator('input[name="projectId"]').fill('{{webhook.id}}');
  await action.locator('input[name="body.archived"]').fill('true');
  await action.locator('input[name="body.note"]').fill('archived by {{flow.name}}');
  await page.click('button:has-text("Save flow")');
  await page.waitForFunction(() => /^#\/flows\/\d+$/.test(location.hash));

  const saved = stub.calls.find((c) => c.method === 'POST' && c.path === '/ui/flows').body;
  assert.deepEqual(saved, {
    name: 'Archive this project', description: 'from the browser test', enabled: true,
    trigger_source: 'CLOCKIFY', trigger_event_type: 'NEW_PROJECT',
    conditions: { mode: 'ALL', rules: [{ path: '$.name', operator: '==', value: project.name }, { path: '$.archived', operator: 'exists' }] },
    actions: [{ type: 'clockify_api', operation_id: 'updateProject', parameters: { projectId: '{{webhook.id}}', body: { archived: true, note: 'archived by {{flow.name}}' } } }],
  });

  // The saved flow reopens with everything in place.
  await page.waitForSelector('#flow-actions input[name="projectId"]');
  assert.equal(await page.inputValue('input[name="name"]'), 'Archive this project');
  assert.equal(await page.inputValue('#flow-actions input[name="projectId"]'), '{{webhook.id}}');
  // A plain string shows without quotes and reads back as the same string.
  assert.equal(await page.inputValue('#flow-rules .rule >> nth=0 >> input[aria-label="Value"]'), project.name);

  await page.click('#flow-test-button');
  await page.waitForSelector('#flow-test section[data-passed]');
  assert.equal(await page.getAttribute('#flow-test section', 'data-passed'), 'true');
  const requestLine = await page.textContent('#flow-test .action-card p.mono');
  assert.equal(requestLine, `PUT ${stack.mockUrl}/api/v1/workspaces/${stack.workspace}/projects/${project.id}`);
  assert.equal(stub.calls.filter((c) => c.path.endsWith('/test'))[0].body.webhook_id, webhookId);
  await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
  await page.screenshot({ path: screenshotPath('flow-saved-and-tested-1280-light'), fullPage: true });

  await page.goto(stub.uiUrl(token, '#/flows'));
  await page.waitForSelector('table input.switch');
  assert.equal(await page.isChecked('table input.switch'), true);
  assert.match(await page.textContent('table'), /Archive this project/);
  await page.click('table input.switch');
  await page.waitForFunction(() => !document.querySelector('table input.switch').disabled);
  const put = stub.calls.filter((c) => c.method === 'PUT').at(-1);
  assert.equal(put.body.enabled, false);
  assert.equal(put.body.name, 'Archive this project');
  assert.deepEqual(put.body.actions, saved.actions);
  await page.click('table input.switch');
  await page.waitForFunction(() => !document.querySelector('table input.switch').disabled);
  assert.equal(stub.calls.filter((c) => c.method === 'PUT').at(-1).body.enabled, true);
  assert.deepEqual(real(page), []);
  await page.context().close();
});

test('replay runs the flow; the webhook and the flow show the run with each action', async () => {
  const page = await open(`#/webhooks/${webhookId}`);
  await page.click('button:has-text("Replay")');
  await page.waitForSelector('.notice.ok');
  assert.match(await page.textContent('.notice.ok'), /Replay started 1 flow run/);
  await page.waitForSelector('[aria-labelledby="wh-executions"] article.execution');
  const run = page.locator('[aria-labelledby="wh-executions"] article.execution');
  assert.equal(await run.getAttribute('data-status'), 'success');
  assert.match(await run.textContent(), /replay/);
  assert.match(await run.textContent(), /updateProject/);
  assert.match(await run.textContent(), new RegExp(`/projects/${project.id}`));

  await page.goto(stub.uiUrl(token, '#/flows'));
  await page.waitForSelector('table [data-status="success"]');
  await page.click('a:has-text("History")');
  await page.waitForSelector('article.execution');
  await page.waitForFunction(() => document.querySelector('main h1').textContent === 'Runs of “Archive this project”');
  const action = page.locator('article.execution .action-card');
  assert.equal(await action.count(), 1);
  assert.match(await action.textContent(), /200/);
  assert.match(await action.textContent(), /12 ms/);
  await page.click('article.execution summary:has-text("Response")');
  assert.deepEqual(JSON.parse(await page.textContent('article.execution details[open] pre')), { id: 'p1', archived: true });
  assert.match(await page.textContent('article.execution'), new RegExp(`webhook #${webhookId}`));
  await page.screenshot({ path: screenshotPath('flow-runs-1280-light'), fullPage: true });
  assert.deepEqual(real(page), []);
  await page.context().close();
});

test('dashboard: the bootstrap progress bar moves live until the run completes', async () => {
  const page = await open('#/dashboard');
  await page.click('button:has-text("Run bootstrap")');
  await page.waitForFunction(() => document.querySelector('#bootstrap-card progress').value > 0);
  await page.waitForFunction(() => /Completed · 100%/.test(document.querySelector('[data-field="bootstrap-label"]').textContent), null, { timeout: 20000 });
  assert.match(await page.textContent('#bootstrap-card'), /12 of 12 endpoints/);
  const polls = stub.calls.filter((c) => c.path === '/ui/bootstrap').length;
  assert.equal(polls, 3, 'polled until completed, then stopped');
  await page.waitForTimeout(2500);
  assert.equal(stub.calls.filter((c) => c.path === '/ui/bootstrap').length, polls);
  assert.deepEqual(real(page), []);
  await page.context().close();
});

test('explorer: id parameters offer the cached entities', async () => {
  const state = await stack.mockState();
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
  await page.context().close();
});
