// The console application: sign-in, navigation and the router.
import * as api from './api.js';
import { h, field, errorBox, announce, onSubmit } from './ui.js';
import { usersPage, userPage, groupsPage, groupPage, rolesPage, rolePage } from './pages/identities.js';
import { policiesPage, policyPage, newPolicyPage, simulatorPage } from './pages/policies.js';
import { credentialsPage } from './pages/credentials.js';
import { channelsPage, channelPage, playbackKeysPage } from './pages/channels.js';
import { auditPage } from './pages/audit.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const whoami = document.getElementById('whoami');
const signout = document.getElementById('signout');
let current = null;

const routes = [
  [/^home$/, homePage],
  [/^users$/, usersPage], [/^users\/(.+)$/, userPage],
  [/^groups$/, groupsPage], [/^groups\/(.+)$/, groupPage],
  [/^roles$/, rolesPage], [/^roles\/(.+)$/, rolePage],
  [/^policies$/, policiesPage], [/^policies\/new$/, newPolicyPage], [/^policies\/(.+)$/, policyPage],
  [/^simulator$/, simulatorPage],
  [/^credentials$/, credentialsPage],
  [/^channels$/, channelsPage], [/^channels\/(.+)$/, channelPage],
  [/^playback-keys$/, playbackKeysPage],
  [/^audit$/, auditPage],
];

/** Shows the signed-in principal. */
function showSession(s) {
  current = s;
  api.setCsrf(s.csrf);
  whoami.textContent = `${s.root ? 'Root user' : s.userName} · account ${s.account}${s.mfa ? ' · MFA' : ''}`;
  signout.hidden = false;
}

function showSignedOut(message) {
  current = null;
  api.setCsrf('');
  whoami.textContent = '';
  signout.hidden = true;
  nav.hidden = true;
  signInPage(message);
}

async function route() {
  if (!current || current.state !== 'active') return;
  const path = decodeURIComponent(location.hash.replace(/^#\/?/, '')) || 'home';
  nav.hidden = false;
  for (const a of nav.querySelectorAll('a')) {
    const here = path === a.getAttribute('href').slice(2) || path.startsWith(a.getAttribute('href').slice(2) + '/');
    if (here) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  main.replaceChildren(h('p', { class: 'muted', text: 'Loading…' }));
  for (const [re, page] of routes) {
    const m = path.match(re);
    if (!m) continue;
    const view = h('div', { class: 'page' });
    try {
      await page(view, ...m.slice(1), current);
    } catch (e) {
      view.append(errorBox(e));
    }
    main.replaceChildren(view);
    const title = view.querySelector('h1');
    document.title = `${title ? title.textContent : 'Console'} · Gatehouse`;
    main.focus({ preventScroll: false });
    announce(document.title);
    return;
  }
  main.replaceChildren(h('h1', { text: 'Not found' }), h('p', {}, 'No such page. ', h('a', { href: '#/home', text: 'Home' })));
}

function homePage(view, s) {
  view.append(
    h('h1', { text: 'Home' }),
    h('p', {}, `Signed in as ${s.arn}${s.mfa ? ', with MFA' : ''}.`),
    h('p', { class: 'muted' }, `Every action here is made as this principal, under its own policies, and recorded in the audit trail. `
      + `The session ends after ${Math.round(s.idleTimeoutSeconds / 60)} minutes without activity.`),
    h('ul', {},
      h('li', {}, h('a', { href: '#/channels', text: 'Channels' }), ': create channels, reveal stream keys, stop streams.'),
      h('li', {}, h('a', { href: '#/users', text: 'Users' }), ', ', h('a', { href: '#/policies', text: 'policies' }), ' and the ',
        h('a', { href: '#/simulator', text: 'policy simulator' }), '.'),
      h('li', {}, h('a', { href: '#/audit', text: 'Audit trail' }), ': who did what, and why it was allowed or denied.')));
}

/** The sign-in form: an IAM user (account, name, password) or the root user (its access key). */
function signInPage(message) {
  const out = h('div');
  const kind = (value, label, checked) => {
    const id = `signin-type-${value}`;
    return h('span', {}, h('input', { type: 'radio', name: 'type', value, id, checked }), ' ', h('label', { for: id, text: label }), ' ');
  };
  const [acct] = field('Account ID', h('input', { name: 'account', id: 'signin-account', autocomplete: 'username', inputMode: 'numeric' }));
  const [user] = field('IAM user name', h('input', { name: 'userName', id: 'signin-user', autocomplete: 'username' }));
  const [pw] = field('Password', h('input', { name: 'password', id: 'signin-password', type: 'password', autocomplete: 'current-password' }));
  const [kid] = field('Root access key ID', h('input', { name: 'accessKeyId', id: 'signin-key-id', autocomplete: 'off' }),
    'The root user signs in with its account\'s root access key (printed once at the first start, and kept in root-credentials.json).');
  const [sec] = field('Secret access key', h('input', { name: 'secretAccessKey', id: 'signin-secret', type: 'password', autocomplete: 'off' }));
  const userFields = h('div', { class: 'stack' }, acct, user, pw);
  const rootFields = h('div', { class: 'stack', hidden: true }, kid, sec);
  const form = h('form', { class: 'stack', id: 'signin-form' },
    h('fieldset', {}, h('legend', { text: 'Sign in as' }), kind('user', 'IAM user', true), kind('root', 'Root user', false)),
    userFields, rootFields,
    h('button', { type: 'submit', class: 'primary', id: 'signin-submit', text: 'Sign in' }));
  form.addEventListener('change', () => {
    const root = form.elements.type.value === 'root';
    rootFields.hidden = !root;
    userFields.hidden = root;
  });
  onSubmit(form, out, async (fd) => {
    const root = fd.get('type') === 'root';
    const input = root
      ? { type: 'root', accessKeyId: fd.get('accessKeyId').trim(), secretAccessKey: fd.get('secretAccessKey') }
      : { type: 'user', account: fd.get('account').trim(), userName: fd.get('userName').trim(), password: fd.get('password') };
    await signedIn(await api.signIn(input));
  });
  main.replaceChildren(h('div', { class: 'signin' },
    h('h1', { text: 'Sign in to Gatehouse' }),
    message ? h('p', { class: 'error', role: 'alert', text: message }) : null,
    form, out));
  document.title = 'Sign in · Gatehouse';
  form.querySelector('input[name=account]').focus();
}

/** Continues a sign-in: an MFA code, a new password, or the console. */
async function signedIn(s) {
  if (s.state === 'mfa') return mfaStep();
  showSession(s);
  if (s.state === 'password-change') return passwordStep(s);
  if (!location.hash || location.hash === '#/') location.hash = '#/home';
  await route();
}

function mfaStep() {
  const out = h('div');
  const [code] = field('MFA code', h('input', { name: 'code', id: 'signin-mfa-code', inputMode: 'numeric', autocomplete: 'one-time-code',
    pattern: '[0-9]{6}', maxLength: 6, required: true }), 'The six-digit code your authenticator app shows now.');
  const form = h('form', { class: 'stack', id: 'mfa-form' }, code, h('button', { type: 'submit', class: 'primary', id: 'mfa-submit', text: 'Verify' }));
  onSubmit(form, out, async (fd) => signedIn(await api.signInMFA(fd.get('code').trim())));
  main.replaceChildren(h('div', { class: 'signin' }, h('h1', { text: 'Multi-factor authentication' }), form, out));
  form.querySelector('input').focus();
}

function passwordStep(s) {
  const out = h('div');
  const [old] = field('Current password', h('input', { name: 'old', type: 'password', autocomplete: 'current-password', id: 'pw-old' }));
  const [nw] = field('New password', h('input', { name: 'new', type: 'password', autocomplete: 'new-password', id: 'pw-new' }));
  const [again] = field('New password again', h('input', { name: 'again', type: 'password', autocomplete: 'new-password', id: 'pw-again' }));
  const form = h('form', { class: 'stack' }, old, nw, again, h('button', { type: 'submit', class: 'primary', text: 'Set the new password' }));
  onSubmit(form, out, async (fd) => {
    if (fd.get('new') !== fd.get('again')) {
      out.replaceChildren(h('p', { class: 'error', role: 'alert', text: 'The new passwords differ.' }));
      return;
    }
    await api.iam('ChangePassword', { OldPassword: fd.get('old'), NewPassword: fd.get('new') });
    await signedIn(await api.session());
  });
  main.replaceChildren(h('div', { class: 'signin' }, h('h1', { text: 'Set a new password' }),
    h('p', {}, `${s.userName}, your password must be changed before you go on.`), form, out));
  form.querySelector('input').focus();
}

signout.addEventListener('click', async () => {
  try { await api.signOut(); } finally { showSignedOut('You have signed out.'); }
});
api.onSignedOut((e) => showSignedOut(`${e.message}`));
window.addEventListener('hashchange', route);

(async () => {
  try {
    const s = await api.session();
    if (!s) return showSignedOut();
    if (s.state === 'mfa') return showSignedOut();
    return signedIn(s);
  } catch (e) {
    main.replaceChildren(errorBox(e));
  }
})();
