// My security credentials: the caller's password, access keys and MFA;
// and the MFA setup used on a user's page.
import { iam, list } from '../api.js';
import { h, field, table, onSubmit, action, ok, errorBox, when } from '../ui.js';
import { accessKeysSection } from './identities.js';

/** The MFA devices of a user, and the setup of a new virtual device with its QR code. */
export async function mfaSetup(sec, userName) {
  const out = h('div', { id: 'mfa-result' });
  const load = async () => {
    sec.replaceChildren(h('h2', { id: 'mfa-h', text: 'MFA devices' }));
    try {
      const r = await iam('ListMFADevices', { UserName: userName });
      sec.append(table('MFA devices', [
        ['Serial number', (d) => d.SerialNumber],
        ['Enabled', (d) => when(d.EnableDate)],
        ['', (d) => {
          const b = h('button', { type: 'button', class: 'danger', text: 'Deactivate', 'aria-label': `Deactivate ${d.SerialNumber}` });
          action(b, out, async () => { await iam('DeactivateMFADevice', { UserName: userName, SerialNumber: d.SerialNumber }); await load(); });
          return b;
        }],
      ], list(r.MFADevices)));
    } catch (e) {
      sec.append(errorBox(e));
    }
    const [nf, name] = field('Device name', h('input', { id: 'mfa-device-name', value: `${userName || 'root'}-mfa` }));
    const form = h('form', { class: 'stack card', id: 'mfa-create-form' }, h('h3', { text: 'Assign a virtual MFA device' }), nf,
      h('button', { type: 'submit', id: 'mfa-create-submit', text: 'Create device and show its QR code' }));
    onSubmit(form, out, async () => {
      const r = await iam('CreateVirtualMFADevice', { VirtualMFADeviceName: name.value.trim() });
      const dev = r.VirtualMFADevice;
      out.replaceChildren(enableForm(dev));
      out.querySelector('input').focus();
    });
    sec.append(form, out);
  };
  const enableForm = (dev) => {
    const res = h('div');
    const seed = atob(dev.Base32StringSeed || '');
    const [c1f, c1] = field('First code', h('input', { id: 'mfa-code1', inputMode: 'numeric', autocomplete: 'one-time-code', maxLength: 6, required: true }));
    const [c2f, c2] = field('Next code', h('input', { id: 'mfa-code2', inputMode: 'numeric', autocomplete: 'one-time-code', maxLength: 6, required: true }),
      'Wait for the code to change, then enter the new one.');
    const form = h('form', { class: 'stack card', id: 'mfa-enable-form' },
      h('h3', { text: `Enable ${dev.SerialNumber}` }),
      h('p', {}, 'Scan this QR code with an authenticator app, then enter two consecutive codes.'),
      h('img', { class: 'qr', id: 'mfa-qr', src: `data:image/png;base64,${dev.QRCodePNG}`, alt: `QR code of the MFA device ${dev.SerialNumber}` }),
      h('p', {}, 'Cannot scan it? Enter this key: ', h('code', { class: 'secret', id: 'mfa-seed', text: seed })),
      c1f, c2f, h('button', { type: 'submit', class: 'primary', id: 'mfa-enable-submit', text: 'Enable MFA' }));
    onSubmit(form, res, async () => {
      await iam('EnableMFADevice', { UserName: userName, SerialNumber: dev.SerialNumber,
        AuthenticationCode1: c1.value.trim(), AuthenticationCode2: c2.value.trim() });
      await load();
      out.replaceChildren(ok(`MFA device ${dev.SerialNumber} is enabled.`));
    });
    return h('div', {}, form, res);
  };
  await load();
}

export async function credentialsPage(view, s) {
  view.append(h('h1', { text: 'My security credentials' }), h('p', {}, s.arn));
  if (!s.root) {
    const out = h('div');
    const [of, old] = field('Current password', h('input', { type: 'password', autocomplete: 'current-password', id: 'cp-old' }));
    const [nf, nw] = field('New password', h('input', { type: 'password', autocomplete: 'new-password', id: 'cp-new' }));
    const form = h('form', { class: 'stack card' }, h('h2', { text: 'Change password' }), of, nf, h('button', { type: 'submit', text: 'Change password' }));
    onSubmit(form, out, async () => {
      await iam('ChangePassword', { OldPassword: old.value, NewPassword: nw.value });
      form.reset();
      out.replaceChildren(ok('Password changed.'));
    });
    view.append(form, out);
  }
  await accessKeysSection(view, s.root ? undefined : s.userName);
  const mfa = h('section');
  view.append(mfa);
  await mfaSetup(mfa, s.root ? undefined : s.userName);
}
