'use strict';
// The dashboard's script: calls the API for what a page changes, keeps the sign-in alive, and
// moves the live parts (bell, sync progress, imports). Pages work without it for reading.
(() => {
  const csrf = () => (document.cookie.split('; ').find((c) => c.startsWith('opside_csrf=')) || '').slice('opside_csrf='.length);
  const toSignIn = () => { location.href = '/sign-in?next=' + encodeURIComponent(location.pathname + location.search); };

  let refreshTimer = null;
  // The refresh cookie gives a new access cookie; scheduled a minute before the current one ends.
  async function refresh() {
    const response = await fetch('/api/v1/auth/refresh', { method: 'POST', headers: { 'x-csrf-token': csrf() }, credentials: 'same-origin' });
    if (!response.ok) return false;
    const body = await response.json();
    schedule(Date.parse(body.expiresAt));
    return true;
  }
  function schedule(expiresAt) {
    clearTimeout(refreshTimer);
    if (isNaN(expiresAt)) return;
    refreshTimer = setTimeout(refresh, Math.max(5000, expiresAt - Date.now() - 60000));
  }
  schedule(Date.parse(document.body.dataset.sessionExpiresAt || ''));

  // The API with the access cookie and the CSRF token; a 401 refreshes the sign-in once and retries.
  async function api(method, path, body, retried) {
    const headers = { 'x-csrf-token': csrf() };
    let payload;
    if (body !== undefined) { headers['content-type'] = 'application/json'; payload = JSON.stringify(body); }
    const response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
    if (response.status === 401 && !retried) {
      if (await refresh()) return api(method, path, body, true);
      toSignIn();
      throw new Error('Your sign-in has ended; sign in again.');
    }
    const text = await response.text();
    let json = null;
    if (text) { try { json = JSON.parse(text); } catch (_) { json = null; } }
    if (!response.ok) {
      const error = json && json.error;
      let message = error ? error.message : response.status + ' ' + response.statusText;
      if (error && error.details) {
        const details = Object.values(error.details).filter((value) => typeof value === 'string' && value);
        if (details.length) message += ': ' + details.join('; ');
      }
      throw new Error(message);
    }
    return json;
  }
  window.opside = { api };

  function showError(element, error) {
    const slot = (element.querySelector && element.querySelector('[data-error]')) ||
      (element.closest('form') && element.closest('form').querySelector('[data-error]'));
    const target = slot || document.getElementById('page-error');
    target.textContent = error.message;
    target.hidden = false;
  }

  function done(target) {
    if (!target || target === 'reload') location.reload();
    else location.href = target;
  }

  // What a form sends: its named fields as JSON, or the shapes a few forms need.
  function formBody(form) {
    if (form.dataset.body) return JSON.parse(form.dataset.body);
    if (form.hasAttribute('data-preferences')) {
      return {
        emailKinds: Array.from(form.querySelectorAll('input[name=emailKinds]:checked')).map((input) => input.value),
        delivery: (form.querySelector('input[name=delivery]:checked') || { value: 'digest' }).value,
      };
    }
    if (form.hasAttribute('data-hours')) return { intervalSeconds: Number(form.elements.hours.value) * 3600, enabled: true };
    const body = {};
    for (const element of form.elements) {
      if (element.name) body[element.name] = element.dataset.type === 'number' ? Number(element.value) : element.value;
    }
    return Object.keys(body).length ? body : undefined;
  }

  async function act(element, body) {
    if (element.dataset.confirm && !window.confirm(element.dataset.confirm)) return;
    const [method, path] = element.dataset.api.split(' ');
    const buttons = element.tagName === 'FORM' ? element.querySelectorAll('button') : [element];
    buttons.forEach((button) => { button.disabled = true; });
    try {
      await api(method, path, body);
      done(element.dataset.done);
    } catch (error) {
      showError(element, error);
      buttons.forEach((button) => { button.disabled = false; });
    }
  }

  async function connect(form) {
    try {
      const link = await api('POST', '/api/v1/amazon/connections/consent-url', { region: form.elements.region.value });
      location.href = link.consentUrl;
    } catch (error) {
      showError(form, error);
    }
  }

  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (form.dataset.api) { event.preventDefault(); act(form, formBody(form)); }
    else if (form.hasAttribute('data-connect')) { event.preventDefault(); connect(form); }
  });
  document.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-api]');
    if (button) { event.preventDefault(); act(button, button.dataset.body ? JSON.parse(button.dataset.body) : undefined); return; }
    // "Copy": the named element's text onto the clipboard, for pasting into Seller Central.
    const copy = event.target.closest('button[data-copy]');
    if (copy) {
      const source = document.getElementById(copy.dataset.copy);
      if (!source) return;
      const text = source.value !== undefined ? source.value : source.textContent;
      const copied = () => { copy.textContent = 'Copied'; setTimeout(() => { copy.textContent = 'Copy'; }, 2000); };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(copied, () => {});
      else if (source.select) { source.select(); document.execCommand('copy'); copied(); }
    }
  });
  document.addEventListener('change', (event) => {
    const form = event.target.closest('form[data-submit-on-change]');
    if (form) form.requestSubmit();
  });

  const signOut = document.getElementById('sign-out');
  if (signOut) signOut.addEventListener('click', async () => {
    try { await api('POST', '/api/v1/auth/logout'); } catch (_) { /* signed out either way */ }
    location.href = '/sign-in';
  });

  const tenantSwitch = document.getElementById('tenant-switch');
  if (tenantSwitch) tenantSwitch.addEventListener('change', async () => {
    try {
      await api('POST', '/api/v1/auth/switch-tenant', { tenantId: tenantSwitch.value });
      location.href = '/app';
    } catch (error) {
      showError(document.body, error);
    }
  });

  // MARK: Live updates over the event stream.
  const bellCount = document.getElementById('bell-count');
  async function updateBell() {
    try {
      const { unreadCount } = await api('GET', '/api/v1/notifications/unread-count');
      bellCount.textContent = String(unreadCount);
      const bell = document.getElementById('bell');
      bell.classList.toggle('has-unread', unreadCount > 0);
      bell.setAttribute('aria-label', 'Notifications, ' + unreadCount + ' unread');
    } catch (_) { /* the next event tries again */ }
  }
  const runsTable = document.querySelector('table.runs');
  let reloadSoon = null;
  const reloadLater = () => { clearTimeout(reloadSoon); reloadSoon = setTimeout(() => location.reload(), 1500); };
  function runEvent(type, payload) {
    if (!runsTable || payload.connectionId !== runsTable.dataset.connection) return;
    const row = runsTable.querySelector('tr[data-run="' + payload.runId + '"]');
    if (!row) { reloadLater(); return; }
    if (type === 'sync.progress') {
      const progress = row.querySelector('[data-field=progress]');
      progress.max = Math.max(1, payload.windowsTotal);
      progress.value = payload.windowsDone;
      progress.textContent = payload.windowsDone + ' of ' + payload.windowsTotal;
      row.querySelector('[data-field=rows]').textContent = String(payload.rowsDone);
      const state = row.querySelector('[data-field=state]');
      state.textContent = 'Running';
      state.className = 'badge sync-running';
      row.dataset.state = 'running';
    } else {
      const state = row.querySelector('[data-field=state]');
      const finished = type === 'sync.completed';
      state.textContent = finished ? 'Done' : 'Failed';
      state.className = 'badge sync-' + (finished ? 'succeeded' : 'failed');
      row.dataset.state = finished ? 'succeeded' : 'failed';
      if (finished) { const progress = row.querySelector('[data-field=progress]'); progress.value = progress.max; }
      if (typeof payload.rowsInserted === 'number') {
        row.querySelector('[data-field=rows]').textContent = String(payload.rowsInserted + payload.rowsUpdated + payload.rowsQuarantined);
      }
    }
  }
  function onEnvelope(envelope) {
    if (envelope.type === 'notification.created') { updateBell(); return; }
    if (envelope.type && envelope.type.startsWith('sync.')) {
      try { runEvent(envelope.type, JSON.parse(envelope.payload)); } catch (_) { /* a message this page does not read */ }
    }
  }
  // The tenant's events over a WebSocket (reconnecting with a growing pause), or over
  // Server-Sent Events where WebSockets are unavailable. Closed as the page goes: over HTTP/1.1 a
  // browser keeps few connections per site, and a feed left to the garbage collector holds one.
  function openFeed() {
    if (window.WebSocket) {
      let socket = null, pause = 1000, leaving = false;
      const connect = () => {
        socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/realtime/ws');
        socket.addEventListener('open', () => { pause = 1000; document.body.dataset.realtime = 'websocket'; });
        socket.addEventListener('message', (event) => { try { onEnvelope(JSON.parse(event.data)); } catch (_) { /* not an envelope */ } });
        socket.addEventListener('close', () => {
          document.body.dataset.realtime = 'closed';
          if (!leaving) setTimeout(connect, pause = Math.min(pause * 2, 30000));
        });
      };
      connect();
      window.addEventListener('pagehide', () => { leaving = true; socket.close(); });
    } else if (window.EventSource) {
      const feed = new EventSource('/api/v1/realtime');
      window.addEventListener('pagehide', () => feed.close());
      feed.addEventListener('open', () => { document.body.dataset.realtime = 'events'; });
      for (const type of ['notification.created', 'sync.progress', 'sync.completed', 'sync.failed', 'sync.reauthorization_required']) {
        feed.addEventListener(type, (event) => { try { onEnvelope(JSON.parse(event.data)); } catch (_) { /* not an envelope */ } });
      }
    }
  }
  if (bellCount) openFeed();

  // MARK: Report imports: drop a file (or choose one), watch it upload, then watch its run.
  for (const zone of document.querySelectorAll('[data-import]')) {
    const input = zone.querySelector('input[type=file]');
    const bar = zone.querySelector('[data-field=upload]');
    const result = zone.querySelector('[data-field=result]');
    const say = (text, failed) => { result.textContent = text; result.classList.toggle('error', Boolean(failed)); };
    async function watch(runId) {
      for (let i = 0; i < 600; i += 1) {
        const run = await api('GET', '/api/v1/amazon/syncs/' + runId);
        if (['succeeded', 'failed', 'cancelled'].includes(run.state)) {
          if (run.state === 'succeeded') {
            say('Imported ' + (run.detectedReportType || run.dataset) + ': ' + run.rowsInserted + ' rows added, ' + run.rowsUpdated +
                ' updated, ' + run.rowsQuarantined + ' lines set aside.');
          } else {
            say('The import ' + run.state + ': ' + (run.errorMessage || 'no reason given'), true);
          }
          return;
        }
        say('Loading ' + (run.detectedReportType || 'the report') + ': ' + run.rowsDone + ' rows so far…');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    function upload(file) {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', zone.dataset.import + '?fileName=' + encodeURIComponent(file.name));
      xhr.setRequestHeader('x-csrf-token', csrf());
      xhr.setRequestHeader('content-type', 'application/octet-stream');
      bar.hidden = false;
      bar.value = 0;
      say('Uploading ' + file.name + '…');
      xhr.upload.addEventListener('progress', (event) => { if (event.lengthComputable) bar.value = (event.loaded / event.total) * 100; });
      xhr.addEventListener('load', () => {
        bar.value = 100;
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch (_) { body = null; }
        if (xhr.status === 202 && body && body.runs && body.runs[0]) {
          watch(body.runs[0].runId).catch((error) => say(error.message, true));
        } else {
          say((body && body.error && body.error.message) || ('The upload failed: ' + xhr.status), true);
        }
      });
      xhr.addEventListener('error', () => say('The upload failed: the connection dropped', true));
      xhr.send(file);
    }
    input.addEventListener('change', () => { if (input.files[0]) upload(input.files[0]); });
    zone.addEventListener('keydown', (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); input.click(); } });
    zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      zone.classList.remove('over');
      if (event.dataTransfer.files[0]) upload(event.dataTransfer.files[0]);
    });
  }
})();
