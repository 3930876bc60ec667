'use strict';
// The sign-in page: signs in, signs up, or asks for a reset link; a browser still signed in
// (its refresh cookie) goes straight on to where it was headed.
(() => {
  const next = document.body.dataset.next || '/app';
  const csrf = () => (document.cookie.split('; ').find((c) => c.startsWith('opside_csrf=')) || '').slice('opside_csrf='.length);
  const cards = { '#sign-in': 'sign-in-card', '#sign-up': 'sign-up-card', '#forgot': 'forgot-card' };
  function show() {
    const shown = cards[location.hash] || 'sign-in-card';
    for (const id of Object.values(cards)) document.getElementById(id).hidden = id !== shown;
    const first = document.querySelector('#' + shown + ' input');
    if (first) first.focus();
  }
  window.addEventListener('hashchange', show);
  show();

  if (csrf()) {
    fetch('/api/v1/auth/refresh', { method: 'POST', headers: { 'x-csrf-token': csrf() }, credentials: 'same-origin' })
      .then((response) => { if (response.ok) location.replace(next); });
  }

  async function post(path, body) {
    const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
                                         credentials: 'same-origin' });
    const json = await response.json().catch(() => null);
    if (!response.ok) {
      const error = json && json.error;
      let message = error ? error.message : 'Something went wrong (' + response.status + ')';
      if (error && error.details) {
        const details = Object.values(error.details).filter((value) => typeof value === 'string' && value);
        if (details.length) message += ': ' + details.join('; ');
      }
      throw new Error(message);
    }
    return json;
  }

  function handle(id, send) {
    const form = document.getElementById(id);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const error = form.querySelector('[data-error]');
      error.textContent = '';
      const button = form.querySelector('button');
      button.disabled = true;
      const fields = Object.fromEntries(new FormData(form).entries());
      try {
        await send(fields, form);
      } catch (problem) {
        error.textContent = problem.message;
      } finally {
        button.disabled = false;
      }
    });
  }
  handle('sign-in-form', async (fields) => {
    await post('/api/v1/auth/login', { email: fields.email, password: fields.password });
    location.replace(next);
  });
  handle('sign-up-form', async (fields) => {
    const body = { email: fields.email, password: fields.password, companyName: fields.companyName };
    if (fields.displayName) body.displayName = fields.displayName;
    if (fields.referralCode && fields.referralCode.trim()) body.referralCode = fields.referralCode.trim();
    await post('/api/v1/auth/signup', body);
    location.replace('/app/connections?notice=' + encodeURIComponent('Welcome! Connect your Amazon account to find what Amazon owes you.'));
  });
  handle('forgot-form', async (fields, form) => {
    const answer = await post('/api/v1/auth/password-reset', { email: fields.email });
    form.querySelector('[data-ok]').textContent = answer.message;
  });
})();
