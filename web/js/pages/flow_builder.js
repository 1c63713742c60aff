// The flow builder (SPEC §6): trigger, conditions with a live preview of what each JSONPath
// selects in a chosen past webhook, actions picked by searching Clockify's operations and filled
// through forms generated from their parameters and body schema (with template hints and cached
// entity pickers), save, and a dry-run test against a past webhook.
import { h, clear, fill, debounce, formatTime } from '../dom.js';
import { errorBox, loading, methodBadge, jsonView, pageHead, readOnlyNote, toast, confirmDialog, field } from '../ui.js';
import { operationForm, flatten } from '../schema_form.js';
import { entityOptions } from './explorer.js';
import { filterChoices } from './webhooks.js';

const OPERATORS = [
  ['==', 'equals'], ['!=', 'does not equal'], ['>', 'greater than'], ['<', 'less than'],
  ['>=', 'at least'], ['<=', 'at most'], ['contains', 'contains'], ['in', 'is one of'],
  ['matches', 'matches (regex)'], ['exists', 'exists'], ['not_exists', 'does not exist'],
];
const NO_VALUE = new Set(['exists', 'not_exists']);

async function operationDetail(ctx, id) {
  ctx.shared.opDetails = ctx.shared.opDetails || {};
  if (!ctx.shared.opDetails[id]) ctx.shared.opDetails[id] = ctx.api.operation(id);
  return ctx.shared.opDetails[id];
}

// The text a user types as a condition value, as JSON: numbers, true/false/null, lists and
// quoted strings are JSON; anything else is a plain string.
export function parseValue(text) {
  const t = text.trim();
  if (t === '') return '';
  try { return JSON.parse(t); } catch { return text; }
}
function showValue(v) {
  if (v === undefined) return '';
  return typeof v === 'string' && !/^[\d[{"-]|^(true|false|null)$/.test(v) ? v : JSON.stringify(v);
}

// Dotted paths of a payload, as template hints ({{webhook.project.id}}) and JSONPaths.
function payloadPaths(value, prefix = '', out = [], depth = 0) {
  if (out.length > 80 || depth > 3 || value === null || typeof value !== 'object') return out;
  const entries = Array.isArray(value) ? (value.length ? [[0, value[0]]] : []) : Object.entries(value);
  for (const [k, v] of entries) {
    const path = Array.isArray(value) ? `${prefix}[${k}]` : (prefix ? `${prefix}.${k}` : String(k));
    if (v === null || typeof v !== 'object') out.push(path);
    else payloadPaths(v, path, out, depth + 1);
  }
  return out;
}

export async function renderFlowBuilder(ctx, flowId) {
  const { main, api, session } = ctx;
  const isNew = !flowId;
  const root = h('div', null, h('p', null, h('a', { href: '#/flows', class: 'small' }, '← All flows')),
    pageHead(isNew ? 'New flow' : 'Edit flow'), readOnlyNote(session, 'change flows'));
  const body = h('div', null, loading('Loading…'));
  root.append(body);
  main.append(root);

  let flow = { name: '', description: '', enabled: true, trigger_source: 'CLOCKIFY', trigger_event_type: 'NEW_TIME_ENTRY', conditions: { mode: 'ALL', rules: [] }, actions: [] };
  if (!isNew) {
    try {
      flow = await api.flow(flowId);
    } catch (err) {
      if (err.name === 'AbortError') return;
      fill(body, errorBox(err, 'load this flow'));
      return;
    }
  } else {
    if (ctx.shared.pendingAction) {
      flow.actions = [ctx.shared.pendingAction];
      ctx.shared.pendingAction = null;
    }
  }
  const choices = await filterChoices(ctx);
  const b = new Builder(ctx, flow, flowId, choices);
  fill(body, b.el);
  if (isNew) b.el.querySelector('input[name="name"]').focus();
}

class Builder {
  constructor(ctx, flow, flowId, choices) {
    this.ctx = ctx;
    this.flowId = flowId;
    this.choices = choices;
    this.sample = null;       // the chosen past webhook (with its payload)
    this.rules = [];
    this.actions = [];
    this.readOnly = !ctx.session.canWrite;

    this.name = h('input', { type: 'text', name: 'name', value: flow.name || '', maxlength: '255', 'data-field': 'name', autocomplete: 'off' });
    this.description = h('input', { type: 'text', name: 'description', value: flow.description || '', 'data-field': 'description' });
    this.enabled = h('input', { type: 'checkbox', class: 'switch', role: 'switch', id: 'flow-enabled', checked: !!flow.enabled });
    this.source = h('select', { name: 'trigger_source', 'data-field': 'trigger_source' },
      h('option', { value: 'CLOCKIFY' }, 'Clockify'), h('option', { value: 'CUSTOM' }, 'Custom source'));
    this.source.value = flow.trigger_source || 'CLOCKIFY';
    this.event = h('select', { name: 'trigger_event_type', 'data-field': 'trigger_event_type' });
    this.customEvent = h('input', { type: 'text', name: 'custom_event', list: 'custom-events', placeholder: 'source name or X-Event-Type', 'data-field': 'trigger_event_type' });
    this.fillEvents(flow.trigger_event_type);
    this.mode = h('select', { name: 'mode', 'aria-label': 'How the conditions combine', 'data-field': 'conditions.mode' },
      h('option', { value: 'ALL' }, 'all of these are true'), h('option', { value: 'ANY' }, 'any of these is true'));
    this.mode.value = (flow.conditions && String(flow.conditions.mode || 'ALL').toUpperCase()) || 'ALL';

    this.sampleSelect = h('select', { name: 'sample', id: 'flow-sample' });
    this.sampleView = h('div');
    this.rulesBox = h('div', { id: 'flow-rules' });
    this.actionsBox = h('div', { id: 'flow-actions' });
    this.status = h('div', { 'aria-live': 'polite' });
    this.testBox = h('div', { id: 'flow-test', 'aria-live': 'polite' });

    const save = h('button', { type: 'submit', class: 'primary', disabled: this.readOnly }, 'Save flow');
    const test = h('button', { type: 'button', id: 'flow-test-button', onclick: () => this.test() }, 'Test with the sample');
    const del = this.flowId && !this.readOnly ? h('button', { type: 'button', class: 'danger', onclick: () => this.remove() }, 'Delete') : null;
    const runs = this.flowId ? h('a', { href: `#/flows/${this.flowId}/executions`, class: 'button' }, 'Runs') : null;

    this.el = h('form', { class: 'stack flow-builder', novalidate: true },
      h('section', { class: 'card', 'aria-labelledby': 'step-trigger' },
        h('h2', { id: 'step-trigger', class: 'row' }, h('span', { class: 'step-num' }, '1'), 'When'),
        h('div', { class: 'form-grid' },
          field('Name', this.name, { required: true }),
          field('Description', this.description, { hint: 'Optional' }),
          field('Source', this.source),
          h('div', { class: 'field trigger-event' }, h('label', { for: 'flow-event' }, 'Event'), this.event, this.customEvent,
            h('datalist', { id: 'custom-events' }, choices.sources.map((s) => h('option', { value: s })))),
          h('div', { class: 'field' }, h('span', { class: 'label' }, 'Status'),
            h('label', { class: 'check', for: 'flow-enabled' }, this.enabled, 'Enabled')))),
      h('section', { class: 'card', 'aria-labelledby': 'step-sample' },
        h('h2', { id: 'step-sample' }, 'Sample webhook'),
        h('p', { class: 'muted small' }, 'A past webhook of this event: conditions preview against it, fields suggest its values, and the test runs on it.'),
        field('Webhook', this.sampleSelect), this.sampleView),
      h('section', { class: 'card', 'aria-labelledby': 'step-conditions' },
        h('h2', { id: 'step-conditions', class: 'row' }, h('span', { class: 'step-num' }, '2'), 'Only if'),
        h('div', { class: 'row' }, h('span', null, 'Run when'), this.mode),
        this.rulesBox,
        h('button', { type: 'button', disabled: this.readOnly, onclick: () => this.addRule({ path: '$.', operator: '==', value: '' }, true) }, '+ Add condition')),
      h('section', { class: 'card', 'aria-labelledby': 'step-actions' },
        h('h2', { id: 'step-actions', class: 'row' }, h('span', { class: 'step-num' }, '3'), 'Do'),
        h('p', { class: 'muted small' }, 'Actions run in order; a failed action stops the flow unless it may fail. Fields take templates such as {{webhook.id}}, {{workspace_id}} or {{actions[0].result.id}}.'),
        this.actionsBox, this.actionSearch()),
      this.status,
      h('div', { class: 'actions' }, save, test, runs, del),
      this.testBox);
    this.el.addEventListener('submit', (ev) => { ev.preventDefault(); this.save(); });
    this.event.id = 'flow-event';
    this.source.addEventListener('change', () => { this.fillEvents(''); this.loadSamples(); });
    this.event.addEventListener('change', () => this.loadSamples());
    this.customEvent.addEventListener('change', () => this.loadSamples());
    this.sampleSelect.addEventListener('change', () => this.chooseSample(this.sampleSelect.value));

    const rules = (flow.conditions && flow.conditions.rules) || [];
    for (const r of rules) this.addRule(r, false);
    if (!rules.length) this.rulesBox.append(this.noRules());
    for (const a of flow.actions || []) this.addAction(a, false);
    this.refreshActionsEmpty();
    this.loadSamples();
    if (this.readOnly) for (const c of this.el.querySelectorAll('input, select, textarea')) if (c.id !== 'flow-sample') c.disabled = true;
  }

  fillEvents(current) {
    const custom = this.source.value === 'CUSTOM';
    this.event.hidden = custom;
    this.customEvent.hidden = !custom;
    if (custom) {
      this.customEvent.value = current && current !== '*' ? current : '';
      return;
    }
    fill(this.event, h('option', { value: '*' }, 'Any Clockify event'),
      this.choices.events.filter((e) => /^[A-Z_]+$/.test(e)).map((e) => h('option', { value: e }, e)));
    this.event.value = current || 'NEW_TIME_ENTRY';
    if (!this.event.value) this.event.value = '*';
  }

  eventType() {
    return this.source.value === 'CUSTOM' ? (this.customEvent.value.trim() || '*') : this.event.value;
  }

  noRules() {
    return h('p', { class: 'muted small no-rules' }, 'No conditions: the flow runs for every webhook of this event.');
  }

  // ---- Sample webhook ----
  async loadSamples() {
    const type = this.eventType();
    const filters = { limit: 20 };
    if (type !== '*') filters.event_type = type;
    filters.source = this.source.value;
    fill(this.sampleSelect, h('option', { value: '' }, 'Loading…'));
    try {
      const page = await this.ctx.api.webhooks(filters);
      const items = page.items || [];
      fill(this.sampleSelect, h('option', { value: '' }, items.length ? 'None' : 'No webhook of this event yet'),
        items.map((w) => h('option', { value: String(w.id) }, `#${w.id} · ${w.event_type} · ${formatTime(w.received_at)}`)));
      if (items.length) {
        this.sampleSelect.value = String(items[0].id);
        await this.chooseSample(items[0].id);
      } else {
        await this.chooseSample('');
      }
    } catch (err) {
      fill(this.sampleSelect, h('option', { value: '' }, 'Could not load webhooks'));
      fill(this.sampleView, errorBox(err, 'load past webhooks'));
    }
  }

  async chooseSample(id) {
    clear(this.sampleView);
    this.sample = null;
    if (id) {
      try {
        this.sample = await this.ctx.api.webhook(id);
        this.sampleView.append(h('details', null, h('summary', { class: 'small' }, 'Show its payload'), jsonView(this.sample.payload, { label: 'Sample payload' })));
      } catch (err) {
        this.sampleView.append(errorBox(err, 'load this webhook'));
      }
    }
    this.updateHints();
    for (const r of this.rules) r.preview();
  }

  updateHints() {
    const paths = this.sample ? payloadPaths(this.sample.payload) : [];
    let dl = document.getElementById('jsonpath-hints');
    if (!dl) {
      dl = h('datalist', { id: 'jsonpath-hints' });
      this.el.append(dl);
    }
    fill(dl, paths.map((p) => h('option', { value: '$.' + p.replace(/\.(\d+)/g, '[$1]') })));
    this.templateHints = ['{{workspace_id}}', '{{event.id}}', '{{event.type}}', '{{flow.name}}',
      ...paths.map((p) => `{{webhook.${p}}}`),
      ...this.actions.map((_, i) => `{{actions[${i}].result.id}}`)];
  }

  // ---- Conditions ----
  addRule(rule, focus) {
    const noRules = this.rulesBox.querySelector('.no-rules');
    if (noRules) noRules.remove();
    if (rule.rules) {
      // A nested group: kept as it is (edited as JSON), still previewed as a whole by the test.
      const area = h('textarea', { rows: '4', 'aria-label': 'Nested condition group (JSON)', spellcheck: 'false' }, JSON.stringify(rule, null, 2));
      const item = { nested: true, el: h('div', { class: 'rule' }, h('div', { class: 'field wide' }, h('label', null, 'Group of conditions (JSON)'), area)), value: () => JSON.parse(area.value), preview() {} };
      this.rules.push(item);
      this.rulesBox.append(item.el);
      return;
    }
    const index = () => this.rules.indexOf(item);
    const path = h('input', { type: 'text', value: rule.path || '$.', list: 'jsonpath-hints', spellcheck: 'false', autocomplete: 'off', class: 'mono', 'aria-label': 'JSONPath' });
    const operator = h('select', { 'aria-label': 'Operator' }, OPERATORS.map(([v, label]) => h('option', { value: v }, label)));
    operator.value = rule.operator || '==';
    const value = h('input', { type: 'text', value: showValue(rule.value), spellcheck: 'false', autocomplete: 'off', 'aria-label': 'Value' });
    const remove = h('button', { type: 'button', class: 'small danger', 'aria-label': 'Remove this condition', disabled: this.readOnly }, 'Remove');
    const preview = h('div', { class: 'preview', 'aria-live': 'polite' });
    const el = h('div', { class: 'rule' },
      h('div', { class: 'field' }, h('span', { class: 'label' }, 'Path'), path),
      h('div', { class: 'field' }, h('span', { class: 'label' }, 'Is'), operator),
      h('div', { class: 'field value-field' }, h('span', { class: 'label' }, 'Value'), value),
      remove, preview);
    const item = {
      el,
      value: () => {
        const r = { path: path.value.trim(), operator: operator.value };
        if (!NO_VALUE.has(operator.value)) r.value = parseValue(value.value);
        return r;
      },
      preview: () => this.previewRule(item, preview),
      setField: (f) => (f.endsWith('.path') ? path : f.endsWith('.operator') ? operator : value),
    };
    // Without a value the field keeps its place on wide screens, so the row does not reflow.
    const sync = () => { value.closest('.field').classList.toggle('no-value', NO_VALUE.has(operator.value)); };
    const later = debounce(() => item.preview(), 250);
    path.addEventListener('input', later);
    value.addEventListener('input', later);
    operator.addEventListener('change', () => { sync(); item.preview(); });
    remove.addEventListener('click', () => {
      this.rules.splice(index(), 1);
      el.remove();
      if (!this.rules.length) this.rulesBox.append(this.noRules());
    });
    sync();
    this.rules.push(item);
    this.rulesBox.append(el);
    item.preview();
    if (focus) path.focus();
  }

  async previewRule(item, box) {
    const rule = item.value();
    if (!this.sample) {
      fill(box, 'Choose a sample webhook to see what this path selects.');
      return;
    }
    if (!rule.path || rule.path === '$.') {
      fill(box, 'Type a JSONPath such as $.project.name or $.tags[*].name.');
      return;
    }
    try {
      const out = await this.ctx.api.jsonPathPreview({ path: rule.path, webhook_id: this.sample.id, operator: rule.operator, value: rule.value });
      const values = out.nodes.map((n) => JSON.stringify(n.value));
      fill(box, 
        out.count ? h('span', null, `Selects ${out.count} value${out.count === 1 ? '' : 's'}: `, h('code', null, values.slice(0, 5).join(', ')), out.count > 5 ? '…' : '')
          : h('span', null, 'Selects nothing in the sample.'),
        out.passed !== undefined ? h('span', null, ' · ', h('span', { class: `badge ${out.passed ? 'badge-ok' : 'badge-err'}`, 'data-passed': String(out.passed) }, out.passed ? 'passes' : 'fails'), ' on the sample') : null);
    } catch (err) {
      fill(box, h('span', { class: 'error-text' }, err.message));
    }
  }

  // ---- Actions ----
  actionSearch() {
    const input = h('input', { type: 'search', placeholder: 'Search operations, e.g. “update project”', autocomplete: 'off', id: 'action-search', disabled: this.readOnly });
    const results = h('ul', { class: 'search-results', hidden: true, id: 'action-results' });
    const run = debounce(async () => {
      const q = input.value.trim().toLowerCase();
      if (!q) { results.hidden = true; return; }
      let list;
      try {
        this.ctx.shared.operations = this.ctx.shared.operations || await this.ctx.api.operations({ limit: 500 });
        list = this.ctx.shared.operations.items;
      } catch (err) {
        fill(results, h('li', null, errorBox(err, 'search the operations')));
        results.hidden = false;
        return;
      }
      const words = q.split(/\s+/);
      const hits = list.filter((op) => {
        const text = `${op.operation_id} ${op.summary || ''} ${op.path} ${op.tag || ''}`.toLowerCase();
        return words.every((w) => text.includes(w));
      }).slice(0, 25);
      fill(results, hits.length ? hits.map((op) => h('li', null, h('button', { type: 'button', 'data-operation': op.operation_id, onclick: () => {
        input.value = '';
        results.hidden = true;
        this.addAction({ type: 'clockify_api', operation_id: op.operation_id, parameters: {} }, true);
      } }, methodBadge(op.method), h('span', null, op.summary || op.operation_id, h('span', { class: 'op-id' }, op.operation_id)))))
        : h('li', { class: 'muted small' }, 'No operation matches.'));
      results.hidden = false;
    }, 150);
    input.addEventListener('input', run);
    return h('div', { class: 'field' }, h('label', { for: 'action-search' }, 'Add an action'), input, results);
  }

  refreshActionsEmpty() {
    const note = this.actionsBox.querySelector('.no-actions');
    if (this.actions.length && note) note.remove();
    if (!this.actions.length && !note) this.actionsBox.append(h('p', { class: 'muted small no-actions' }, 'No actions yet: search for an operation below.'));
    this.actions.forEach((a, i) => { a.num.textContent = String(i + 1); });
  }

  addAction(action, focus) {
    const num = h('span', { class: 'step-num' }, String(this.actions.length + 1));
    const formBox = h('div', null, loading('Loading the operation…'));
    const cont = h('input', { type: 'checkbox', checked: !!action.continue_on_error, disabled: this.readOnly });
    const up = h('button', { type: 'button', class: 'small', 'aria-label': 'Move up', disabled: this.readOnly }, '↑');
    const down = h('button', { type: 'button', class: 'small', 'aria-label': 'Move down', disabled: this.readOnly }, '↓');
    const remove = h('button', { type: 'button', class: 'small danger', disabled: this.readOnly }, 'Remove');
    const title = h('span', { class: 'row' }, num, action.type === 'http' ? h('strong', null, 'HTTP request') : h('span', { class: 'mono' }, action.operation_id));
    const el = h('div', { class: 'action-card', 'data-operation': action.operation_id || action.type },
      h('div', { class: 'action-head' }, title, h('span', { class: 'row' }, up, down, remove)),
      formBox,
      h('label', { class: 'check small' }, cont, 'Continue with the next action if this one fails'));
    const item = { el, num, action, form: null };
    item.value = () => {
      if (!item.form) return action; // not loaded (or an http action): keep it as it was
      const out = { type: 'clockify_api', operation_id: action.operation_id, parameters: flatten(item.form.value()) };
      if (cont.checked) out.continue_on_error = true;
      return out;
    };
    remove.addEventListener('click', () => {
      this.actions.splice(this.actions.indexOf(item), 1);
      el.remove();
      this.refreshActionsEmpty();
    });
    const move = (d) => {
      const i = this.actions.indexOf(item);
      const j = i + d;
      if (j < 0 || j >= this.actions.length) return;
      [this.actions[i], this.actions[j]] = [this.actions[j], this.actions[i]];
      if (d < 0) this.actionsBox.insertBefore(el, this.actions[j + 1].el);
      else this.actionsBox.insertBefore(this.actions[i].el, el);
      this.refreshActionsEmpty();
    };
    up.addEventListener('click', () => move(-1));
    down.addEventListener('click', () => move(1));
    this.actions.push(item);
    this.actionsBox.append(el);
    this.refreshActionsEmpty();
    if (action.type === 'http') {
      fill(formBox, jsonView(action));
      return;
    }
    operationDetail(this.ctx, action.operation_id).then((op) => {
      this.updateHints();
      item.form = operationForm(op, { templates: true, hints: this.templateHints, entityOptions: (t) => entityOptions(this.ctx, t) });
      item.form.set(action.parameters || {});
      fill(formBox, h('p', { class: 'small muted' }, methodBadge(op.method), ' ', h('span', { class: 'op-path' }, op.path), ` · ${op.summary || ''}`), item.form.el);
      if (this.readOnly) for (const c of formBox.querySelectorAll('input, select, textarea')) c.disabled = true;
      if (focus) { const first = formBox.querySelector('input, select, textarea'); if (first) first.focus(); }
    }).catch((err) => fill(formBox, errorBox(err, `load ${action.operation_id}`)));
  }

  // ---- Save, test, delete ----
  definition() {
    return {
      name: this.name.value.trim(),
      description: this.description.value.trim(),
      enabled: this.enabled.checked,
      trigger_source: this.source.value,
      trigger_event_type: this.eventType(),
      conditions: { mode: this.mode.value, rules: this.rules.map((r) => r.value()) },
      actions: this.actions.map((a) => a.value()),
    };
  }

  showProblem(err, what) {
    for (const c of this.el.querySelectorAll('[aria-invalid="true"]')) c.removeAttribute('aria-invalid');
    fill(this.status, errorBox(err, what));
    const control = err.field ? this.controlFor(err.field) : null;
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      control.focus();
    }
  }

  // The input behind a field path from the server ("conditions.rules[1].path", "actions[0]…").
  controlFor(fieldPath) {
    const direct = this.el.querySelector(`[data-field="${CSS.escape(fieldPath)}"]`);
    if (direct && !direct.hidden) return direct;
    let m = /^conditions\.rules\[(\d+)\](.*)$/.exec(fieldPath);
    if (m && this.rules[+m[1]] && this.rules[+m[1]].setField) return this.rules[+m[1]].setField(m[2] || '.path');
    m = /^actions\[(\d+)\](?:\.parameters\.(?:body\.)?([^.[]+))?/.exec(fieldPath);
    if (m && this.actions[+m[1]]) {
      const el = this.actions[+m[1]].el;
      return (m[2] && el.querySelector(`[name="${CSS.escape(m[2])}"], [name="body.${CSS.escape(m[2])}"]`)) || el.querySelector('input, select, textarea');
    }
    return null;
  }

  async save() {
    let def;
    try {
      def = this.definition();
    } catch {
      return; // a field said what is wrong
    }
    if (!def.name) {
      this.showProblem({ message: 'Give the flow a name.', field: 'name' }, 'save the flow');
      return;
    }
    fill(this.status, loading('Saving…'));
    try {
      const saved = this.flowId ? await this.ctx.api.updateFlow(this.flowId, def) : await this.ctx.api.createFlow(def);
      fill(this.status, h('div', { class: 'notice ok', role: 'status' }, 'Saved.'));
      toast('Flow saved');
      if (!this.flowId && saved && saved.id !== undefined) {
        this.flowId = saved.id;
        this.ctx.navigate(`#/flows/${saved.id}`);
      }
      return saved;
    } catch (err) {
      this.showProblem(err, 'save the flow');
      return null;
    }
  }

  async test() {
    clear(this.testBox);
    if (!this.flowId) {
      this.testBox.append(h('div', { class: 'notice' }, 'Save the flow first: the test runs the saved flow.'));
      return;
    }
    const body = this.sample ? { webhook_id: this.sample.id } : null;
    if (!body) {
      this.testBox.append(h('div', { class: 'notice' }, 'Choose a sample webhook to test against.'));
      return;
    }
    this.testBox.append(loading('Testing (dry run: nothing is called)…'));
    try {
      const out = await this.ctx.api.testFlow(this.flowId, body);
      fill(this.testBox, testView(out));
    } catch (err) {
      fill(this.testBox, errorBox(err, 'test the flow'));
    }
  }

  async remove() {
    const ok = await confirmDialog({ title: 'Delete this flow?', text: 'It stops running at once. Its past runs are deleted with it.', confirmLabel: 'Delete', danger: true });
    if (!ok) return;
    try {
      await this.ctx.api.deleteFlow(this.flowId);
      toast('Flow deleted');
      this.ctx.navigate('#/flows');
    } catch (err) {
      this.showProblem(err, 'delete the flow');
    }
  }
}

// The dry run's answer (POST /ui/flows/{id}/test): whether the trigger and conditions match
// (rule by rule, with what each path selected) and the requests the actions would send, fully
// rendered.
function testView(out) {
  const passed = out.matched;
  return h('section', { class: 'card', 'aria-labelledby': 'test-title', 'data-passed': String(passed) },
    h('div', { class: 'card-head' }, h('h2', { id: 'test-title' }, 'Test result'),
      h('span', { class: `badge ${passed ? 'badge-ok' : 'badge-err'}` }, passed ? 'the flow would run' : 'the flow would not run')),
    out.trigger_matched ? null : h('p', { class: 'notice warn small' }, `The trigger does not match this webhook (${out.source} · ${out.event_type}).`),
    out.flows_enabled === false ? h('p', { class: 'notice warn small' }, 'Flows are switched off for this workspace: nothing runs until they are switched on.') : null,
    h('div', null, h('h3', null, 'Conditions'), out.conditions.rules.length ? ruleList(out.conditions) : h('p', { class: 'small muted' }, 'No conditions.')),
    out.actions.length ? h('div', null, h('h3', null, passed ? 'Requests it would send' : 'Requests it would send if it ran'),
      h('ol', { class: 'plain-list' }, out.actions.map((a, i) => {
        const req = a.request || {};
        return h('li', { class: 'action-card', 'data-index': String(i) },
          h('div', { class: 'action-head' }, h('span', { class: 'row' }, h('span', { class: 'step-num' }, String(i + 1)), h('span', { class: 'mono small' }, a.label || a.type))),
          a.error ? h('div', { class: 'notice error small' }, a.error) : null,
          a.note ? h('div', { class: 'notice warn small' }, a.note) : null,
          a.request ? h('p', { class: 'mono small wrap request-line' }, `${req.method} ${req.url}`) : null,
          a.request && req.body !== null && req.body !== undefined ? jsonView(req.body, { label: 'Request body' }) : null);
      }))) : null,
    h('details', null, h('summary', { class: 'small' }, 'Full answer'), jsonView(out)));
}

function ruleList(group) {
  return h('ul', { class: 'plain-list' }, (group.rules || []).map((r) => h('li', { class: 'small' },
    r.rules ? [h('strong', null, `${r.mode} of:`), ruleList(r)]
      : [h('span', { class: `badge ${r.passed ? 'badge-ok' : 'badge-err'}` }, r.passed ? 'pass' : 'fail'), ' ',
        h('code', null, r.path), ` ${r.operator} `, r.expected !== undefined ? h('code', null, JSON.stringify(r.expected)) : null,
        h('span', { class: 'muted' }, ` · selected ${JSON.stringify(r.selected || [])}`)])));
}

