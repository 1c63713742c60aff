// Custom sources: systems other than Clockify that send webhooks here. Create one (its secret is
// shown this once, with a ready-to-run signed example request), list them, delete them.
import { h, clear, fill, timeEl } from '../dom.js';
import { errorBox, loading, empty, dataTable, pageHead, readOnlyNote, copyButton, confirmDialog, toast, field } from '../ui.js';

const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;

export async function renderSources(ctx) {
  const { main, session } = ctx;
  const root = h('div', null, pageHead('Custom sources'),
    h('p', { class: 'lead' }, 'Other systems (GitHub, a CRM, your own scripts) can send webhooks to this add-on. Each source has its own address and signing secret.'),
    readOnlyNote(session, 'create or delete sources'));
  const created = h('div', { id: 'source-created' });
  const list = h('section', { class: 'card', 'aria-labelledby': 'sources-list' });
  main.append(root);
  if (session.canWrite) root.append(createForm(ctx, created, () => loadList()));
  root.append(created, list);

  async function loadList() {
    fill(list, h('h2', { id: 'sources-list' }, 'Sources'), loading());
    try {
      const items = await ctx.api.customSources();
      list.lastChild.remove();
      list.append(items.length ? table(items) : empty('No custom sources yet', session.canWrite ? 'Create one above to get its address and secret.' : 'A workspace admin can create one.'));
    } catch (err) {
      if (err.name === 'AbortError') return;
      list.lastChild.remove();
      list.append(errorBox(err, 'load the custom sources'));
    }
  }

  function table(items) {
    return dataTable([
      { label: 'Source', render: (s) => h('strong', { class: 'mono' }, s.source) },
      { label: 'Signing', render: (s) => (s.open ? h('span', { class: 'badge badge-warn' }, 'open: unsigned') : h('span', { class: 'badge badge-ok' }, 'signed')) },
      { label: 'Address', render: (s) => h('span', { class: 'row' }, h('code', { class: 'small wrap' }, s.url), copyButton(s.url, 'Copy', `Copy the address of ${s.source}`)), className: 'wrap' },
      { label: 'Created', render: (s) => timeEl(s.created_at) },
      { label: 'Log', render: (s) => h('a', { href: `#/webhooks?source=${encodeURIComponent(s.source)}` }, 'Webhooks') },
      session.canWrite ? { label: 'Actions', render: (s) => h('button', { type: 'button', class: 'small danger', 'aria-label': `Delete ${s.source}`, onclick: () => remove(s) }, 'Delete') } : null,
    ].filter(Boolean), items, { caption: 'Custom sources' });
  }

  async function remove(s) {
    const ok = await confirmDialog({
      title: `Delete “${s.source}”?`,
      text: 'Webhooks from it will be refused from now on. Those already received stay in the log.',
      confirmLabel: 'Delete', danger: true,
    });
    if (!ok) return;
    try {
      await ctx.api.deleteCustomSource(s.source);
      toast(`Deleted ${s.source}`);
      clear(created);
      loadList();
    } catch (err) {
      toast(err.message, 'error');
    }
  }

  await loadList();
}

function createForm(ctx, created, onCreated) {
  const name = h('input', { type: 'text', name: 'source', pattern: '[A-Za-z0-9._\\-]{1,64}', maxlength: '64', autocomplete: 'off', spellcheck: 'false', placeholder: 'github' });
  const open = h('input', { type: 'checkbox', name: 'open', id: 'source-open' });
  const problem = h('div');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create source');
  const form = h('form', { class: 'card', 'aria-labelledby': 'source-new', novalidate: true },
    h('h2', { id: 'source-new' }, 'New source'),
    h('div', { class: 'form-grid' },
      field('Name', name, { hint: 'Letters, digits, dot, dash and underscore; it becomes part of the address.', required: true }),
      h('div', { class: 'field' }, h('span', { class: 'label' }, ' '),
        h('label', { class: 'check', for: 'source-open' }, open, 'Accept unsigned requests'),
        h('span', { class: 'hint' }, 'Only for senders that cannot sign: anyone who knows the address can then post to it.'))),
    problem, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(problem);
    const value = name.value.trim();
    if (!NAME_RE.test(value)) {
      name.setAttribute('aria-invalid', 'true');
      problem.append(h('div', { class: 'notice error small', role: 'alert' }, 'The name must be 1 to 64 letters, digits, dots, dashes or underscores.'));
      name.focus();
      return;
    }
    name.removeAttribute('aria-invalid');
    submit.disabled = true;
    try {
      const source = await ctx.api.createCustomSource(value, open.checked);
      form.reset();
      fill(created, secretPanel(source, ctx.session.workspaceId));
      created.querySelector('h2').focus();
      onCreated();
    } catch (err) {
      problem.append(errorBox(err, 'create the source'));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

// The example request, for a shell with curl and openssl: Standard Webhooks signs
// "<webhook-id>.<webhook-timestamp>.<body>" with HMAC-SHA256, keyed by the base64-decoded part of
// the secret after "whsec_".
export function exampleRequest(source, workspaceId) {
  const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
  const lines = [];
  if (!source.open) lines.push(`SECRET=${q(source.secret)}`);
  lines.push(`BODY='{"event":"hello","id":42}'`);
  if (source.open) {
    lines.push(`curl -sS -X POST ${q(source.url)} \\`,
      `  -H 'Content-Type: application/json' -H ${q('X-Webhook-Source: ' + source.source)} \\`,
      `  -H ${q('X-Workspace-Id: ' + workspaceId)} \\`,
      '  -d "$BODY"');
    return lines.join('\n');
  }
  lines.push(
    'ID="msg_$(date +%s%N)"; TS=$(date +%s)',
    'KEY=$(printf %s "${SECRET#whsec_}" | base64 -d | od -An -tx1 | tr -d \' \\n\')',
    'SIG=$(printf %s "$ID.$TS.$BODY" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$KEY" -binary | base64)',
    `curl -sS -X POST ${q(source.url)} \\`,
    `  -H 'Content-Type: application/json' -H ${q('X-Webhook-Source: ' + source.source)} \\`,
    `  -H ${q('X-Workspace-Id: ' + workspaceId)} \\`,
    '  -H "webhook-id: $ID" -H "webhook-timestamp: $TS" -H "webhook-signature: v1,$SIG" \\',
    '  -d "$BODY"');
  return lines.join('\n');
}

function secretPanel(source, workspaceId) {
  const example = exampleRequest(source, workspaceId);
  const secretInput = source.secret ? h('input', { type: 'text', readonly: true, value: source.secret, id: 'new-secret', 'aria-label': 'Signing secret', spellcheck: 'false' }) : null;
  return h('section', { class: 'card', 'aria-labelledby': 'created-title', 'data-source': source.source },
    h('h2', { id: 'created-title', tabindex: '-1' }, `Source “${source.source}” created`),
    source.secret
      ? h('div', { class: 'notice warn' }, h('strong', null, 'Copy the secret now. '), 'It is shown only this once; if you lose it, delete the source and create it again.')
      : h('div', { class: 'notice warn' }, 'This source accepts unsigned requests.'),
    h('div', { class: 'stack' },
      source.secret ? h('div', { class: 'field' }, h('label', { for: 'new-secret' }, 'Signing secret'),
        h('div', { class: 'copy-row' }, secretInput, copyButton(source.secret, 'Copy', 'Copy the secret'))) : null,
      h('div', { class: 'field' }, h('label', { for: 'new-address' }, 'Address'),
        h('div', { class: 'copy-row' }, h('input', { type: 'text', readonly: true, value: source.url, id: 'new-address' }), copyButton(source.url, 'Copy', 'Copy the address')))),
    h('h3', null, 'Send a first webhook'),
    h('p', { class: 'small muted' }, source.secret
      ? 'Each request is signed the Standard Webhooks way: an id, a Unix timestamp (within 5 minutes of ours) and an HMAC-SHA256 of “id.timestamp.body”, keyed by the secret’s base64 part after whsec_, sent as webhook-signature: v1,<base64>. Libraries for many languages exist (standardwebhooks). With a shell, curl and openssl:'
      : 'Post any JSON (or a form) with the source and workspace headers:'),
    h('div', { class: 'row spread' }, h('span', { class: 'small muted' }, 'Example request'), copyButton(example, 'Copy', 'Copy the example request')),
    h('pre', { class: 'example', id: 'source-example', tabindex: '0', 'aria-label': 'Example request' }, example));
}
