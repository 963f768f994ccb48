// The relay's live console (served at /; README, Console). Plain browser JavaScript, no build step. It holds no
// secret of its own: the user signs in with a key (kept in this tab's sessionStorage, sent only in headers) or
// opens the page with ?token=; events come through the browser's own EventSource on /api/events, hooks through
// the admin APIs. Everything from the relay is put in the page as text, never as HTML.

const MAX_EVENTS = 200;
const STORE_KEY = 'relay-console-session';
const HOOKS_POLL_MS = 10_000;
const RETRY_MAX_MS = 15_000;

const $ = (id) => document.getElementById(id);

/** `{clientId, clientSecret}` (key) or `{token}` (events only), from sessionStorage. */
let session = null;
const streams = { events: null, hooks: null };
let hooksTimer = null;
let hooksRefresh = null;
let hooksLoads = 0;
/** The filter the events stream was opened with (an Enter in a filter input is both a change and a submit). */
let followedFilter = null;

// --- session ---------------------------------------------------------------------------------------------------

function loadSession() {
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  if (token) {
    // The token moves from the address bar to the tab's session: no bookmark, screenshot or Referer keeps it.
    sessionStorage.setItem(STORE_KEY, JSON.stringify({ token }));
    params.delete('token');
    const query = params.toString();
    history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
  }
  try {
    return JSON.parse(sessionStorage.getItem(STORE_KEY) ?? 'null');
  } catch {
    return null;
  }
}

function keyHeaders() {
  return { 'Izanami-Client-Id': session.clientId, 'Izanami-Client-Secret': session.clientSecret };
}

/** A JSON API call with the key's headers; throws an Error carrying the relay's `{error: {code, message}}`. */
async function api(path, init = {}) {
  // credentials 'omit': the key is in headers, and a 401 must come back to this code, not prompt for a password
  const res = await fetch(path, {
    ...init,
    credentials: 'omit',
    headers: { ...keyHeaders(), ...(init.headers ?? {}) },
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const err = new Error(body?.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

/** The token for the next EventSource: the URL's, or a fresh short-lived one for the key. */
async function streamToken() {
  if (session.token) return session.token;
  const { token } = await api('/api/tokens', { method: 'POST' });
  return token;
}

// --- live streams ----------------------------------------------------------------------------------------------

function streamUrl(query, token, lastEventId) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  params.set('token', token);
  if (lastEventId) params.set('lastEventId', lastEventId);
  return `/api/events?${params}`;
}

/**
 * One EventSource on /api/events. While the browser reconnects by itself (after a dropped connection), it
 * resumes with Last-Event-ID on its own. A browser gives up for good on a non-200 answer (an expired token, a
 * relay shutting down): then this opens a new one after a pause — with a fresh token when signed in with a key,
 * and `lastEventId`, so nothing is missed — unless the relay refuses the request itself (4xx), which is shown.
 */
function openStream({ query, onEvent, onReset, onState, onError }) {
  let source = null;
  let lastEventId = '';
  let closed = false;
  let retryMs = 500;
  let timer = null;

  const connect = async () => {
    if (closed) return;
    onState(lastEventId ? 'reconnecting' : 'connecting');
    let url;
    try {
      url = streamUrl(query, await streamToken(), lastEventId);
    } catch (err) {
      if (err.status !== 401) return retryLater(err.message);
      onState('closed');
      return onError('The relay no longer accepts this key: sign out and in again.');
    }
    if (closed) return;
    source = new EventSource(url);
    source.onopen = () => {
      retryMs = 500;
      onError('');
      onState('open');
    };
    source.onmessage = (e) => {
      lastEventId = e.lastEventId;
      onEvent(JSON.parse(e.data));
    };
    source.addEventListener('reset', (e) => onReset(JSON.parse(e.data)));
    source.onerror = () => {
      if (source.readyState === EventSource.CONNECTING) onState('reconnecting');
      else diagnose(url);
    };
  };

  /** The browser gave up: ask the relay why (the probe's headers say it) and go on or stop. */
  const diagnose = async (url) => {
    source.close();
    if (closed) return;
    const probe = new AbortController();
    let status = 0;
    let message = '';
    try {
      const res = await fetch(url, {
        signal: probe.signal,
        credentials: 'omit',
        headers: { Accept: 'text/event-stream' },
      });
      status = res.status;
      if (status !== 200) message = (await res.json().catch(() => null))?.error?.message ?? `HTTP ${status}`;
    } catch (err) {
      message = err.message;
    } finally {
      probe.abort();
    }
    if (closed) return;
    const refused = status >= 400 && status < 500 && status !== 408 && status !== 429;
    if (refused && !(status === 401 && !session.token)) {
      onState('closed');
      onError(`The relay refused the stream (${status}): ${message}`);
      return;
    }
    retryLater(message);
  };

  const retryLater = (why) => {
    if (closed) return;
    onState('reconnecting');
    if (why) onError(`Reconnecting: ${why}`);
    timer = setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      source?.close();
    },
  };
}

// --- events panel ----------------------------------------------------------------------------------------------

function text(tag, className, value) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  el.textContent = value;
  return el;
}

function eventRow(event) {
  const row = document.createElement('li');
  row.className = 'event';
  row.dataset.id = String(event._id);
  row.dataset.domain = event.domain;
  row.dataset.key = event.key;
  const line = document.createElement('div');
  line.className = 'line';
  line.append(
    text('span', 'id', String(event._id)),
    text('span', 'type', event.type),
    text('span', 'domain', event.domain),
    text('span', 'key', event.key),
    text('time', 'time', `${event.timestamp} UTC`),
  );
  const details = document.createElement('details');
  details.append(text('summary', '', 'payload'));
  const shown = { payload: event.payload };
  for (const field of ['oldValue', 'author', 'authInfo'])
    if (event[field] != null) shown[field] = event[field];
  details.append(text('pre', 'payload', JSON.stringify(shown, null, 2)));
  row.append(line, details);
  return row;
}

function showEvent(event) {
  const list = $('events');
  list.prepend(eventRow(event));
  while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
  $('event-count').textContent = String(list.children.length);
}

function showReset(reset) {
  const note = text(
    'li',
    'reset',
    `History trimmed: events after ${reset.requested} up to ${reset.earliest ?? 'now'} are no longer retained.`,
  );
  $('events').prepend(note);
}

function showConnection(state) {
  const el = $('connection');
  el.dataset.state = state;
  el.textContent = { connecting: 'connecting…', open: 'live', reconnecting: 'reconnecting…' }[state] ?? state;
}

function followEvents({ force = false } = {}) {
  const query = { domains: $('domains').value.trim(), patterns: $('patterns').value.trim() || '*' };
  const filter = JSON.stringify(query);
  if (!force && filter === followedFilter) return;
  followedFilter = filter;
  streams.events?.close();
  $('events').replaceChildren();
  $('event-count').textContent = '0';
  $('stream-error').textContent = '';
  streams.events = openStream({
    query,
    onEvent: showEvent,
    onReset: showReset,
    onState: showConnection,
    onError: (message) => {
      $('stream-error').textContent = message;
    },
  });
}

// --- hooks panel -----------------------------------------------------------------------------------------------

async function izanamiHooks() {
  const hooks = [];
  for (let page = 1; ; page += 1) {
    const { results, metadata } = await api(`/api/webhooks?page=${page}&pageSize=100`);
    hooks.push(...results);
    if (page >= metadata.nbPages) return hooks;
  }
}

/** Tweek hooks with their last attempt (Tweek's API shows neither state nor failures). */
async function tweekHooks() {
  const hooks = await api('/api/v2/hooks');
  return Promise.all(
    hooks.slice(0, 50).map(async (hook) => {
      const { results } = await api(`/api/webhooks/${encodeURIComponent(hook.id)}/deliveries?pageSize=1`);
      return { ...hook, lastAttempt: results[0] ?? null };
    }),
  );
}

function hookRow(cells, { id, banned }) {
  const row = document.createElement('tr');
  row.className = 'hook';
  row.dataset.hookId = id;
  if (banned !== undefined) row.dataset.enabled = String(!banned);
  for (const [className, value] of cells) row.append(text('td', className, value ?? ''));
  const action = document.createElement('td');
  if (banned) {
    const button = text('button', 'reenable', 'Re-enable');
    button.type = 'button';
    button.addEventListener('click', () => reenable(id, button));
    action.append(button);
  }
  row.append(action);
  return row;
}

function izanamiRow(hook) {
  const filter = [
    hook.domains.length ? `domains ${hook.domains.join(',')}` : '',
    hook.patterns.length ? `patterns ${hook.patterns.join(',')}` : '',
    hook.types.length ? `types ${hook.types.join(',')}` : '',
  ].filter(Boolean);
  const state = hook.isBanned
    ? `disabled${hook.disabledReason ? `: ${hook.disabledReason}` : ''}`
    : 'enabled';
  return hookRow(
    [
      ['id', hook.clientId],
      ['api', 'Izanami'],
      ['url', hook.callbackUrl],
      ['filter', filter.join('; ') || 'everything'],
      ['state', state],
      ['failures', String(hook.consecutiveFailures)],
      ['last-error', hook.lastError],
    ],
    { id: hook.clientId, banned: hook.isBanned },
  );
}

function tweekRow(hook) {
  const last = hook.lastAttempt;
  return hookRow(
    [
      ['id', hook.id],
      ['api', 'Tweek'],
      ['url', hook.url],
      ['filter', `keyPath ${hook.keyPath}`],
      ['state', last ? `last attempt ${last.outcome} at ${last.at}` : 'no attempt yet'],
      ['failures', '—'],
      ['last-error', last?.error],
    ],
    { id: hook.id },
  );
}

/** Lists the hooks; false when the key may not (not an admin's). Only the latest of overlapping loads shows. */
async function loadHooks() {
  const load = ++hooksLoads;
  try {
    const [izanami, tweek] = await Promise.all([izanamiHooks(), tweekHooks()]);
    if (load !== hooksLoads) return true;
    $('hooks').replaceChildren(...izanami.map(izanamiRow), ...tweek.map(tweekRow));
    $('hooks-error').textContent = '';
    return true;
  } catch (err) {
    if (err.status === 403) return false;
    if (load === hooksLoads) $('hooks-error').textContent = `Could not list the hooks: ${err.message}`;
    return true;
  }
}

/** Refreshes the list soon (WEBHOOK_* events come in bursts). */
function refreshHooksSoon() {
  clearTimeout(hooksRefresh);
  hooksRefresh = setTimeout(loadHooks, 200);
}

async function reenable(id, button) {
  button.disabled = true;
  try {
    await api(`/api/webhooks/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'replace', path: '/isBanned', value: false }]),
    });
  } catch (err) {
    $('hooks-error').textContent = `Could not re-enable ${id}: ${err.message}`;
  }
  await loadHooks();
}

async function followHooks() {
  const signedIn = session;
  const admin = await loadHooks();
  if (session !== signedIn) return; // signed out meanwhile
  if (!admin) {
    $('who').textContent += ' (events only: hooks need an admin key)';
    return;
  }
  $('hooks-panel').hidden = false;
  hooksTimer = setInterval(loadHooks, HOOKS_POLL_MS);
  streams.hooks = openStream({
    query: { domains: 'Webhook' },
    onEvent: refreshHooksSoon,
    onReset: refreshHooksSoon,
    onState: () => undefined,
    onError: (message) => {
      if (message) $('hooks-error').textContent = `Live updates: ${message}`;
    },
  });
}

// --- page ------------------------------------------------------------------------------------------------------

function stopAll() {
  streams.events?.close();
  streams.hooks?.close();
  streams.events = null;
  streams.hooks = null;
  followedFilter = null;
  clearInterval(hooksTimer);
  clearTimeout(hooksRefresh);
  hooksLoads += 1; // a load under way shows nothing
  $('hooks').replaceChildren();
}

function showSignIn(error = '') {
  stopAll();
  session = null;
  sessionStorage.removeItem(STORE_KEY);
  $('sign-in').hidden = false;
  $('events-panel').hidden = true;
  $('hooks-panel').hidden = true;
  $('sign-out').hidden = true;
  $('who').textContent = '';
  $('sign-in-error').textContent = error;
  showConnection('idle');
  $('connection').textContent = 'not connected';
}

function start() {
  $('sign-in').hidden = true;
  $('events-panel').hidden = false;
  $('sign-out').hidden = false;
  $('who').textContent = session.token ? 'with a token (events only)' : `signed in as ${session.clientId}`;
  followEvents({ force: true });
  if (!session.token) followHooks();
}

async function signIn(event) {
  event.preventDefault();
  const clientId = $('client-id').value.trim();
  const clientSecret = $('client-secret').value;
  session = { clientId, clientSecret };
  try {
    await streamToken(); // checks the key before keeping it
  } catch (err) {
    showSignIn(err.status === 401 ? 'Wrong client id or secret.' : err.message);
    return;
  }
  sessionStorage.setItem(STORE_KEY, JSON.stringify(session));
  $('client-secret').value = '';
  start();
}

function main() {
  $('sign-in-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', () => showSignIn());
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    followEvents();
  });
  for (const id of ['domains', 'patterns']) $(id).addEventListener('change', () => followEvents());
  $('hooks-refresh').addEventListener('click', loadHooks);
  session = loadSession();
  if (session?.token || (session?.clientId && session?.clientSecret)) start();
  else showSignIn();
}

main();
