// The audit trail: CloudTrail's LookupEvents with its filters, and the
// "why" of each decision.
import { lookupEvents, explain } from '../api.js';
import { h, field, table, onSubmit, errorBox, when } from '../ui.js';

const attributes = ['EventName', 'Username', 'EventSource', 'ResourceName', 'ResourceType', 'ReadOnly', 'AccessKeyId', 'EventId'];

function decisionOf(ev) {
  try {
    const rec = JSON.parse(ev.CloudTrailEvent);
    return { outcome: rec.decision?.outcome || '', error: rec.errorCode || '', requestId: rec.requestID || '' };
  } catch {
    return { outcome: '', error: '', requestId: '' };
  }
}

export async function auditPage(view) {
  view.append(h('h1', { text: 'Audit trail' }));
  const out = h('div', { id: 'audit-results' });
  const why = h('div', { id: 'audit-why', 'aria-live': 'polite' });
  const attr = h('select', { id: 'audit-attr' }, h('option', { value: '', text: '(any)' }), attributes.map((a) => h('option', { value: a, text: a })));
  const [af] = field('Filter by', attr);
  const [vf, value] = field('Value', h('input', { id: 'audit-value' }));
  const [sf, start] = field('From', h('input', { type: 'datetime-local', id: 'audit-start' }));
  const [ef, end] = field('Until', h('input', { type: 'datetime-local', id: 'audit-end' }));
  const form = h('form', { class: 'stack card', id: 'audit-form' }, h('div', { class: 'row' }, af, vf), h('div', { class: 'row' }, sf, ef),
    h('button', { type: 'submit', class: 'primary', id: 'audit-submit', text: 'Look up events' }));
  let next = '';
  const search = async (more) => {
    const input = { MaxResults: 50 };
    if (attr.value && value.value) input.LookupAttributes = [{ AttributeKey: attr.value, AttributeValue: value.value.trim() }];
    if (start.value) input.StartTime = new Date(start.value).getTime() / 1000;
    if (end.value) input.EndTime = new Date(end.value).getTime() / 1000;
    if (more) input.NextToken = next;
    const r = await lookupEvents(input);
    next = r.NextToken || '';
    const rows = (r.Events || []).map((ev) => ({ ev, d: decisionOf(ev) }));
    const t = table('Events, newest first', [
      ['Time', (x) => when(x.ev.EventTime)],
      ['User', (x) => x.ev.Username || ''],
      ['Event', (x) => `${(x.ev.EventSource || '').replace('.amazonaws.com', '')}:${x.ev.EventName}`],
      ['Decision', (x) => (x.d.outcome ? h('span', { class: `badge ${x.d.outcome === 'Allow' ? 'live' : 'deny'}`, text: x.d.outcome }) : '')],
      ['Error', (x) => x.d.error],
      ['', (x) => {
        if (!x.d.requestId) return '';
        const b = h('button', { type: 'button', class: 'why-button', text: 'Why?', 'aria-label': `Explain ${x.ev.EventName} at ${when(x.ev.EventTime)}` });
        b.addEventListener('click', async () => {
          why.replaceChildren(h('p', { class: 'muted', text: 'Loading the explanation…' }));
          try {
            const e = await explain(x.d.requestId);
            why.replaceChildren(h('h2', { text: `Why: ${x.ev.EventName}` }), h('pre', { tabIndex: 0, id: 'audit-explanation' }, e.explanation));
          } catch (err) {
            why.replaceChildren(errorBox(err));
          }
          why.scrollIntoView();
        });
        return b;
      }],
    ], rows, 'no events');
    if (more) out.append(t); else out.replaceChildren(t);
    if (next) {
      const b = h('button', { type: 'button', text: 'More events' });
      b.addEventListener('click', async () => { b.remove(); try { await search(true); } catch (e) { out.append(errorBox(e)); } });
      out.append(b);
    }
  };
  onSubmit(form, out, () => search(false));
  view.append(form, out, why);
  await search(false).catch((e) => out.replaceChildren(errorBox(e)));
}
