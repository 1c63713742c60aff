// Every call the UI makes to the server, in one place (SPEC §4.4). Pages never call fetch
// themselves: they call these functions, which send the user's token as X-Addon-Token and turn
// error bodies ({"error":{"code","message","field","request_id"}}) into ApiError.

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
    const error = new ApiError(res.status, data);
    if (res.status === 401) this.onUnauthenticated(error);
    throw error;
  }

  get(path, params, signal) { return this.request('GET', path, { params, signal }); }
  post(path, body) { return this.request('POST', path, { body }); }

  // ---- Dashboard and bootstrap ----
  dashboard(signal) { return this.get('/dashboard', null, signal); }
  bootstrap(signal) { return this.get('/bootstrap', null, signal); }
  triggerBootstrap() { return this.post('/bootstrap/trigger', {}); }

  // ---- Webhook log ----
  webhooks(filters, signal) { return this.get('/webhooks', filters, signal); }
  webhook(id, signal) { return this.get(`/webhooks/${encodeURIComponent(id)}`, null, signal); }
  // {"webhook_id", "executions":[…]}: the runs the replay started.
  replay(id) { return this.post(`/webhooks/${encodeURIComponent(id)}/replay`, {}); }

  // ---- Custom sources ----
  async customSources() { return (await this.get('/custom-sources')).items; }
  createCustomSource(source, open) { return this.post('/custom-sources', { source, open }); }
  deleteCustomSource(source) { return this.request('DELETE', `/custom-sources/${encodeURIComponent(source)}`); }

  // ---- API explorer ----
  operations(params) { return this.get('/api-explorer/endpoints', params); }
  operation(id) { return this.get(`/api-explorer/endpoints/${encodeURIComponent(id)}`); }
  execute(operationId, parameters) {
    return this.post('/api-explorer/execute', { operation_id: operationId, parameters });
  }

  // ---- Flows ----
  // A flow: its definition (SPEC §6.1), id, paused_reason and last_execution {id,status,started_at}.
  async flows() { return (await this.get('/flows', { limit: 500 })).items; }
  flow(id) { return this.get(`/flows/${encodeURIComponent(id)}`); }
  createFlow(def) { return this.post('/flows', def); }
  updateFlow(id, def) { return this.request('PUT', `/flows/${encodeURIComponent(id)}`, { body: def }); }
  deleteFlow(id) { return this.request('DELETE', `/flows/${encodeURIComponent(id)}`); }
  setFlowEnabled(flow, enabled) { return this.updateFlow(flow.id, { ...flowDefinition(flow), enabled }); }
  // {"items":[run…],"next_cursor"}; a run lists its actions, each with request, status_code,
  // latency_ms and result.
  executions(flowId, params) { return this.get(`/flows/${encodeURIComponent(flowId)}/executions`, params); }
  testFlow(flowId, body) { return this.post(`/flows/${encodeURIComponent(flowId)}/test`, { dry_run: true, ...body }); }

  // ---- Flow builder helpers ----
  jsonPathPreview(body) { return this.post('/jsonpath/preview', body); }
  // The cached entities of one type as picker options: {id, name, data}.
  async entities(type) {
    const page = await this.get('/entities', { type, limit: 500 });
    return page.items.map((e) => ({ id: e.entity_id, name: e.name || (e.data && e.data.email) || e.entity_id, data: e.data }));
  }
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
