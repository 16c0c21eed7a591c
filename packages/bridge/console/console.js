// polybus console: plain browser JavaScript served by the bridge (no framework, nothing fetched from
// elsewhere). It reads the admin API every second; rates are the change of each route's counters
// between two reads. Every value from the bridge is written with textContent, never as HTML.
const TOKEN_KEY = 'polybus-admin-token';
const POLL_MS = 1000;
const $ = (selector) => document.querySelector(selector);

let previous = new Map(); // route name -> { at, received, acked }
let openRoute; // the route whose dead letters are shown

function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function say(text, isError = false) {
  const status = $('#status');
  status.textContent = text;
  status.className = isError ? 'error' : '';
}

async function api(path, init = {}) {
  const headers = { ...(init.headers ?? {}) };
  if (init.auth && token() !== '') headers.authorization = `Bearer ${token()}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method: init.method ?? 'GET', headers, body: init.body });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`${response.status}: ${body.error ?? response.statusText}`);
  return body;
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.append(td);
  return td;
}

function button(label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

function rate(now, before, key) {
  if (!before || now.at <= before.at) return '–';
  return ((now[key] - before[key]) / ((now.at - before.at) / 1000)).toFixed(1);
}

async function act(what, run) {
  try {
    await run();
    say(`${what}: done`);
  } catch (error) {
    say(`${what}: ${error.message}`, true);
  }
  await refresh();
}

function renderRoutes(routes) {
  const body = $('#routes tbody');
  const rows = [];
  const next = new Map();
  for (const route of routes) {
    const now = { at: performance.now(), received: route.counters.received, acked: route.counters.acked };
    const before = previous.get(route.name);
    next.set(route.name, now);
    const row = document.createElement('tr');
    row.dataset.route = route.name;
    cell(row, route.name);
    cell(row, route.state, `state-${route.state}`).dataset.field = 'state';
    cell(row, rate(now, before, 'received'), 'num').dataset.field = 'rate-in';
    cell(row, rate(now, before, 'acked'), 'num').dataset.field = 'rate-out';
    cell(row, String(route.inFlight), 'num');
    const lag = route.lag ? `${route.lag.total}${route.lag.stale ? ' (stale)' : ''}` : '–';
    cell(row, lag, 'num').dataset.field = 'lag';
    cell(row, String(route.counters.received), 'num').dataset.field = 'received';
    cell(row, String(route.counters.acked), 'num').dataset.field = 'acked';
    cell(row, String(route.counters.deadLettered), 'num').dataset.field = 'dead-lettered';
    cell(row, String(route.counters.errors), 'num');
    const actions = cell(row, '');
    const paused = route.state === 'paused';
    const toggle = button(paused ? 'Resume' : 'Pause', () =>
      act(`${paused ? 'resume' : 'pause'} ${route.name}`, () =>
        api(`/api/routes/${encodeURIComponent(route.name)}/${paused ? 'resume' : 'pause'}`, {
          method: 'POST',
          auth: true,
        }),
      ),
    );
    toggle.dataset.action = paused ? 'resume' : 'pause';
    const letters = button('Dead letters', () => showDeadLetters(route.name));
    letters.dataset.action = 'dead-letters';
    actions.append(toggle, ' ', letters);
    rows.push(row);
  }
  previous = next;
  body.replaceChildren(...rows);
}

function renderConnections(connections, health) {
  const rows = connections.map((c) => {
    const h = health[c.name] ?? { state: 'unknown' };
    const row = document.createElement('tr');
    row.dataset.connection = c.name;
    cell(row, c.name);
    cell(row, c.url);
    cell(row, h.state, `health-${h.state}`).dataset.field = 'health';
    cell(row, h.detail ?? '');
    return row;
  });
  $('#connections tbody').replaceChildren(...rows);
}

async function refresh() {
  try {
    const [{ routes }, { connections }, ready] = await Promise.all([
      api('/api/routes'),
      api('/api/connections'),
      fetch('/health/ready').then((r) => r.json()),
    ]);
    renderRoutes(routes);
    renderConnections(connections, ready.connections ?? {});
    document.body.dataset.updated = String(Date.now());
  } catch (error) {
    say(`cannot read the bridge: ${error.message}`, true);
  }
}

async function showDeadLetters(route) {
  openRoute = route;
  $('#dead-letters').hidden = false;
  $('#dl-route').textContent = route;
  await loadDeadLetters();
}

async function loadDeadLetters() {
  const route = openRoute;
  if (route === undefined) return;
  const rows = [];
  try {
    const page = await api(`/api/routes/${encodeURIComponent(route)}/dead-letters?limit=100`, { auth: true });
    $('#dl-summary').textContent =
      `${page.entries.length} shown, ${page.handled} handled in this bridge process (the broker keeps them)`;
    for (const letter of page.entries) {
      const row = document.createElement('tr');
      row.dataset.id = letter.id;
      cell(row, `${letter.part} @ ${letter.position}`);
      cell(row, letter.id);
      cell(row, letter.headers['x-polybus-error'] ?? '');
      cell(row, letter.headers['x-polybus-attempts'] ?? '');
      cell(row, letter.bodyEncoding === 'utf8' ? letter.body : `base64: ${letter.body}`, 'body');
      const ref = JSON.stringify({ part: letter.part, position: letter.position });
      const path = `/api/routes/${encodeURIComponent(route)}/dead-letters`;
      const replay = button('Replay', () =>
        act(`replay ${letter.id}`, () =>
          api(`${path}/replay`, { method: 'POST', auth: true, body: ref }),
        ).then(loadDeadLetters),
      );
      replay.dataset.action = 'replay';
      const discard = button('Discard', () =>
        act(`discard ${letter.id}`, () =>
          api(`${path}/discard`, { method: 'POST', auth: true, body: ref }),
        ).then(loadDeadLetters),
      );
      discard.dataset.action = 'discard';
      cell(row, '').append(replay, ' ', discard);
      rows.push(row);
    }
  } catch (error) {
    $('#dl-summary').textContent = `cannot list dead letters: ${error.message}`;
  }
  $('#dl-table tbody').replaceChildren(...rows);
}

function start() {
  $('#token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('#token').value.trim());
    $('#token').value = '';
    say('token kept for this tab');
    void loadDeadLetters();
  });
  $('#forget-token').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    say('token forgotten');
  });
  $('#dl-refresh').addEventListener('click', () => void loadDeadLetters());
  $('#dl-close').addEventListener('click', () => {
    openRoute = undefined;
    $('#dead-letters').hidden = true;
  });
  void refresh();
  setInterval(() => void refresh(), POLL_MS);
}

start();
