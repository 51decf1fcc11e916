// Managed policies: the JSON editor with validation at line and column,
// versions, attachments, and the policy simulator.
import { iam, list, validatePolicy } from '../api.js';
import { h, field, table, onSubmit, action, ok, errorBox, link, when } from '../ui.js';

/** A policy document as IAM returns it (URL-encoded JSON), decoded. */
export function decodeDoc(s) {
  try { return decodeURIComponent(s || ''); } catch { return s || ''; }
}

/** The document indented, when it is JSON. */
export function pretty(s) {
  try { return JSON.stringify(JSON.parse(s), null, 2); } catch { return s; }
}

/** The offset in text of a 1-based line and column. */
function offsetOf(text, line, column) {
  let off = 0;
  for (let l = 1; l < line; l += 1) {
    const nl = text.indexOf('\n', off);
    if (nl < 0) return text.length;
    off = nl + 1;
  }
  return Math.min(off + Math.max(column - 1, 0), text.length);
}

/** The line and column of an error message that names them ("… (line 3, column 17)"). */
export function positionOf(message) {
  const m = /line (\d+), column (\d+)/.exec(message || '');
  return m ? { line: +m[1], column: +m[2] } : null;
}

/**
 * A JSON policy editor: a textarea whose document is validated as IAM
 * validates it (on demand and while typing), listing errors and warnings
 * at their line and column; choosing one puts the cursor there.
 */
export function policyEditor(doc, kind, id, label = 'Policy document') {
  const ta = h('textarea', { class: 'code', id: `${id}-doc`, spellcheck: false, value: doc, rows: 16 });
  const [f] = field(label, ta, 'JSON. Validate to see errors and warnings at their line and column.');
  const problems = h('ul', { class: 'problems', id: `${id}-problems`, 'aria-live': 'polite', 'aria-label': 'Validation results' });
  const goTo = (line, column) => {
    const off = offsetOf(ta.value, line, column);
    ta.focus();
    ta.setSelectionRange(off, off + 1);
  };
  const show = (items, valid) => {
    problems.replaceChildren();
    if (valid && !items.length) problems.append(h('li', { text: 'Valid: no errors, no warnings.' }));
    for (const p of items) {
      const where = p.line ? `line ${p.line}, column ${p.column}: ` : '';
      const li = h('li', { class: p.severity === 'error' ? 'error-item' : '' });
      if (p.line) {
        const b = h('button', { type: 'button', text: `${p.severity} at ${where.slice(0, -2)}`, 'aria-label': `Go to ${where.slice(0, -2)}` });
        b.addEventListener('click', () => goTo(p.line, p.column));
        li.append(b, ' ', p.message);
      } else {
        li.append(`${p.severity}: ${p.message}`);
      }
      problems.append(li);
    }
  };
  const validate = async () => {
    try {
      const v = await validatePolicy(ta.value, kind);
      show(v.problems, v.valid);
      return v;
    } catch (e) {
      problems.replaceChildren(h('li', {}, errorBox(e)));
      return null;
    }
  };
  let timer;
  ta.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(validate, 700); });
  const vb = h('button', { type: 'button', id: `${id}-validate`, text: 'Validate' });
  vb.addEventListener('click', validate);
  return {
    node: h('div', { class: 'stack' }, f, h('div', { class: 'row' }, vb), problems),
    value: () => ta.value,
    textarea: ta,
    /** Shows the position an API error names (MalformedPolicyDocument). */
    showError: (e) => {
      const p = positionOf(e.message);
      if (p) show([{ severity: 'error', line: p.line, column: p.column, message: e.message }], false);
    },
  };
}

export async function policiesPage(view) {
  view.append(h('h1', { text: 'Policies' }), h('p', {}, link('#/policies/new', 'Create a policy')));
  const scope = h('select', { id: 'policy-scope' }, h('option', { value: 'Local', text: 'Customer managed' }),
    h('option', { value: 'AWS', text: 'AWS managed' }), h('option', { value: 'All', text: 'All' }));
  const [sf] = field('Show', scope);
  const listing = h('div');
  const load = async () => {
    try {
      const r = await iam('ListPolicies', { Scope: scope.value, MaxItems: 1000 });
      listing.replaceChildren(table('Managed policies', [
        ['Policy', (p) => link(`#/policies/${encodeURIComponent(p.Arn)}`, p.PolicyName)],
        ['ARN', (p) => p.Arn], ['Default version', (p) => p.DefaultVersionId], ['Attachments', (p) => p.AttachmentCount],
      ], list(r.Policies)));
    } catch (e) {
      listing.replaceChildren(errorBox(e));
    }
  };
  scope.addEventListener('change', load);
  view.append(sf, listing);
  await load();
}

const starter = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'ListChannels', Effect: 'Allow', Action: ['ivs:ListChannels'], Resource: 'arn:aws:ivs:*:*:channel/*' }],
}, null, 2);

export async function newPolicyPage(view) {
  view.append(h('h1', { text: 'Create a policy' }));
  const out = h('div');
  const [nf, name] = field('Policy name', h('input', { id: 'new-policy-name', required: true }));
  const [df, desc] = field('Description', h('input', { id: 'new-policy-description' }));
  const ed = policyEditor(starter, 'identity', 'new-policy');
  const form = h('form', { class: 'stack', id: 'create-policy-form' }, nf, df, ed.node,
    h('button', { type: 'submit', class: 'primary', id: 'create-policy-submit', text: 'Create policy' }));
  onSubmit(form, out, async () => {
    try {
      const r = await iam('CreatePolicy', { PolicyName: name.value.trim(), Description: desc.value, PolicyDocument: ed.value() });
      out.replaceChildren(ok('Created ', link(`#/policies/${encodeURIComponent(r.Policy.Arn)}`, r.Policy.Arn), '.'));
    } catch (e) {
      ed.showError(e);
      throw e;
    }
  });
  view.append(form, out);
}

export async function policyPage(view, arn) {
  const r = await iam('GetPolicy', { PolicyArn: arn });
  const p = r.Policy;
  view.append(h('h1', { text: `Policy ${p.PolicyName}` }), h('p', {}, p.Arn), p.Description ? h('p', {}, p.Description) : null,
    h('p', { class: 'muted' }, `Default version ${p.DefaultVersionId} · ${p.AttachmentCount} attachments · updated ${when(p.UpdateDate)}`));
  const out = h('div');
  const del = h('button', { type: 'button', class: 'danger', text: 'Delete policy' });
  action(del, out, async () => {
    if (!window.confirm(`Delete policy ${p.PolicyName}?`)) return;
    await iam('DeletePolicy', { PolicyArn: arn });
    location.hash = '#/policies';
  });
  view.append(h('div', { class: 'row' }, del), out);

  const doc = h('section', {}, h('h2', { text: 'Document' }));
  const versions = h('section');
  view.append(doc, versions);
  const showVersion = async (id) => {
    const v = await iam('GetPolicyVersion', { PolicyArn: arn, VersionId: id });
    doc.replaceChildren(h('h2', { text: `Document (version ${id})` }),
      h('pre', { tabIndex: 0, id: 'policy-document', 'aria-label': `Version ${id}` }, pretty(decodeDoc(v.PolicyVersion.Document))));
    return pretty(decodeDoc(v.PolicyVersion.Document));
  };
  const vout = h('div');
  const loadVersions = async () => {
    const l = await iam('ListPolicyVersions', { PolicyArn: arn });
    versions.replaceChildren(h('h2', { text: 'Versions' }), table('Versions', [
      ['Version', (v) => v.VersionId],
      ['Default', (v) => (v.IsDefaultVersion === 'true' ? 'default' : '')],
      ['Created', (v) => when(v.CreateDate)],
      ['', (v) => {
        const show = h('button', { type: 'button', text: 'Show', 'aria-label': `Show ${v.VersionId}` });
        action(show, vout, async () => { await showVersion(v.VersionId); });
        const def = h('button', { type: 'button', text: 'Make default', 'aria-label': `Make ${v.VersionId} the default` });
        action(def, vout, async () => { await iam('SetDefaultPolicyVersion', { PolicyArn: arn, VersionId: v.VersionId }); await loadVersions(); });
        const d = h('button', { type: 'button', class: 'danger', text: 'Delete', 'aria-label': `Delete ${v.VersionId}` });
        action(d, vout, async () => { await iam('DeletePolicyVersion', { PolicyArn: arn, VersionId: v.VersionId }); await loadVersions(); });
        return h('span', { class: 'row' }, show, v.IsDefaultVersion === 'true' ? null : def, v.IsDefaultVersion === 'true' ? null : d);
      }],
    ], list(l.Versions)), vout);
  };
  const current = await showVersion(p.DefaultVersionId);
  await loadVersions();

  const nout = h('div');
  const ed = policyEditor(current, 'identity', 'new-version');
  const def = h('input', { type: 'checkbox', id: 'new-version-default', checked: true });
  const form = h('form', { class: 'stack card' }, h('h2', { text: 'New version' }), ed.node,
    h('div', {}, def, ' ', h('label', { for: 'new-version-default', text: 'Make it the default version' })),
    h('button', { type: 'submit', class: 'primary', text: 'Create version' }));
  onSubmit(form, nout, async () => {
    try {
      await iam('CreatePolicyVersion', { PolicyArn: arn, PolicyDocument: ed.value(), SetAsDefault: def.checked ? 'true' : 'false' });
    } catch (e) {
      ed.showError(e);
      throw e;
    }
    nout.replaceChildren(ok('Version created.'));
    await loadVersions();
  });
  view.append(form, nout);

  const att = h('section', {}, h('h2', { text: 'Attached to' }));
  try {
    const e = await iam('ListEntitiesForPolicy', { PolicyArn: arn });
    const rows = [
      ...list(e.PolicyUsers).map((x) => ['User', x.UserName, `#/users/${encodeURIComponent(x.UserName)}`]),
      ...list(e.PolicyGroups).map((x) => ['Group', x.GroupName, `#/groups/${encodeURIComponent(x.GroupName)}`]),
      ...list(e.PolicyRoles).map((x) => ['Role', x.RoleName, `#/roles/${encodeURIComponent(x.RoleName)}`]),
    ];
    att.append(table('Attachments', [['Kind', (x) => x[0]], ['Name', (x) => link(x[2], x[1])]], rows, 'not attached'));
  } catch (e) {
    att.append(errorBox(e));
  }
  view.append(att);
}

/** Splits a list typed one per line or comma-separated. */
function items(s) { return s.split(/[\n,]+/).map((x) => x.trim()).filter(Boolean); }

export async function simulatorPage(view, s) {
  view.append(h('h1', { text: 'Policy simulator' }),
    h('p', { class: 'muted' }, 'What would the policies of a user, group or role decide? (SimulatePrincipalPolicy: nothing is changed.)'));
  const out = h('div');
  const [pf, principal] = field('User, group or role ARN', h('input', { id: 'sim-principal', required: true, value: s.root ? '' : s.arn }));
  const [af, actions] = field('Actions', h('input', { id: 'sim-actions', required: true, placeholder: 'ivs:GetChannel, ivs:StopStream' }), 'Comma-separated.');
  const [rf, resources] = field('Resource ARNs', h('textarea', { id: 'sim-resources', rows: 3, placeholder: '*' }), 'One a line; empty means "*".');
  const [cf, context] = field('Context keys', h('textarea', { id: 'sim-context', rows: 3, placeholder: 'aws:ResourceTag/Owner=alice' }),
    'One a line: key=value (several values: key=v1|v2).');
  const form = h('form', { class: 'stack card' }, pf, af, rf, cf, h('button', { type: 'submit', class: 'primary', id: 'sim-submit', text: 'Simulate' }));
  onSubmit(form, out, async () => {
    const entries = items(context.value.replace(/,/g, '\n')).map((line) => {
      const i = line.indexOf('=');
      const vals = line.slice(i + 1).split('|');
      return { ContextKeyName: line.slice(0, i).trim(), ContextKeyValues: vals, ContextKeyType: vals.length > 1 ? 'stringList' : 'string' };
    });
    const r = await iam('SimulatePrincipalPolicy', {
      PolicySourceArn: principal.value.trim(), ActionNames: items(actions.value),
      ResourceArns: items(resources.value).length ? items(resources.value) : undefined, ContextEntries: entries,
    });
    // One row per action and resource: the resource-specific results
    // when the action has them.
    const rows = list(r.EvaluationResults).flatMap((x) => (list(x.ResourceSpecificResults).length
      ? list(x.ResourceSpecificResults).map((rr) => ({ ...rr, EvalActionName: x.EvalActionName, EvalDecision: rr.EvalResourceDecision }))
      : [x]));
    out.replaceChildren(table('Results', [
      ['Action', (x) => x.EvalActionName],
      ['Resource', (x) => x.EvalResourceName],
      ['Decision', (x) => h('span', { class: `badge ${x.EvalDecision === 'allowed' ? 'live' : 'deny'}`, text: x.EvalDecision })],
      ['Deciding statements', (x) => h('ul', {}, list(x.MatchedStatements).map((m) => h('li', {},
        `${m.SourcePolicyId} (${m.SourcePolicyType})${m.StartPosition ? ` at line ${m.StartPosition.Line}, column ${m.StartPosition.Column}` : ''}`)))],
      ['Missing context keys', (x) => list(x.MissingContextValues).join(', ')],
    ], rows));
  });
  view.append(form, out);
}
