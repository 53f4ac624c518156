import { login, ApiError } from '../api.js';
import { h, field } from '../dom.js';

export function loginView(onDone) {
  const user = h('input', { name: 'user', autocomplete: 'username', required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = h('form', {
    class: 'card login',
    onsubmit: async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      submit.disabled = true;
      try {
        await login(user.value, password.value);
        onDone();
      } catch (e) {
        error.textContent = e instanceof ApiError ? e.message : `cannot reach the daemon: ${e.message}`;
        error.hidden = false;
        password.value = '';
        password.focus();
      } finally {
        submit.disabled = false;
      }
    },
  },
  h('h1', {}, 'Log in to xcr'),
  field('User', user), field('Password', password), error,
  h('div', { class: 'actions' }, submit));
  setTimeout(() => user.focus(), 0);
  return form;
}
