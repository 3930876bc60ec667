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
      (element.closest('form') && element.closest('form').querySelector('[data-error]')) ||
      (element.closest('[data-error-scope]') && element.closest('[data-error-scope]').querySelector('[data-error]'));
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
    if (form.hasAttribute('data-corrections')) return corrections(form);
    if (form.hasAttribute('data-supplier-skus')) return supplierSKUs(form);
    if (form.hasAttribute('data-bulk-listings')) return bulkListings(form);
    if (form.hasAttribute('data-inbound-plan')) return inboundPlan(form);
    if (form.hasAttribute('data-inbound-boxes')) return inboundBoxes(form);
    if (form.hasAttribute('data-inbound-shipping')) return inboundShipping(form);
    if (form.hasAttribute('data-inbound-carriers')) return inboundCarriers(form);
    if (form.hasAttribute('data-inbound-tracking')) return inboundTracking(form);
    const body = {};
    // data-omit-empty: a field left empty is not sent (the API keeps what it has).
    const omitEmpty = form.hasAttribute('data-omit-empty');
    for (const element of form.elements) {
      if (!element.name || (omitEmpty && element.value.trim() === '')) continue;
      body[element.name] = element.dataset.type === 'number' ? Number(element.value) : element.value;
    }
    return Object.keys(body).length ? body : undefined;
  }

  // Bulk listing changes from their text: `SKU, price, quantity` a line, an empty part kept as it is.
  function bulkListings(form) {
    const changes = [];
    for (const line of form.elements.rows.value.split('\n')) {
      if (!line.trim()) continue;
      const [sku, price, quantity] = line.split(',').map((part) => (part || '').trim());
      const change = { sku };
      if (price) change.price = price;
      if (quantity) change.quantity = Number(quantity);
      changes.push(change);
    }
    return { requestKey: form.dataset.requestKey, changes };
  }

  // MARK: The inbound workflow's forms, in Amazon's shapes.

  // A new plan: `SKU, quantity[, prep owner]` a line, and the address it ships from.
  function inboundPlan(form) {
    const items = [];
    for (const line of form.elements.rows.value.split('\n')) {
      if (!line.trim()) continue;
      const [msku, quantity, prepOwner] = line.split(',').map((part) => (part || '').trim());
      const item = { msku, quantity: Number(quantity) };
      if (prepOwner) item.prepOwner = prepOwner.toUpperCase();
      items.push(item);
    }
    const field = (name) => form.elements[name].value.trim();
    const sourceAddress = { name: field('addressName'), addressLine1: field('addressLine1'), city: field('city'),
      postalCode: field('postalCode'), countryCode: field('countryCode').toUpperCase() };
    if (field('stateOrProvinceCode')) sourceAddress.stateOrProvinceCode = field('stateOrProvinceCode');
    if (field('phoneNumber')) sourceAddress.phoneNumber = field('phoneNumber');
    return { requestKey: form.dataset.requestKey, name: field('name'), sourceAddress, items };
  }

  // Each packing group: that many identical boxes, each holding the units given per SKU.
  function inboundBoxes(form) {
    const packageGroupings = [];
    for (const group of form.querySelectorAll('fieldset[data-group]')) {
      const number = (name) => Number(group.querySelector('[name=' + name + ']').value);
      const items = Array.from(group.querySelectorAll('input[name=units]'))
        .filter((input) => Number(input.value) > 0)
        .map((input) => ({ msku: input.dataset.msku, quantity: Number(input.value), labelOwner: input.dataset.labelOwner, prepOwner: input.dataset.prepOwner }));
      packageGroupings.push({ packingGroupId: group.dataset.group, boxes: [{
        contentInformationSource: 'BOX_CONTENT_PROVIDED', quantity: number('boxes'), items,
        dimensions: { length: number('length'), width: number('width'), height: number('height'), unitOfMeasurement: 'IN' },
        weight: { value: number('weight'), unit: 'LB' } }] });
    }
    return { packageGroupings };
  }

  function inboundShipping(form) {
    const contact = { name: form.elements.contactName.value.trim(), phoneNumber: form.elements.phoneNumber.value.trim() };
    if (form.elements.email.value.trim()) contact.email = form.elements.email.value.trim();
    return { readyToShip: form.elements.readyToShip.value, contact };
  }

  function inboundCarriers(form) {
    const selections = Array.from(form.querySelectorAll('fieldset[data-shipment]')).map((shipment) => ({
      shipmentId: shipment.dataset.shipment,
      transportationOptionId: (shipment.querySelector('input[type=radio]:checked') || {}).value,
    }));
    return { selections };
  }

  function inboundTracking(form) {
    const parcels = Array.from(form.querySelectorAll('input[data-box]')).map((input) => ({ boxId: input.dataset.box, trackingId: input.value.trim() }));
    return { shipmentId: form.dataset.shipment, parcels };
  }

  // A document's corrections: only what the seller changed (null when nothing was).
  function corrections(form) {
    const changed = {};
    for (const name of ['supplier', 'number', 'date', 'currency']) {
      const input = form.elements[name];
      const value = input.value.trim();
      if (value && value !== (input.dataset.original || '')) changed[name] = value;
    }
    const select = form.elements.line;
    if (select && select.value !== '') {
      const original = select.selectedOptions[0].dataset;
      const line = { lineIndex: Number(select.value) };
      const quantity = form.elements.quantity.value.trim();
      const unitPrice = form.elements.unitPrice.value.trim();
      const sku = form.elements.sku.value.trim();
      if (quantity !== '' && quantity !== original.quantity) line.quantity = Number(quantity);
      if (unitPrice !== '' && Number(unitPrice) !== Number(original.unitPrice)) line.unitPrice = Number(unitPrice);
      if (sku !== original.sku) line.sku = sku;
      if (Object.keys(line).length > 1) changed.lines = [line];
    }
    return Object.keys(changed).length ? { corrections: changed } : null;
  }

  // The supplier-SKU table from its text: a row a line, the SKU and the supplier's code last (a
  // supplier's name may hold commas: "Co., Ltd.").
  function supplierSKUs(form) {
    const items = [];
    for (const line of form.elements.rows.value.split('\n')) {
      if (!line.trim()) continue;
      const parts = line.split(',');
      const sku = (parts.pop() || '').trim();
      const supplierSku = (parts.pop() || '').trim();
      items.push({ supplier: parts.join(',').trim(), supplierSku, sku });
    }
    return { items };
  }

  async function act(element, body) {
    if (element.dataset.confirm && !window.confirm(element.dataset.confirm)) return;
    let [method, path] = element.dataset.api.split(' ');
    // A `{field}` in the path is the form's field of that name (a SKU), encoded, and not sent in the body.
    path = path.replace(/\{(\w+)\}/g, (_, name) => {
      const value = body && body[name] !== undefined ? String(body[name]) : '';
      if (body) delete body[name];
      return encodeURIComponent(value);
    });
    const buttons = element.tagName === 'FORM' ? element.querySelectorAll('button') : [element];
    buttons.forEach((button) => { button.disabled = true; });
    try {
      const answer = await api(method, path, body);
      // An answer that is an address to go to (Stripe's onboarding or Express dashboard).
      // data-follow names a field of the answer (dotted for a nested one: run.runId), and
      // data-follow-prefix what goes before it (a page's path).
      const target = element.dataset.follow && element.dataset.follow.split('.').reduce((value, key) => value && value[key], answer);
      // After a page's path the value is one segment (a SKU may hold a slash).
      if (target) location.href = element.dataset.followPrefix
        ? element.dataset.followPrefix + encodeURIComponent(target) + (element.dataset.followSuffix || '')
        : target;
      else done(element.dataset.done);
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

  // Saving a card: Stripe's Checkout page takes it, then sends the owner back here with the
  // session's id, and the page asks payments to put the card on file.
  async function cardSetup(button) {
    button.disabled = true;
    try {
      const back = location.origin + '/app/billing';
      const checkout = await api('POST', '/api/v1/billing/card-setup', { successUrl: back + '?session_id={CHECKOUT_SESSION_ID}', cancelUrl: back });
      location.href = checkout.url;
    } catch (error) {
      showError(button, error);
      button.disabled = false;
    }
  }
  const completing = document.querySelector('[data-complete-card-setup]');
  if (completing) {
    api('POST', '/api/v1/billing/card-setup/complete', { sessionId: completing.dataset.completeCardSetup })
      .then((answer) => { location.replace('/app/billing?notice=' + encodeURIComponent(answer.card ? 'Card saved.' : 'The card is being saved; it shows here in a moment.')); })
      .catch((error) => { location.replace('/app/billing?error=' + encodeURIComponent(error.message)); });
  }

  // Payouts for partners: Stripe's hosted onboarding comes back to the Partners page, which
  // then reads the account from Stripe (coming back proves nothing by itself). An expired or
  // used link comes back as ?onboarding=refresh, and a new link is made at once.
  const partnersPage = location.origin + '/app/partners';
  function onboardingBody() {
    return { returnUrl: partnersPage + '?onboarding=return', refreshUrl: partnersPage + '?onboarding=refresh' };
  }
  const onboard = document.querySelector('button[data-onboard]');
  if (onboard) {
    onboard.dataset.body = JSON.stringify(onboardingBody());
    onboard.dataset.follow = 'url';
    if (new URLSearchParams(location.search).get('onboarding') === 'refresh') act(onboard, onboardingBody());
  }
  const refreshingAccount = document.querySelector('[data-refresh-partner-account]');
  if (refreshingAccount) {
    api('POST', '/api/v1/partners/account/refresh', {})
      .then((answer) => {
        const active = answer.partner && answer.partner.accountStatus === 'active';
        location.replace('/app/partners?notice=' + encodeURIComponent(active ? 'Payouts are set up.' : 'Stripe still needs a few details to pay you out.'));
      })
      .catch((error) => { location.replace('/app/partners?error=' + encodeURIComponent(error.message)); });
  }
  // A page showing something still under way (a test run) looks again every few seconds.
  const reloading = document.querySelector('[data-reload-every]');
  if (reloading) setTimeout(() => location.reload(), Number(reloading.dataset.reloadEvery) * 1000);
  for (const link of document.querySelectorAll('[data-referral-link]')) {
    link.textContent = location.origin + '/sign-in?ref=' + encodeURIComponent(link.dataset.referralLink) + '#sign-up';
  }

  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (form.dataset.api) {
      event.preventDefault();
      const body = formBody(form);
      if (body === null) { showError(form, new Error('Nothing changed: change a value first.')); return; }
      act(form, body);
    }
    else if (form.hasAttribute('data-connect')) { event.preventDefault(); connect(form); }
  });
  document.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-api]');
    if (button) { event.preventDefault(); act(button, button.dataset.body ? JSON.parse(button.dataset.body) : undefined); return; }
    const setup = event.target.closest('button[data-card-setup]');
    if (setup) { event.preventDefault(); cardSetup(setup); return; }
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
    // Choosing an invoice line to correct shows what was read for it.
    if (event.target.matches('select[data-line-select]')) {
      const form = event.target.form;
      const option = event.target.selectedOptions[0];
      const picked = event.target.value !== '';
      form.elements.quantity.value = picked ? option.dataset.quantity : '';
      form.elements.unitPrice.value = picked ? option.dataset.unitPrice : '';
      form.elements.sku.value = picked ? option.dataset.sku : '';
      return;
    }
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
  // The open questions' count beside "Questions" in the navigation.
  const promptCount = document.getElementById('prompt-count');
  async function updatePrompts() {
    try {
      const { prompts } = await api('GET', '/api/v1/prompts');
      promptCount.textContent = String(prompts.length);
      promptCount.hidden = prompts.length === 0;
      document.getElementById('nav-prompts').setAttribute('aria-label', 'Questions, ' + prompts.length + ' waiting');
    } catch (_) { /* the next event tries again */ }
  }
  if (promptCount) updatePrompts();

  // MARK: Live sections: a page's `[data-live]` parts are read again from the page itself (its
  // server-rendered HTML, so nothing is formatted twice) when an event says they changed, and
  // every 1.5 s while one of them holds something pending (a document being read).
  let refreshing = null, again = false, pollTimer = null;
  async function refreshLive() {
    if (!document.querySelector('[data-live][id]')) return;
    if (refreshing) { again = true; return; }
    refreshing = (async () => {
      try {
        const response = await fetch(location.pathname + location.search, { credentials: 'same-origin', headers: { accept: 'text/html' } });
        if (!response.ok || response.redirected) return;
        const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
        for (const section of document.querySelectorAll('[data-live][id]')) {
          const next = fresh.getElementById(section.id);
          if (!next) continue;
          const settled = section.querySelector('[data-pending]') && !next.querySelector('[data-pending]');
          // A page whose forms depend on what was pending is loaded whole once it is done.
          if (settled && section.hasAttribute('data-reload-when-settled')) { location.reload(); return; }
          section.replaceWith(document.importNode(next, true));
        }
      } catch (_) { /* the next event or poll tries again */ }
    })();
    await refreshing;
    refreshing = null;
    if (again) { again = false; await refreshLive(); }
    pollWhilePending();
  }
  function pollWhilePending() {
    clearTimeout(pollTimer);
    if (document.querySelector('[data-live] [data-pending], [data-live][data-pending]')) pollTimer = setTimeout(refreshLive, 1500);
  }
  pollWhilePending();

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
      if (finished) {
        const progress = row.querySelector('[data-field=progress]');
        progress.value = progress.max;
        refreshLive();  // a dataset's first sync may cover a family of claims (the page's coverage section)
      }
      if (typeof payload.rowsInserted === 'number') {
        row.querySelector('[data-field=rows]').textContent = String(payload.rowsInserted + payload.rowsUpdated + payload.rowsQuarantined);
      }
    }
  }
  let amazonRefresh = null;
  function onEnvelope(envelope) {
    if (envelope.type === 'notification.created') { updateBell(); return; }
    if (envelope.type === 'prompt.created' || envelope.type === 'prompt.answered') { if (promptCount) updatePrompts(); refreshLive(); return; }
    if (['document.parsed', 'costs.updated', 'evidence.matched', 'proof_packet.generated'].includes(envelope.type)) { refreshLive(); return; }
    if (['amazon.inventory_changed', 'amazon.order_changed', 'amazon.report_finished'].includes(envelope.type)) {
      // Amazon's notifications come in bursts (a backfill's reports finishing): one refresh a burst.
      if (!amazonRefresh) amazonRefresh = setTimeout(() => { amazonRefresh = null; refreshLive(); }, 2000);
      return;
    }
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
      for (const type of ['notification.created', 'sync.progress', 'sync.completed', 'sync.failed', 'sync.reauthorization_required',
        'document.parsed', 'costs.updated', 'evidence.matched', 'prompt.created', 'prompt.answered', 'proof_packet.generated',
        'amazon.inventory_changed', 'amazon.order_changed', 'amazon.report_finished']) {
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

  // MARK: Document uploads: several files dropped (or chosen) at once, each sent on its own so it
  // has its own progress bar and its own outcome; two at a time (the API takes three per account).
  const size = (bytes) => bytes < 1024 ? bytes + ' bytes' : bytes < 1048576 ? Math.round(bytes / 1024) + ' KB'
    : (bytes / 1048576).toFixed(1).replace(/\.0$/, '') + ' MB';
  for (const zone of document.querySelectorAll('[data-upload]')) {
    const input = zone.querySelector('input[type=file]');
    const list = zone.parentElement.querySelector('[data-field=uploads]');
    const maxBytes = Number(zone.dataset.maxBytes) || Infinity;
    const queue = [];
    let running = 0;
    function entry(file) {
      const item = document.createElement('li');
      item.className = 'upload';
      item.dataset.state = 'waiting';
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = file.name + ' (' + size(file.size) + ')';
      const bar = document.createElement('progress');
      bar.max = 100;
      bar.value = 0;
      const status = document.createElement('span');
      status.className = 'small';
      status.dataset.field = 'outcome';
      status.textContent = 'Waiting…';
      item.append(name, ' ', bar, ' ', status);
      list.append(item);
      return { item, bar, status };
    }
    function finish(row, state, text, documentId) {
      row.item.dataset.state = state;
      row.status.textContent = text + ' ';
      row.status.classList.toggle('error', state === 'rejected');
      if (documentId) {
        row.item.dataset.document = documentId;
        const link = document.createElement('a');
        link.href = '/app/documents/' + documentId;
        link.textContent = 'Open it';
        row.status.append(link);
      }
    }
    function send(file, row, retried) {
      return new Promise((resolve) => {
        const form = new FormData();
        form.append('files', file, file.name);
        const xhr = new XMLHttpRequest();
        xhr.open('POST', zone.dataset.upload);
        xhr.setRequestHeader('x-csrf-token', csrf());
        xhr.upload.addEventListener('progress', (event) => { if (event.lengthComputable) row.bar.value = (event.loaded / event.total) * 100; });
        xhr.addEventListener('load', async () => {
          if (xhr.status === 401 && !retried && await refresh()) { resolve(send(file, row, true)); return; }
          let body = null;
          try { body = JSON.parse(xhr.responseText); } catch (_) { body = null; }
          const outcome = body && body.documents && body.documents[0];
          if (xhr.status === 202 && outcome) {
            row.bar.value = 100;
            if (outcome.status === 'accepted') finish(row, 'accepted', 'Uploaded; Opside is reading it.', outcome.documentId);
            else if (outcome.status === 'duplicate') finish(row, 'duplicate', outcome.message || 'Uploaded before.', outcome.documentId);
            else finish(row, 'rejected', outcome.message || 'Refused.');
          } else {
            finish(row, 'rejected', (body && body.error && body.error.message) || ('The upload failed: ' + xhr.status));
          }
          resolve();
        });
        xhr.addEventListener('error', () => { finish(row, 'rejected', 'The upload failed: the connection dropped.'); resolve(); });
        row.item.dataset.state = 'uploading';
        row.status.textContent = 'Uploading…';
        xhr.send(form);
      });
    }
    function pump() {
      while (running < 2 && queue.length) {
        const [file, row] = queue.shift();
        running += 1;
        send(file, row).then(() => { running -= 1; refreshLive(); pump(); });
      }
    }
    function add(files) {
      for (const file of files) {
        const row = entry(file);
        if (file.size > maxBytes) finish(row, 'rejected', 'Not sent: larger than the ' + size(maxBytes) + ' a file may be.');
        else queue.push([file, row]);
      }
      input.value = '';
      pump();
    }
    input.addEventListener('change', () => add(Array.from(input.files)));
    zone.addEventListener('keydown', (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); input.click(); } });
    zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      zone.classList.remove('over');
      add(Array.from(event.dataTransfer.files));
    });
  }
})();
