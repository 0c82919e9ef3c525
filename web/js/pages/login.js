// login.js — the login page (POST /api/v1/auth/login; the server sets the session cookie and
// answers the CSRF token, which api.js keeps for this tab).
import * as api from '../api.js';
import { afterLogin } from '../app.js';
import { t } from '../i18n.js';
import { clear, field, h } from '../ui.js';

export async function render({ main, query, app }) {
  const username = h('input', { type: 'text', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'form-summary', role: 'alert', tabindex: '-1' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('login.submit'));
  const form = h(
    'form',
    { novalidate: true },
    error,
    field(t('login.username'), username, { required: true }),
    field(t('login.password'), password, { required: true }),
    submit,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(error);
    if (!username.value || !password.value) {
      clear(error, t('err.missing_field'));
      (username.value ? password : username).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = t('login.busy');
    try {
      await api.login(username.value.trim(), password.value);
      await afterLogin(query.get('next'));
    } catch (e) {
      submit.disabled = false;
      submit.textContent = t('login.submit');
      clear(error, e.status === 401 ? t('login.failed') : e.status === 429 ? t('login.throttled') : t(`err.${e.code}`));
      password.value = '';
      password.focus();
    }
  });
  clear(
    main,
    h(
      'section',
      { class: 'card login-card', 'aria-labelledby': 'page-title' },
      h('h1', { id: 'page-title', tabindex: '-1' }, t('login.title')),
      h('p', { class: 'card-sub' }, t('login.subtitle')),
      form,
      app.demo ? h('p', { class: 'login-hint' }, t('login.demo')) : null,
    ),
  );
  username.focus();
}
