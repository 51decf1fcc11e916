// Users, groups and roles, with their policies, memberships, keys and MFA.
import { iam, list } from '../api.js';
import { h, field, table, onSubmit, action, ok, errorBox, link, when, parseTags, secret } from '../ui.js';
import { policyEditor, decodeDoc, pretty } from './policies.js';
import { mfaSetup } from './credentials.js';

/** The policy sections of an entity: attached managed policies and inline policies. kind is User, Group or Role. */
async function policySections(view, kind, name) {
  const key = `${kind}Name`;
  const attached = h('section', { 'aria-labelledby': `attached-${kind}` });
  const inline = h('section', { 'aria-labelledby': `inline-${kind}` });
  view.append(attached, inline);

  const loadAttached = async () => {
    const out = h('div');
    attached.replaceChildren(h('h2', { id: `attached-${kind}`, text: 'Attached managed policies' }));
    try {
      const r = await iam(`ListAttached${kind}Policies`, { [key]: name, MaxItems: 1000 });
      attached.append(table('Attached policies', [
        ['Policy', (p) => link(`#/policies/${encodeURIComponent(p.PolicyArn)}`, p.PolicyName)],
        ['ARN', (p) => p.PolicyArn],
        ['', (p) => {
          const b = h('button', { type: 'button', class: 'danger', text: 'Detach', 'aria-label': `Detach ${p.PolicyName}` });
          action(b, out, async () => { await iam(`Detach${kind}Policy`, { [key]: name, PolicyArn: p.PolicyArn }); await loadAttached(); });
          return b;
        }],
      ], list(r.AttachedPolicies)));
    } catch (e) {
      attached.append(errorBox(e));
    }
    const [f, input] = field('Policy ARN to attach', h('input', { name: 'arn', id: `attach-${kind}-arn`, list: `policy-arns-${kind}` }));
    const options = h('datalist', { id: `policy-arns-${kind}` });
    iam('ListPolicies', { Scope: 'All', MaxItems: 1000 }).then((r) => {
      for (const p of list(r.Policies)) options.append(h('option', { value: p.Arn, text: p.PolicyName }));
    }).catch(() => {});
    const form = h('form', { class: 'stack' }, f, options, h('button', { type: 'submit', id: `attach-${kind}-submit`, text: 'Attach policy' }));
    onSubmit(form, out, async () => { await iam(`Attach${kind}Policy`, { [key]: name, PolicyArn: input.value.trim() }); await loadAttached(); });
    attached.append(form, out);
  };

  const loadInline = async () => {
    const out = h('div');
    inline.replaceChildren(h('h2', { id: `inline-${kind}`, text: 'Inline policies' }));
    try {
      const r = await iam(`List${kind}Policies`, { [key]: name, MaxItems: 1000 });
      inline.append(table('Inline policies', [
        ['Name', (p) => p],
        ['', (p) => {
          const b = h('button', { type: 'button', text: 'Edit', 'aria-label': `Edit ${p}` });
          action(b, out, async () => {
            const got = await iam(`Get${kind}Policy`, { [key]: name, PolicyName: p });
            out.replaceChildren(inlineForm(p, pretty(decodeDoc(got.PolicyDocument))));
          });
          const d = h('button', { type: 'button', class: 'danger', text: 'Delete', 'aria-label': `Delete ${p}` });
          action(d, out, async () => { await iam(`Delete${kind}Policy`, { [key]: name, PolicyName: p }); await loadInline(); });
          return h('span', { class: 'row' }, b, d);
        }],
      ], list(r.PolicyNames)));
    } catch (e) {
      inline.append(errorBox(e));
    }
    const inlineForm = (policyName, doc) => {
      const res = h('div');
      const [nf, ni] = field('Inline policy name', h('input', { name: 'name', value: policyName || '', readOnly: !!policyName }));
      const ed = policyEditor(doc, 'identity', `${kind}-inline`);
      const form = h('form', { class: 'stack card' }, nf, ed.node, h('button', { type: 'submit', class: 'primary', text: 'Save inline policy' }));
      onSubmit(form, res, async () => { await iam(`Put${kind}Policy`, { [key]: name, PolicyName: ni.value.trim(), PolicyDocument: ed.value() }); await loadInline(); });
      return h('div', {}, form, res);
    };
    const add = h('button', { type: 'button', text: 'Add inline policy' });
    add.addEventListener('click', () => out.replaceChildren(inlineForm('', '{\n  "Version": "2012-10-17",\n  "Statement": []\n}')));
    inline.append(h('div', { class: 'row' }, add), out);
  };
  await Promise.all([loadAttached(), loadInline()]);
}

export async function usersPage(view) {
  view.append(h('h1', { text: 'Users' }));
  const listing = h('div');
  const load = async () => {
    try {
      const r = await iam('ListUsers', { MaxItems: 1000 });
      listing.replaceChildren(table('Users', [
        ['User name', (u) => link(`#/users/${encodeURIComponent(u.UserName)}`, u.UserName)],
        ['ARN', (u) => u.Arn],
        ['Created', (u) => when(u.CreateDate)],
        ['Password last used', (u) => when(u.PasswordLastUsed)],
      ], list(r.Users)));
    } catch (e) {
      listing.replaceChildren(errorBox(e));
    }
  };
  const out = h('div');
  const [nf, name] = field('User name', h('input', { name: 'userName', id: 'new-user-name', required: true }));
  const [pf, pw] = field('Console password (optional)', h('input', { name: 'password', id: 'new-user-password', type: 'password', autocomplete: 'new-password' }),
    'With a password the user can sign in to this console (CreateLoginProfile).');
  const reset = h('input', { type: 'checkbox', name: 'resetRequired', id: 'new-user-reset' });
  const [tf, tags] = field('Tags', h('input', { name: 'tags', id: 'new-user-tags', placeholder: 'team=live, owner=alice' }), 'key=value pairs, comma-separated.');
  const form = h('form', { class: 'stack card', id: 'create-user-form' }, h('h2', { text: 'Create a user' }), nf, pf,
    h('div', {}, reset, ' ', h('label', { for: 'new-user-reset', text: 'The user must set a new password at the next sign-in' })),
    tf, h('button', { type: 'submit', class: 'primary', id: 'create-user-submit', text: 'Create user' }));
  onSubmit(form, out, async () => {
    const t = Object.entries(parseTags(tags.value)).map(([Key, Value]) => ({ Key, Value }));
    await iam('CreateUser', { UserName: name.value.trim(), Tags: t });
    if (pw.value) {
      await iam('CreateLoginProfile', { UserName: name.value.trim(), Password: pw.value, PasswordResetRequired: reset.checked ? 'true' : 'false' });
    }
    out.replaceChildren(ok('Created user ', link(`#/users/${encodeURIComponent(name.value.trim())}`, name.value.trim()), '.'));
    form.reset();
    await load();
  });
  view.append(form, out, listing);
  await load();
}

export async function userPage(view, name) {
  const r = await iam('GetUser', { UserName: name });
  const u = r.User;
  view.append(h('h1', { text: `User ${u.UserName}` }), h('p', {}, u.Arn), h('p', { class: 'muted' }, `Created ${when(u.CreateDate)} · id ${u.UserId}`));
  const out = h('div');
  const del = h('button', { type: 'button', class: 'danger', text: 'Delete user' });
  action(del, out, async () => {
    if (!window.confirm(`Delete user ${name}?`)) return;
    await iam('DeleteUser', { UserName: name });
    location.hash = '#/users';
  });
  view.append(h('div', { class: 'row' }, del), out);

  // Console password.
  const login = h('section', {}, h('h2', { text: 'Console password' }));
  const lout = h('div');
  try {
    const lp = await iam('GetLoginProfile', { UserName: name });
    login.append(h('p', {}, `Set ${when(lp.LoginProfile?.CreateDate)}${lp.LoginProfile?.PasswordResetRequired === 'true' ? ', to be changed at the next sign-in' : ''}.`));
  } catch (e) {
    login.append(e.code === 'NoSuchEntity' ? h('p', { class: 'muted', text: 'No console password.' }) : errorBox(e));
  }
  const [pf, pw] = field('New console password', h('input', { type: 'password', autocomplete: 'new-password', id: 'user-password' }));
  const set = h('button', { type: 'button', text: 'Set password' });
  action(set, lout, async () => {
    try {
      await iam('UpdateLoginProfile', { UserName: name, Password: pw.value });
    } catch (e) {
      if (e.code !== 'NoSuchEntity') throw e;
      await iam('CreateLoginProfile', { UserName: name, Password: pw.value });
    }
    lout.replaceChildren(ok('Password set.'));
  });
  const remove = h('button', { type: 'button', class: 'danger', text: 'Remove password' });
  action(remove, lout, async () => { await iam('DeleteLoginProfile', { UserName: name }); lout.replaceChildren(ok('Password removed.')); });
  login.append(h('div', { class: 'stack' }, pf, h('div', { class: 'row' }, set, remove)), lout);
  view.append(login);

  // Groups.
  const groups = h('section', {}, h('h2', { text: 'Groups' }));
  const gout = h('div');
  const loadGroups = async () => {
    groups.replaceChildren(h('h2', { text: 'Groups' }));
    try {
      const g = await iam('ListGroupsForUser', { UserName: name });
      groups.append(table('Groups of the user', [
        ['Group', (x) => link(`#/groups/${encodeURIComponent(x.GroupName)}`, x.GroupName)],
        ['', (x) => {
          const b = h('button', { type: 'button', class: 'danger', text: 'Remove', 'aria-label': `Remove from ${x.GroupName}` });
          action(b, gout, async () => { await iam('RemoveUserFromGroup', { GroupName: x.GroupName, UserName: name }); await loadGroups(); });
          return b;
        }],
      ], list(g.Groups)));
    } catch (e) {
      groups.append(errorBox(e));
    }
    const [f, input] = field('Add to group', h('input', { name: 'group' }));
    const form = h('form', { class: 'row' }, f, h('button', { type: 'submit', text: 'Add' }));
    onSubmit(form, gout, async () => { await iam('AddUserToGroup', { GroupName: input.value.trim(), UserName: name }); await loadGroups(); });
    groups.append(form, gout);
  };
  view.append(groups);
  await loadGroups();

  await policySections(view, 'User', name);
  await accessKeysSection(view, name);
  const mfa = h('section');
  view.append(mfa);
  await mfaSetup(mfa, name);
}

/** The access keys of a user (name undefined: the caller's own). */
export async function accessKeysSection(view, name) {
  const sec = h('section', { 'aria-labelledby': 'keys-h' });
  view.append(sec);
  const out = h('div', { id: 'access-key-result' });
  const load = async () => {
    sec.replaceChildren(h('h2', { id: 'keys-h', text: 'Access keys' }));
    try {
      const r = await iam('ListAccessKeys', { UserName: name });
      sec.append(table('Access keys', [
        ['Access key ID', (k) => k.AccessKeyId],
        ['Status', (k) => k.Status],
        ['Created', (k) => when(k.CreateDate)],
        ['', (k) => {
          const flip = k.Status === 'Active' ? 'Inactive' : 'Active';
          const b = h('button', { type: 'button', text: flip === 'Active' ? 'Activate' : 'Deactivate' });
          action(b, out, async () => { await iam('UpdateAccessKey', { UserName: name, AccessKeyId: k.AccessKeyId, Status: flip }); await load(); });
          const d = h('button', { type: 'button', class: 'danger', text: 'Delete', 'aria-label': `Delete ${k.AccessKeyId}` });
          action(d, out, async () => { await iam('DeleteAccessKey', { UserName: name, AccessKeyId: k.AccessKeyId }); await load(); });
          return h('span', { class: 'row' }, b, d);
        }],
      ], list(r.AccessKeyMetadata)));
    } catch (e) {
      sec.append(errorBox(e));
    }
    const create = h('button', { type: 'button', id: 'create-access-key', text: 'Create access key' });
    action(create, out, async () => {
      const r = await iam('CreateAccessKey', { UserName: name });
      await load();
      out.replaceChildren(h('div', { class: 'ok', role: 'status' },
        h('p', {}, h('strong', {}, 'The secret access key is shown this once. Copy it now.')),
        secret('Access key ID', r.AccessKey.AccessKeyId, 'new-access-key-id'),
        secret('Secret access key', r.AccessKey.SecretAccessKey, 'new-secret-access-key')));
    });
    sec.append(h('div', { class: 'row' }, create), out);
  };
  await load();
}

export async function groupsPage(view) {
  view.append(h('h1', { text: 'Groups' }));
  const listing = h('div');
  const load = async () => {
    try {
      const r = await iam('ListGroups', { MaxItems: 1000 });
      listing.replaceChildren(table('Groups', [
        ['Group', (g) => link(`#/groups/${encodeURIComponent(g.GroupName)}`, g.GroupName)],
        ['ARN', (g) => g.Arn], ['Created', (g) => when(g.CreateDate)],
      ], list(r.Groups)));
    } catch (e) {
      listing.replaceChildren(errorBox(e));
    }
  };
  const out = h('div');
  const [nf, name] = field('Group name', h('input', { required: true }));
  const form = h('form', { class: 'stack card' }, h('h2', { text: 'Create a group' }), nf, h('button', { type: 'submit', class: 'primary', text: 'Create group' }));
  onSubmit(form, out, async () => { await iam('CreateGroup', { GroupName: name.value.trim() }); form.reset(); await load(); });
  view.append(form, out, listing);
  await load();
}

export async function groupPage(view, name) {
  const r = await iam('GetGroup', { GroupName: name });
  view.append(h('h1', { text: `Group ${name}` }), h('p', {}, r.Group.Arn));
  const out = h('div');
  const del = h('button', { type: 'button', class: 'danger', text: 'Delete group' });
  action(del, out, async () => {
    if (!window.confirm(`Delete group ${name}?`)) return;
    await iam('DeleteGroup', { GroupName: name });
    location.hash = '#/groups';
  });
  view.append(h('div', { class: 'row' }, del), out,
    h('h2', { text: 'Members' }),
    table('Members', [['User', (u) => link(`#/users/${encodeURIComponent(u.UserName)}`, u.UserName)], ['ARN', (u) => u.Arn]], list(r.Users)));
  await policySections(view, 'Group', name);
}

const defaultTrust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::ACCOUNT:root' }, Action: 'sts:AssumeRole' }],
}, null, 2);

export async function rolesPage(view, s) {
  view.append(h('h1', { text: 'Roles' }));
  const listing = h('div');
  const load = async () => {
    try {
      const r = await iam('ListRoles', { MaxItems: 1000 });
      listing.replaceChildren(table('Roles', [
        ['Role', (x) => link(`#/roles/${encodeURIComponent(x.RoleName)}`, x.RoleName)],
        ['ARN', (x) => x.Arn], ['Description', (x) => x.Description || ''],
      ], list(r.Roles)));
    } catch (e) {
      listing.replaceChildren(errorBox(e));
    }
  };
  const out = h('div');
  const [nf, name] = field('Role name', h('input', { required: true }));
  const [df, desc] = field('Description', h('input', {}));
  const ed = policyEditor(defaultTrust.replace('ACCOUNT', s.account), 'trust', 'trust-new', 'Trust policy');
  const form = h('form', { class: 'stack card' }, h('h2', { text: 'Create a role' }), nf, df, ed.node, h('button', { type: 'submit', class: 'primary', text: 'Create role' }));
  onSubmit(form, out, async () => {
    await iam('CreateRole', { RoleName: name.value.trim(), Description: desc.value, AssumeRolePolicyDocument: ed.value() });
    out.replaceChildren(ok('Created role ', link(`#/roles/${encodeURIComponent(name.value.trim())}`, name.value.trim()), '.'));
    await load();
  });
  view.append(form, out, listing);
  await load();
}

export async function rolePage(view, name) {
  const r = await iam('GetRole', { RoleName: name });
  const role = r.Role;
  view.append(h('h1', { text: `Role ${name}` }), h('p', {}, role.Arn), role.Description ? h('p', {}, role.Description) : null);
  const out = h('div');
  const del = h('button', { type: 'button', class: 'danger', text: 'Delete role' });
  action(del, out, async () => {
    if (!window.confirm(`Delete role ${name}?`)) return;
    await iam('DeleteRole', { RoleName: name });
    location.hash = '#/roles';
  });
  const tout = h('div');
  const ed = policyEditor(pretty(decodeDoc(role.AssumeRolePolicyDocument)), 'trust', 'trust-edit', 'Trust policy');
  const form = h('form', { class: 'stack card' }, h('h2', { text: 'Trust policy' }), ed.node, h('button', { type: 'submit', class: 'primary', text: 'Update trust policy' }));
  onSubmit(form, tout, async () => { await iam('UpdateAssumeRolePolicy', { RoleName: name, PolicyDocument: ed.value() }); tout.replaceChildren(ok('Trust policy updated.')); });
  view.append(h('div', { class: 'row' }, del), out, form, tout);
  await policySections(view, 'Role', name);
}
