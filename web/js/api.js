// Every call the UI makes to the server, in one place (SPEC §4.4). Pages never call fetch
// themselves: they call these functions, which send the user's token as X-Addon-Token, turn error
// bodies ({"error":{"code","message","field","request_id"}}) into ApiError, and tell apart an
// endpoint this server does not have yet (NotAvailableError) from a missing record.
//
// Where SPEC fixes a contract that this server may not implement yet (flows, bootstrap, entities,
// replay), the shapes are normalised here, so a page reads one shape whatever the server sends.

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `the server answered ${status}`);
    this.status = status;
    this.code = err.code || 'http_' + status;
    this.field = err.field || null;
    this.requestId = err.request_id || null;
    this.suggestions = err.suggestions || null;
  }
}

// The server has no such endpoint (404 from its router, or 405 for a method it does not take).
export class NotAvailableError extends ApiError {}

// The router's own 404 says "no such endpoint: <path>"; a record's 404 names the record.
function isMissingEndpoint(status, body) {
  const err = (body && body.error) || {};
  if (status === 405 && err.code === 'method_not_allowed') return true;
  return status === 404 && err.code === 'not_found' &&
    typeof err.message === 'string' && err.message.startsWith('no such endpoint');
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

export class Api {
  // base: the URL of /ui/ (this module lives at /ui/static/<version>/js/api.js).
  constructor(session, { base = new URL('../../../', import.meta.url), onUnauthenticated } = {}) {
    this.session = session;
    this.base = base;
    this.onUnauthenticated = onUnauthenticated || (() => {});
  }

  async request(method, path, { params, body, signal } = {}) {
    const headers = { 'X-Addon-Token': this.session.token, Accept: 'application/json' };
    const init = { method, headers, signal, cache: 'no-store', credentials: 'omit' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const url = new URL(path.replace(/^\//, '') + query(params), this.base);
    let res;
    try {
      res = await fetch(url, init);
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, { error: { code: 'network_error', message: 'The server cannot be reached. Check your connection and try again.' } });
    }
    if (res.status === 204) return null;
    const text = await res.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch { data = null; }
    }
    if (res.ok) return data;
    if (isMissingEndpoint(res.status, data)) throw new NotAvailableError(res.status, data);
    const error = new ApiError(res.status, data);
    if (res.status === 401) this.onUnauthenticated(error);
    throw error;
  }

  get(path, params, signal) { return this.request('GET', path, { params, signal }); }
  post(path, body) { return this.request('POST', path, { body }); }

  // ---- Dashboard and bootstrap ----
  dashboard(signal) { return this.get('/dashboard', null, signal); }
  async bootstrap(signal) { return normalizeBootstrap(await this.get('/bootstrap', null, signal)); }
  triggerBootstrap() { return this.post('/bootstrap/trigger', {}); }

  // ---- Webhook log ----
  webhooks(filters, signal) { return this.get('/webhooks', filters, signal); }
  webhook(id, signal) { return this.get(`/webhooks/${encodeURIComponent(id)}`, null, signal); }
  async replay(id) {
    const out = await this.post(`/webhooks/${encodeURIComponent(id)}/replay`, {});
    return { executions: listOf(out, 'executions').map(normalizeExecution) };
  }

  // ---- Custom sources ----
  async customSources() { return listOf(await this.get('/custom-sources'), 'items'); }
  createCustomSource(source, open) { return this.post('/custom-sources', { source, open }); }
  deleteCustomSource(source) { return this.request('DELETE', `/custom-sources/${encodeURIComponent(source)}`); }

  // ---- API explorer ----
  operations(params) { return this.get('/api-explorer/endpoints', params); }
  operation(id) { return this.get(`/api-explorer/endpoints/${encodeURIComponent(id)}`); }
  execute(operationId, parameters) {
    return this.post('/api-explorer/execute', { operation_id: operationId, parameters });
  }

  // ---- Flows ----
  async flows() { return listOf(await this.get('/flows', { limit: 500 }), 'items').map(normalizeFlow); }
  async flow(id) { return normalizeFlow(await this.get(`/flows/${encodeURIComponent(id)}`)); }
  async createFlow(def) { return normalizeFlow(await this.post('/flows', def)); }
  async updateFlow(id, def) {
    return normalizeFlow(await this.request('PUT', `/flows/${encodeURIComponent(id)}`, { body: def }));
  }
  deleteFlow(id) { return this.request('DELETE', `/flows/${encodeURIComponent(id)}`); }
  async setFlowEnabled(flow, enabled) {
    return this.updateFlow(flow.id, { ...flowDefinition(flow), enabled });
  }
  async executions(flowId, params) {
    const page = await this.get(`/flows/${encodeURIComponent(flowId)}/executions`, params);
    return { items: listOf(page, 'items').map(normalizeExecution), next_cursor: page?.next_cursor ?? null };
  }
  testFlow(flowId, body) { return this.post(`/flows/${encodeURIComponent(flowId)}/test`, { dry_run: true, ...body }); }

  // ---- Flow builder helpers ----
  jsonPathPreview(body) { return this.post('/jsonpath/preview', body); }
  async entities(type) {
    return listOf(await this.get('/entities', { type, limit: 500 }), 'items').map(normalizeEntity);
  }
}

function listOf(page, key) {
  if (Array.isArray(page)) return page;
  if (page && Array.isArray(page[key])) return page[key];
  return [];
}

// A flow as the builder edits it (SPEC §6.1).
export function flowDefinition(f) {
  return {
    name: f.name,
    description: f.description || '',
    enabled: !!f.enabled,
    trigger_source: f.trigger_source || 'CLOCKIFY',
    trigger_event_type: f.trigger_event_type,
    conditions: f.conditions || { mode: 'ALL', rules: [] },
    actions: f.actions || [],
  };
}

function parseMaybe(v, fallback) {
  if (typeof v !== 'string') return v ?? fallback;
  try { return JSON.parse(v); } catch { return fallback; }
}

function normalizeFlow(f) {
  if (!f) return f;
  const last = f.last_execution || f.last_run || null;
  return {
    ...f,
    conditions: parseMaybe(f.conditions ?? f.conditions_json, { mode: 'ALL', rules: [] }),
    actions: parseMaybe(f.actions ?? f.actions_json, []),
    last_run: last ? { status: last.status, at: last.started_at || last.completed_at || last.at } :
      (f.last_run_status ? { status: f.last_run_status, at: f.last_run_at } : null),
  };
}

function normalizeExecution(e) {
  const result = parseMaybe(e.result_json, null);
  const actions = e.actions || e.action_results || e.results || (result && result.actions) || [];
  return { ...e, webhook_id: e.webhook_id ?? e.webhook_log_id, actions: Array.isArray(actions) ? actions : [] };
}

function normalizeBootstrap(b) {
  const s = b && (b.bootstrap || b.state || b);
  return s || {};
}

function normalizeEntity(e) {
  const data = parseMaybe(e.data ?? e.data_json, null) || e;
  const id = e.entity_id ?? data.id ?? e.id;
  return { id, name: data.name || data.email || data.label || id, data };
}
