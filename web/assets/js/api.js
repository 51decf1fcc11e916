// The console API: every call carries the session cookie and the CSRF
// token, and the server serves it as the signed-in principal, as it
// serves the AWS API.

let csrf = '';

/** Sets the session's CSRF token, sent with every call. */
export function setCsrf(token) { csrf = token || ''; }

/** An error answered by the API: AWS's code and message, and the request id. */
export class ApiError extends Error {
  constructor(code, message, requestId, status) {
    super(message);
    this.code = code || 'Error';
    this.requestId = requestId || '';
    this.status = status;
  }
  /** AWS's reason clause of a denial ("no identity-based policy allows …"), or "". */
  get reason() {
    const i = this.message.indexOf(' because ');
    return this.code.startsWith('AccessDenied') && i >= 0 ? this.message.slice(i + 9) : '';
  }
  get signedOut() {
    return ['MissingAuthenticationToken', 'ExpiredToken', 'ExpiredTokenException', 'NotSignedIn',
      'MissingAuthenticationTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException'].includes(this.code);
  }
}

/** Listeners told when a call finds the session gone. */
const signedOutListeners = [];
export function onSignedOut(fn) { signedOutListeners.push(fn); }

function check(err) {
  if (err.signedOut) signedOutListeners.forEach((fn) => fn(err));
  throw err;
}

async function send(path, { method = 'POST', body, type, target } = {}) {
  const headers = { 'X-Gatehouse-Csrf': csrf };
  if (type) headers['Content-Type'] = type;
  if (target) headers['X-Amz-Target'] = target;
  let res;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError('NetworkError', `The server did not answer: ${e.message}`, '', 0);
  }
  return res;
}

/** Appends a value in the query protocol's form: lists as .member.N, structures as .Field. */
function flatten(form, name, v) {
  if (v === undefined || v === null || v === '') return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => flatten(form, `${name}.member.${i + 1}`, x));
  } else if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) flatten(form, `${name}.${k}`, x);
  } else {
    form.append(name, String(v));
  }
}

/** Converts a query-protocol XML element to plain data: lists of member become arrays. */
export function fromXML(el) {
  const kids = [...el.children];
  if (kids.length === 0) return el.textContent;
  if (kids.every((k) => k.localName === 'member')) return kids.map(fromXML);
  const o = {};
  for (const k of kids) o[k.localName] = fromXML(k);
  return o;
}

/** A list from fromXML: an empty list element reads as "". */
export function list(v) { return Array.isArray(v) ? v : []; }

/** Calls an IAM action with its parameters; resolves to the action's Result element as data. */
export async function iam(action, params = {}) {
  const form = new URLSearchParams({ Action: action, Version: '2010-05-08' });
  for (const [k, v] of Object.entries(params)) flatten(form, k, v);
  const res = await send('/console/api/iam', { body: form.toString(), type: 'application/x-www-form-urlencoded' });
  const text = await res.text();
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  const rid = res.headers.get('x-amzn-RequestId') || '';
  if (!res.ok) {
    const code = doc.querySelector('Error > Code')?.textContent;
    const msg = doc.querySelector('Error > Message')?.textContent || `HTTP ${res.status}`;
    check(new ApiError(code, msg, rid, res.status));
  }
  const result = [...doc.documentElement.children].find((c) => c.localName === `${action}Result`);
  return result ? fromXML(result) : {};
}

async function json(res) {
  const text = await res.text();
  let data = {};
  try { data = text ? JSON.parse(text) : {}; } catch { data = { message: text }; }
  if (!res.ok) {
    const rid = res.headers.get('x-amzn-RequestId') || '';
    const code = (res.headers.get('x-amzn-ErrorType') || data.__type || data.error?.code || '').split(':')[0].split('#').pop();
    const msg = data.message || data.Message || data.error?.message || `HTTP ${res.status}`;
    check(new ApiError(code, msg, rid, res.status));
  }
  return data;
}

/** Calls an IVS operation (REST-JSON): POST /Operation with a JSON body. */
export async function ivs(op, body = {}) {
  return json(await send(`/console/api/ivs/${op}`, { body: JSON.stringify(body), type: 'application/json' }));
}

/** The IVS tag operations, on /tags/ARN. */
export async function ivsTags(method, arn, { tags, keys } = {}) {
  let path = `/console/api/ivs/tags/${encodeURIComponent(arn)}`;
  if (keys) path += '?' + keys.map((k) => `tagKeys=${encodeURIComponent(k)}`).join('&');
  const body = tags ? JSON.stringify({ tags }) : undefined;
  return json(await send(path, { method, body, type: body ? 'application/json' : undefined }));
}

/** CloudTrail's LookupEvents. */
export async function lookupEvents(input) {
  return json(await send('/console/api/cloudtrail', {
    body: JSON.stringify(input), type: 'application/x-amz-json-1.1',
    target: 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents',
  }));
}

/** The explanation of an audit event by its request id. */
export async function explain(requestId) {
  return json(await send('/console/api/explain', { body: JSON.stringify({ requestId }), type: 'application/json' }));
}

/** Validates a policy document; resolves to {valid, problems: [{severity, line, column, message}]}. */
export async function validatePolicy(document, kind = 'identity') {
  return json(await send('/console/api/validate-policy', { body: JSON.stringify({ document, kind }), type: 'application/json' }));
}

/** The signed-in session, or null. */
export async function session() {
  const res = await fetch('/console/api/session', { credentials: 'same-origin' });
  if (res.status === 401) return null;
  return json(res);
}

export async function signIn(input) {
  return json(await send('/console/api/signin', { body: JSON.stringify(input), type: 'application/json' }));
}

export async function signInMFA(code) {
  return json(await send('/console/api/signin/mfa', { body: JSON.stringify({ code }), type: 'application/json' }));
}

export async function signOut() {
  await send('/console/api/signout');
  setCsrf('');
}
