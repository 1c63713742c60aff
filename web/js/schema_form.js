// Forms generated from an operation of Clockify's OpenAPI document: one field per path, query and
// header parameter, and the request body from its JSON Schema (top-level properties as fields,
// nested objects as groups, anything deeper as JSON), with a raw-JSON switch. Used by the API
// explorer and by the flow builder's actions; in the builder (`templates: true`) every field also
// takes a template such as {{webhook.project.id}}, and fields suggest template hints.
import { h, uid } from './dom.js';

const TEMPLATE_RE = /\{\{.*\}\}/;
const MAX_DEPTH = 2;

// Parameter names that hold an entity id, to the cached entity type that fills their picker.
const ENTITY_PARAMS = {
  projectId: 'project', clientId: 'client', tagId: 'tag', taskId: 'task', userId: 'user',
  groupId: 'user_group', userGroupId: 'user_group', customFieldId: 'custom_field', expenseId: 'expense',
  invoiceId: 'invoice', timeEntryId: 'time_entry', approvalRequestId: 'approval_request',
  policyId: 'policy', holidayId: 'holiday', webhookId: 'webhook', assignmentId: 'assignment',
};
export function entityTypeFor(name) {
  if (ENTITY_PARAMS[name]) return ENTITY_PARAMS[name];
  const m = /^(.*?)Ids?$/.exec(name || '');
  return m && m[1] ? m[1].replace(/([A-Z])/g, '_$1').toLowerCase() : null;
}

function typeOf(schema) {
  if (!schema) return 'string';
  if (schema.type) return Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  if (schema.enum) return 'string';
  return 'any';
}

function describe(schema, description) {
  const bits = [];
  if (description) bits.push(description);
  if (schema && schema.format) bits.push(`format ${schema.format}`);
  if (schema && schema.example !== undefined && typeof schema.example !== 'object') bits.push(`e.g. ${schema.example}`);
  return bits.join(' · ');
}

// One input for a primitive (or array of primitives) value. Returns {el, control, get(), set(v)}.
function primitiveInput(schema, { templates, list, name, required }) {
  const type = typeOf(schema);
  const itemSchema = type === 'array' ? schema.items || {} : null;
  let control;
  if (schema && Array.isArray(schema.enum) && !templates) {
    control = h('select', { name }, h('option', { value: '' }, required ? 'Choose…' : '(not set)'),
      schema.enum.map((v) => h('option', { value: String(v) }, String(v))));
  } else if (type === 'boolean' && !templates) {
    control = h('select', { name }, h('option', { value: '' }, '(not set)'), h('option', { value: 'true' }, 'true'), h('option', { value: 'false' }, 'false'));
  } else {
    const numeric = type === 'integer' || type === 'number';
    control = h('input', {
      type: numeric && !templates ? 'number' : 'text', name, list, autocomplete: 'off', spellcheck: 'false',
      step: numeric && !templates ? (type === 'integer' ? '1' : 'any') : null,
      inputmode: numeric ? 'decimal' : null,
      placeholder: itemSchema ? 'comma-separated' : (schema && schema.format === 'date-time' ? '2026-01-31T09:00:00Z' : (type === 'boolean' ? 'true or false' : null)),
    });
  }
  function convert(text, s) {
    const t = typeOf(s);
    if (templates && TEMPLATE_RE.test(text)) return text;
    if (t === 'integer' || t === 'number') {
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    if (t === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
    return text;
  }
  return {
    control,
    get() {
      const raw = control.value.trim();
      if (raw === '') return undefined;
      if (itemSchema) {
        if (templates && TEMPLATE_RE.test(raw) && !raw.includes(',')) return raw;
        return raw.split(',').map((s) => s.trim()).filter(Boolean).map((s) => convert(s, itemSchema));
      }
      return convert(raw, schema);
    },
    set(v) {
      if (v === undefined || v === null) control.value = '';
      else if (Array.isArray(v)) control.value = v.join(', ');
      else control.value = String(v);
    },
  };
}

function isPrimitiveSchema(schema) {
  const t = typeOf(schema);
  if (t === 'array') {
    const it = typeOf(schema.items);
    return it !== 'object' && it !== 'array' && it !== 'any';
  }
  return t !== 'object' && t !== 'any';
}

// A JSON textarea for values the form cannot break down.
function jsonInput(name, rows = 4) {
  const control = h('textarea', { name, rows: String(rows), spellcheck: 'false', placeholder: 'JSON' });
  return {
    control,
    get() {
      const raw = control.value.trim();
      if (!raw) return undefined;
      try { return JSON.parse(raw); } catch { throw new FieldError(control, 'This is not valid JSON'); }
    },
    set(v) { control.value = v === undefined ? '' : JSON.stringify(v, null, 2); },
  };
}

class FieldError extends Error {
  constructor(control, message) { super(message); this.control = control; }
}

function labelled(label, input, { hint, required, wide }) {
  const id = input.control.id || uid('p');
  input.control.id = id;
  const hintId = uid('h');
  const errId = uid('e');
  input.control.setAttribute('aria-describedby', `${hintId} ${errId}`);
  const err = h('span', { class: 'error-text', id: errId });
  input.error = err;
  return h('div', { class: `field${wide ? ' wide' : ''}` },
    h('label', { for: id, class: required ? 'required' : null }, label),
    input.control,
    hint ? h('span', { class: 'hint', id: hintId }, hint) : h('span', { id: hintId, hidden: true }),
    err);
}

// Fields for an object schema. Returns {el, get(), set(obj), inputs}.
function objectFields(schema, opts, depth, prefix) {
  const props = (schema && schema.properties) || {};
  const required = new Set((schema && schema.required) || []);
  const grid = h('div', { class: 'form-grid' });
  const parts = {};
  for (const [key, prop] of Object.entries(props)) {
    if (prop && prop.readOnly) continue;
    const name = prefix ? `${prefix}.${key}` : key;
    const hint = describe(prop, prop && prop.description);
    let part;
    if (isPrimitiveSchema(prop)) {
      part = primitiveInput(prop, { ...opts, name, list: opts.listFor(key), required: required.has(key) });
      grid.append(labelled(key, part, { hint, required: required.has(key) }));
    } else if (typeOf(prop) === 'object' && prop.properties && depth < MAX_DEPTH && !prop['x-cycle']) {
      part = objectFields(prop, opts, depth + 1, name);
      grid.append(h('fieldset', { class: 'wide' }, h('legend', null, key), hint ? h('p', { class: 'hint small muted' }, hint) : null, part.el));
    } else {
      part = jsonInput(name, 3);
      grid.append(labelled(`${key} (JSON)`, part, { hint, required: required.has(key), wide: true }));
    }
    parts[key] = { part, required: required.has(key) };
  }
  return {
    el: grid,
    get() {
      const out = {};
      for (const [key, { part }] of Object.entries(parts)) {
        const v = part.get();
        if (v !== undefined && !(typeof v === 'object' && v !== null && !Array.isArray(v) && !Object.keys(v).length)) out[key] = v;
      }
      return out;
    },
    set(obj) {
      for (const [key, { part }] of Object.entries(parts)) part.set(obj ? obj[key] : undefined);
    },
    extraKeys(obj) {
      return Object.keys(obj || {}).filter((k) => !(k in parts));
    },
  };
}

// The whole form for an operation (detail from GET /ui/api-explorer/endpoints/{id}).
// opts: {templates: bool, hints: [template strings], entityOptions: async (type) → [{id,name}]}
export function operationForm(op, opts = {}) {
  const templates = !!opts.templates;
  const datalists = h('div');
  const hintIds = new Map();
  // One datalist per field kind: template hints, plus cached entities for id parameters.
  function listFor(name) {
    const type = entityTypeFor(name);
    if (!templates && !type) return null;
    const key = type || '_templates';
    if (hintIds.has(key)) return hintIds.get(key);
    const id = uid('dl');
    const dl = h('datalist', { id });
    if (templates) for (const t of opts.hints || []) dl.append(h('option', { value: t }));
    datalists.append(dl);
    hintIds.set(key, id);
    if (type && opts.entityOptions) {
      opts.entityOptions(type).then((items) => {
        for (const e of items.slice(0, 300)) dl.append(h('option', { value: e.id }, e.name && e.name !== e.id ? e.name : null));
      }).catch(() => {});
    }
    return id;
  }
  const fieldOpts = { templates, listFor };

  // Path and required parameters first; the optional ones (often many filters) folded away.
  const paramParts = [];
  const paramGrid = h('div', { class: 'form-grid' });
  const optionalGrid = h('div', { class: 'form-grid' });
  for (const p of op.parameters || []) {
    if (p.in === 'cookie') continue;
    const input = primitiveInput(p.schema || {}, { ...fieldOpts, name: p.name, list: listFor(p.name), required: p.required });
    const ws = p.name === 'workspaceId';
    if (ws) input.control.placeholder = 'this workspace';
    const hint = [ws ? 'Empty: the workspace you are in' : null, p.in !== 'path' ? `${p.in} parameter` : null, describe(p.schema, p.description)].filter(Boolean).join(' · ');
    // workspaceId defaults to the caller's (or the webhook's) workspace: rarely worth a field.
    const primary = (p.in === 'path' || p.required) && !ws;
    (primary ? paramGrid : optionalGrid).append(labelled(p.name, input, { hint, required: p.required && !ws }));
    paramParts.push({ p, input, required: p.required && !ws });
  }
  const optionalCount = optionalGrid.childElementCount;
  const optional = optionalCount
    ? h('details', { class: 'optional-params' }, h('summary', null, `Optional parameters (${optionalCount})`), optionalGrid)
    : null;

  const bodySchema = op.request_body && op.request_body.schema;
  let bodyFields = null;
  let rawBody = null;
  let rawMode = false;
  const bodyBox = h('div');
  if (op.request_body) {
    const structured = bodySchema && typeOf(bodySchema) === 'object' && bodySchema.properties;
    rawBody = jsonInput('body', 8);
    const rawField = labelled('Body (JSON)', rawBody, { hint: op.request_body.content_type || 'application/json', required: op.request_body.required, wide: true });
    if (structured) {
      bodyFields = objectFields(bodySchema, fieldOpts, 0, 'body');
      const toggle = h('input', { type: 'checkbox', class: 'switch', id: uid('raw') });
      const formBox = h('div', null, bodyFields.el);
      rawField.hidden = true;
      toggle.addEventListener('change', () => {
        // Carry the values across, so switching never loses what was typed.
        try {
          if (toggle.checked) rawBody.set(bodyFields.get());
          else bodyFields.set(rawBody.get() || {});
        } catch (e) {
          toggle.checked = !toggle.checked;
          showError(e);
          return;
        }
        rawMode = toggle.checked;
        formBox.hidden = rawMode;
        rawField.hidden = !rawMode;
      });
      bodyBox.append(h('div', { class: 'row spread' }, h('h3', null, 'Request body'),
        h('label', { class: 'check', for: toggle.id }, toggle, 'Edit as JSON')), formBox, rawField);
    } else {
      rawMode = true;
      bodyBox.append(h('h3', null, 'Request body'), rawField);
    }
  }

  function showError(e) {
    if (e instanceof FieldError) {
      const folded = e.control.closest('details');
      if (folded) folded.open = true;
      e.control.setAttribute('aria-invalid', 'true');
      const err = document.getElementById(e.control.getAttribute('aria-describedby').split(' ')[1]);
      if (err) err.textContent = e.message;
      e.control.focus();
    }
  }

  const el = h('div', { class: 'op-form' },
    paramParts.length ? h('div', null, h('h3', null, 'Parameters'), paramGrid.childElementCount ? paramGrid : null, optional)
      : h('p', { class: 'muted small' }, 'This operation takes no parameters.'),
    bodyBox, datalists);

  return {
    el,
    // Values as {path, query, header, body}; throws (after marking the field) on invalid input
    // or a missing required value.
    value() {
      for (const c of el.querySelectorAll('[aria-invalid="true"]')) c.removeAttribute('aria-invalid');
      for (const e of el.querySelectorAll('.error-text')) e.textContent = '';
      const out = { path: {}, query: {} };
      for (const { p, input, required } of paramParts) {
        const v = input.get();
        if (v === undefined) {
          if (required) throw markMissing(input.control, `${p.name} is required`);
          continue;
        }
        (out[p.in] = out[p.in] || {})[p.name] = v;
      }
      if (op.request_body) {
        let body;
        try {
          body = rawMode || !bodyFields ? rawBody.get() : bodyFields.get();
        } catch (e) {
          showError(e);
          throw e;
        }
        if (body === undefined && op.request_body.required && rawMode) throw markMissing(rawBody.control, 'The body is required');
        if (body !== undefined) out.body = body;
        else if (op.request_body.required) out.body = {};
      }
      return out;
    },
    // Fills the form from flat ({projectId, body}) or split ({path, query, body}) parameters.
    set(params) {
      if (!params) return;
      const split = params.path || params.query || params.header;
      for (const { p, input } of paramParts) {
        const v = split ? (params[p.in] || {})[p.name] : params[p.name];
        input.set(v);
        if (v !== undefined && optional && optional.contains(input.control)) optional.open = true;
      }
      if (op.request_body && params.body !== undefined) {
        const extra = bodyFields ? bodyFields.extraKeys(params.body) : [];
        if (bodyFields && !rawMode && !extra.length && params.body && typeof params.body === 'object' && !Array.isArray(params.body)) {
          bodyFields.set(params.body);
        } else {
          rawBody.set(params.body);
          const toggle = bodyBox.querySelector('input.switch');
          if (toggle && !toggle.checked) {
            toggle.checked = true;
            rawMode = true;
            bodyFields.el.parentElement.hidden = true;
            rawBody.control.closest('.field').hidden = false;
          }
        }
      }
    },
  };

  function markMissing(control, message) {
    const e = new FieldError(control, message);
    showError(e);
    return e;
  }
}

// Split {path, query, header, body} → the flat form flows store ({projectId, …, body}).
export function flatten(split) {
  const out = {};
  for (const part of ['path', 'query', 'header']) Object.assign(out, split[part] || {});
  if (split.body !== undefined) out.body = split.body;
  return out;
}
