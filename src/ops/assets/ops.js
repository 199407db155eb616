// The operator page in the browser: polls /ops/api/state and renders each panel with text nodes only (what AICC
// or a customer sent is never read as HTML). The customer lookup asks /ops/api/customers/:id and stays live.
'use strict';

const REFRESH_MS = 2000;
let shownCustomer = '';

const $ = (id) => document.getElementById(id);

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (key === 'class') node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? '')));
  return node;
}

const time = (ms) => new Date(ms).toLocaleTimeString(undefined, { hour12: false }) + '.' + String(ms % 1000).padStart(3, '0');
const date = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + 'Z';

/** A table with a caption for screen readers; `rows` of cells (text or nodes); `empty` when there are none. */
function table(caption, columns, rows, empty) {
  if (rows.length === 0) return el('p', { class: 'empty' }, empty);
  return el(
    'table',
    {},
    el('caption', { class: 'visually-hidden' }, caption),
    el('thead', {}, el('tr', {}, ...columns.map((c) => el('th', { scope: 'col' }, c)))),
    el('tbody', {}, ...rows.map((row) => el('tr', { class: row.className || '' }, ...row.cells.map((c) => el('td', {}, c))))),
  );
}

const shown = new Map();

/**
 * Replaces a panel's content when its data changed; never while the keyboard focus is inside it (a refresh would
 * throw the focus away): the panel catches up at the next refresh after the focus leaves.
 */
function panel(id, data, build) {
  const key = JSON.stringify(data);
  const target = $(id);
  if (shown.get(id) === key || target.contains(document.activeElement)) return;
  shown.set(id, key);
  target.replaceChildren(build(data));
}

function replace(id, node) {
  shown.delete(id);
  $(id).replaceChildren(node);
}

function lookupButton(customerId) {
  const button = el('button', { type: 'button', class: 'link' }, customerId);
  button.addEventListener('click', () => {
    $('customer').value = customerId;
    void lookUp(customerId);
  });
  return button;
}

function customersCell(ids) {
  const cell = el('span', { class: 'customers' });
  ids.forEach((id) => cell.append(lookupButton(id)));
  return cell;
}

function renderState(state) {
  $('node').textContent = `node ${state.node.id} · ${state.node.engine === 'redis' ? 'Redis engine' : 'SQLite engine'} · up since ${date(state.node.startedAt)}`;
  const cluster = $('cluster');
  cluster.hidden = !state.node.cluster;
  cluster.textContent = state.node.cluster
    ? `This node (${state.node.id}) shows only what it saw itself: in a cluster, pushes, refusals and connections are kept by each node. Open /ops on every node.`
    : '';

  panel('refused', state.refused, () => table(
    'Refused pushes, newest first',
    ['when', 'door', 'app key', 'status', 'resultCode', 'resultDesc', 'messages', 'customers'],
    state.refused.map((p) => ({
      className: 'refused',
      cells: [time(p.at), p.door, p.appKey || '(none)', String(p.status), p.resultCode, p.resultDesc, String(p.messages), customersCell(p.customers)],
    })),
    'No push was refused since this node started.',
  ));

  panel('anonymous', state.anonymous, () => table(
    'Unauthenticated posts, newest first',
    ['when', 'door', 'app key claimed', 'status', 'resultCode', 'resultDesc'],
    state.anonymous.map((p) => ({
      className: 'refused',
      cells: [time(p.at), p.door, p.appKey || '(none)', String(p.status), p.resultCode, p.resultDesc],
    })),
    'No unauthenticated post since this node started.',
  ));

  panel('pushes', state.pushes, () => table(
    'Last pushes, newest first',
    ['when', 'door', 'app key', 'status', 'messages', 'stored', 'duplicates', 'customers'],
    state.pushes.map((p) => ({
      className: p.status === 200 ? '' : 'refused',
      cells: [time(p.at), p.door, p.appKey || '(none)', p.status === 200 ? '200' : `${p.status} (${p.resultCode})`, String(p.messages), String(p.stored), String(p.duplicates), customersCell(p.customers)],
    })),
    'No push since this node started.',
  ));

  panel('uplink', state.uplinkFailures, () => table(
    'Customer messages AICC did not take, newest first',
    ['when', 'customer', 'seq', 'sent', 'reason', 'resultCode', "AICC's words"],
    state.uplinkFailures.map((f) => ({
      className: 'refused',
      cells: [time(f.at), lookupButton(f.customerId), String(f.seq), f.sent, f.code, f.resultCode || '', f.desc],
    })),
    'AICC took every customer message since this node started.',
  ));

  panel('connections', state.connections, (c) => {
  const connections = el('div');
  connections.append(table(
    'Connections by transport on this node',
    ['node', 'WebSocket', 'SSE', 'customers'],
    [{ cells: [state.node.id, String(c.byTransport.websocket), String(c.byTransport.sse), String(c.customers)] }],
    '',
  ));
  connections.append(table(
    'Connected customers on this node',
    ['customer', 'WebSocket', 'SSE'],
    c.listed.map((row) => ({ cells: [lookupButton(row.customerId), String(row.websocket), String(row.sse)] })),
    'No customer is connected to this node.',
  ));
  if (c.customers > c.listed.length) connections.append(el('p', { class: 'hint' }, `and ${c.customers - c.listed.length} more`));
  return connections;
  });

  const s = state.store;
  panel('store', { ...s, pingMs: undefined }, () => table(
    'Store health',
    ['engine', 'ready', 'ping', 'failed writes since start', 'last failed write'],
    [{
      className: s.ready ? '' : 'refused',
      cells: [s.engine, s.ready ? 'yes' : `no: ${s.error}`, `${s.pingMs} ms`, String(s.writeFailures),
        s.lastWriteFailure ? `${date(s.lastWriteFailure.at)}: ${s.lastWriteFailure.message}` : 'none'],
    }],
    '',
  ));

  panel('config', state.settings, () => table(
    'Configuration in force',
    ['variable', 'value'],
    state.settings.map((setting) => ({ className: setting.secret ? 'secret' : '', cells: [setting.name, setting.value] })),
    '',
  ));
}

function renderCustomer(answer) {
  const { conversation: conv, session } = answer;
  const summary = el(
    'dl',
    { class: 'summary' },
    el('dt', {}, 'customer'), el('dd', {}, answer.customerId),
    el('dt', {}, 'conversation'), el('dd', {}, `${conv.state.phase}${conv.state.agentNickname ? ` (agent ${conv.state.agentNickname})` : ''}`),
    el('dt', {}, 'log'), el('dd', {}, conv.lastSeq === 0 ? 'empty' : `seq ${conv.firstSeq} to ${conv.lastSeq}`),
    el('dt', {}, 'AICC session'), el('dd', {}, session ? `user ${session.userId}, ${session.connected ? 'connected' : 'not connected'}, read up to seq ${session.readSeq}, token applied ${date(session.appliedAt)}` : 'none'),
    el('dt', {}, 'connections here'), el('dd', {}, String(answer.connections)),
  );
  const log = table(
    `The last messages of ${answer.customerId}, newest first`,
    ['seq', 'stored', 'from', 'type', 'content', 'status'],
    answer.entries.map((e) => ({
      className: e.status === 'failed' ? 'refused' : '',
      cells: [String(e.seq), time(e.storedAt), e.sourceType, `${e.controlType}${e.mediaType ? ` ${e.mediaType}` : ''}`, e.content,
        e.status ? `${e.status}${e.reason ? `: ${e.reason}` : ''}` : ''],
    })),
    'Nothing is stored for this customer.',
  );
  panel('customer-result', answer, () => el('div', { class: 'customer' }, summary, log));
}

async function getJson(path) {
  const res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (res.status === 401) {
    window.location.assign('/ops');
    throw new Error('signed out');
  }
  const body = await res.json();
  if (body.resultCode !== '0') throw new Error(body.resultDesc);
  return body;
}

async function lookUp(customerId) {
  shownCustomer = customerId;
  try {
    renderCustomer(await getJson(`/ops/api/customers/${encodeURIComponent(customerId)}`));
  } catch (err) {
    replace('customer-result', el('p', { class: 'error', role: 'alert' }, `Lookup failed: ${err.message}`));
  }
}

async function refresh() {
  try {
    renderState(await getJson('/ops/api/state'));
    $('updated').textContent = `updated ${time(Date.now())}`;
    if (shownCustomer) await lookUp(shownCustomer);
  } catch (err) {
    $('updated').textContent = `not updated: ${err.message}`;
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

$('lookup').addEventListener('submit', (event) => {
  event.preventDefault();
  const id = $('customer').value.trim();
  if (id) void lookUp(id);
});

void refresh();
