// A stand-in for the UI API endpoints that SPEC §4.4 defines but this server does not have yet
// (flows and their runs, the flow test, replay, the bootstrap, cached entities), answering in
// SPEC's shapes, in front of a real `uwh serve` that answers everything else. It lets the browser
// tests check the pages written against that contract now; once the server has the endpoints,
// these tests run against it directly. Every request the stand-in answers is recorded, so a test
// can check what the page sent.
import { createServer, request as httpRequest } from 'node:http';

function send(res, status, body) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

export class ContractStub {
  // stack: a started harness Stack (its server answers everything the stand-in does not).
  static async start(stack) {
    const s = new ContractStub();
    s.stack = stack;
    s.calls = [];          // {method, path, body}
    s.flows = new Map();   // id → flow
    s.executions = [];     // SPEC-shaped runs
    s.nextId = 1;
    s.bootstrapPolls = 0;
    s.bootstrapRunning = false;
    s.server = createServer((req, res) => s.handle(req, res));
    await new Promise((r) => s.server.listen(0, '127.0.0.1', r));
    s.baseUrl = `http://127.0.0.1:${s.server.address().port}`;
    return s;
  }

  uiUrl(token, hash = '') {
    return `${this.baseUrl}/ui?auth_token=${encodeURIComponent(token)}${hash}`;
  }

  stop() {
    return new Promise((r) => this.server.close(r));
  }

  async handle(req, res) {
    const url = new URL(req.url, this.baseUrl);
    const raw = await readBody(req);
    let body = null;
    try { body = raw.length ? JSON.parse(raw.toString()) : null; } catch { body = null; }
    const answer = await this.answer(req.method, url, body, req.headers);
    if (answer) {
      this.calls.push({ method: req.method, path: url.pathname, body });
      send(res, answer.status, answer.body);
      return;
    }
    this.proxy(req, res, raw, url);
  }

  // The stand-in's answers; null sends the request on to the real server.
  async answer(method, url, body, headers) {
    const p = url.pathname;
    let m;
    if (p === '/ui/flows' && method === 'GET') {
      return { status: 200, body: { items: [...this.flows.values()].map((f) => this.withLastRun(f)), next_cursor: null } };
    }
    if (p === '/ui/flows' && method === 'POST') {
      const flow = { id: this.nextId++, ...body, created_at: new Date().toISOString(), updated_at: new Date().toISOString() };
      this.flows.set(flow.id, flow);
      return { status: 201, body: flow };
    }
    if ((m = /^\/ui\/flows\/(\d+)$/.exec(p))) {
      const flow = this.flows.get(Number(m[1]));
      if (!flow) return { status: 404, body: { error: { code: 'not_found', message: 'no such flow', request_id: 'stub' } } };
      if (method === 'GET') return { status: 200, body: this.withLastRun(flow) };
      if (method === 'PUT') {
        Object.assign(flow, body, { updated_at: new Date().toISOString() });
        return { status: 200, body: flow };
      }
      if (method === 'DELETE') {
        this.flows.delete(flow.id);
        return { status: 204 };
      }
    }
    if ((m = /^\/ui\/flows\/(\d+)\/executions$/.exec(p)) && method === 'GET') {
      const items = this.executions.filter((e) => e.flow_id === Number(m[1])).reverse();
      return { status: 200, body: { items, next_cursor: null } };
    }
    if ((m = /^\/ui\/flows\/(\d+)\/test$/.exec(p)) && method === 'POST') {
      const flow = this.flows.get(Number(m[1]));
      return { status: 200, body: await this.dryRun(flow, body.webhook_id, headers) };
    }
    if ((m = /^\/ui\/webhooks\/(\d+)\/replay$/.exec(p)) && method === 'POST') {
      const runs = [];
      for (const flow of this.flows.values()) {
        if (!flow.enabled) continue;
        const dry = await this.dryRun(flow, Number(m[1]), headers);
        if (!dry.matched) continue;
        const run = {
          id: this.executions.length + 1, flow_id: flow.id, flow_name: flow.name, webhook_log_id: Number(m[1]),
          status: 'success', replay: true, actions_executed: dry.actions.length, started_at: new Date().toISOString(),
          completed_at: new Date(Date.now() + 42).toISOString(),
          actions: dry.actions.map((a) => ({ ...a, status: 'success', status_code: 200, latency_ms: 12, result: { id: 'p1', archived: true } })),
        };
        this.executions.push(run);
        runs.push(run);
      }
      return { status: 200, body: { executions: runs } };
    }
    if ((m = /^\/ui\/webhooks\/(\d+)$/.exec(p)) && method === 'GET') {
      // The real record, with the runs SPEC says it lists.
      const real = await this.fetchReal(url, headers);
      if (real.status !== 200) return real;
      real.body.executions = this.executions.filter((e) => e.webhook_log_id === Number(m[1]));
      return real;
    }
    if (p === '/ui/bootstrap/trigger' && method === 'POST') {
      if (this.bootstrapRunning) return { status: 409, body: { error: { code: 'conflict', message: 'a bootstrap is running', request_id: 'stub' } } };
      this.bootstrapRunning = true;
      this.bootstrapPolls = 0;
      return { status: 202, body: { status: 'in_progress' } };
    }
    if (p === '/ui/bootstrap' && method === 'GET') {
      // Each poll moves it on by a third, as a real run would between polls.
      this.bootstrapPolls += 1;
      const done = Math.min(12, this.bootstrapPolls * 4);
      const completed = done === 12;
      if (completed) this.bootstrapRunning = false;
      return { status: 200, body: { status: completed ? 'completed' : 'in_progress', total_endpoints: 12, completed_endpoints: done,
        progress: Math.round((100 * done) / 12), started_at: new Date(Date.now() - 5000).toISOString(),
        completed_at: completed ? new Date().toISOString() : null, error_message: null } };
    }
    if (p === '/ui/entities' && method === 'GET') {
      const type = url.searchParams.get('type');
      const state = await this.stack.mockState();
      const list = { project: state.projects, client: state.clients, tag: state.tags, user: state.users }[type] || [];
      return { status: 200, body: { items: list.map((e) => ({ entity_type: type, entity_id: e.id, data: e })), next_cursor: null } };
    }
    return null;
  }

  withLastRun(flow) {
    const runs = this.executions.filter((e) => e.flow_id === flow.id);
    const last = runs[runs.length - 1];
    return last ? { ...flow, last_execution: { status: last.status, started_at: last.started_at } } : flow;
  }

  // SPEC §4.4's dry run, for the rules and actions the builder makes: conditions checked through
  // the real server's JSONPath preview, requests rendered for {{webhook.x}} templates.
  async dryRun(flow, webhookId, headers) {
    const token = headers['x-addon-token'];
    const webhook = (await this.stack.ui(`/ui/webhooks/${webhookId}`, token)).body;
    const rules = [];
    for (const r of (flow.conditions && flow.conditions.rules) || []) {
      const out = (await this.stack.ui('/ui/jsonpath/preview', token, {
        method: 'POST', body: JSON.stringify({ ...r, webhook_id: webhookId }),
      })).body;
      rules.push({ path: r.path, operator: r.operator, expected: r.value, selected: out.nodes.map((n) => n.value), passed: out.passed });
    }
    const passed = rules.every((r) => r.passed);
    const render = (v) => (typeof v === 'string'
      ? v.replace(/\{\{\s*webhook\.([\w.]+)\s*\}\}/g, (_, path) => path.split('.').reduce((o, k) => (o == null ? o : o[k]), webhook.payload))
      : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x)])) : v);
    const actions = (flow.actions || []).map((a) => {
      const params = render(a.parameters || {});
      return { operation_id: a.operation_id,
        request: { method: 'PUT', url: `${this.stack.mockUrl}/api/v1/workspaces/${this.stack.workspace}/projects/${params.projectId}`, body: params.body } };
    });
    return { matched: passed, conditions: { mode: flow.conditions.mode, passed, rules }, actions, dry_run: true };
  }

  async fetchReal(url, headers) {
    const res = await fetch(`${this.stack.baseUrl}${url.pathname}${url.search}`, { headers: { 'X-Addon-Token': headers['x-addon-token'] || '' } });
    return { status: res.status, body: await res.json() };
  }

  proxy(req, res, raw, url) {
    const target = new URL(this.stack.baseUrl);
    const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: url.pathname + url.search,
      headers: { ...req.headers, host: target.host } }, (upRes) => {
      res.writeHead(upRes.statusCode, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => send(res, 502, { error: { code: 'bad_gateway', message: 'the server did not answer', request_id: 'stub' } }));
    up.end(raw);
  }
}
