// IVS channels (live status, stream keys, stop, private playback, tags)
// and playback key pairs.
import { ivs, ivsTags } from '../api.js';
import { h, field, table, onSubmit, action, ok, errorBox, link, when, parseTags, secret } from '../ui.js';

const channelLink = (c) => link(`#/channels/${encodeURIComponent(c.arn)}`, c.name || c.arn.split('/').pop());

function select(id, options, value) {
  return h('select', { id }, options.map((o) => h('option', { value: o, text: o, selected: o === value })));
}

export async function channelsPage(view) {
  view.append(h('h1', { text: 'Channels' }));
  const listing = h('div', { id: 'channel-list' });
  const load = async () => {
    try {
      const [r, live] = await Promise.all([
        ivs('ListChannels', { maxResults: 100 }),
        ivs('ListStreams', { maxResults: 100 }).catch(() => ({ streams: [] })),
      ]);
      const onAir = new Set((live.streams || []).map((s) => s.channelArn));
      listing.replaceChildren(table('Channels', [
        ['Name', channelLink],
        ['ARN', (c) => c.arn],
        ['Latency', (c) => c.latencyMode],
        ['Playback', (c) => (c.authorized ? 'private' : 'public')],
        ['Status', (c) => (onAir.has(c.arn) ? h('span', { class: 'badge live', text: 'live' }) : 'offline')],
      ], r.channels || []));
    } catch (e) {
      listing.replaceChildren(errorBox(e));
    }
  };
  const out = h('div', { id: 'create-channel-result' });
  const [nf, name] = field('Name', h('input', { id: 'new-channel-name' }));
  const [lf, latency] = field('Latency mode', select('new-channel-latency', ['LOW', 'NORMAL'], 'LOW'));
  const [tyf, type] = field('Type', select('new-channel-type', ['STANDARD', 'BASIC', 'ADVANCED_SD', 'ADVANCED_HD'], 'STANDARD'));
  const priv = h('input', { type: 'checkbox', id: 'new-channel-private' });
  const [tf, tags] = field('Tags', h('input', { id: 'new-channel-tags', placeholder: 'team=live' }), 'key=value pairs, comma-separated.');
  const form = h('form', { class: 'stack card', id: 'create-channel-form' }, h('h2', { text: 'Create a channel' }), nf, lf, tyf,
    h('div', {}, priv, ' ', h('label', { for: 'new-channel-private', text: 'Private: playback needs a token signed with a playback key pair' })),
    tf, h('button', { type: 'submit', class: 'primary', id: 'create-channel-submit', text: 'Create channel' }));
  onSubmit(form, out, async () => {
    const r = await ivs('CreateChannel', { name: name.value.trim() || undefined, latencyMode: latency.value, type: type.value,
      authorized: priv.checked, tags: parseTags(tags.value) });
    out.replaceChildren(h('div', { class: 'ok', role: 'status' },
      h('p', {}, 'Created ', channelLink(r.channel), ': ', h('code', { class: 'created-channel-arn', text: r.channel.arn })),
      h('p', {}, `Ingest: rtmp://${r.channel.ingestEndpoint}/app/ · Playback: ${r.channel.playbackUrl}`),
      r.streamKey ? secret('Stream key', r.streamKey.value, 'new-stream-key') : null));
    form.reset();
    await load();
  });
  view.append(form, out, listing);
  await load();
}

export async function channelPage(view, arn) {
  const id = arn.split('/').pop();
  view.append(h('h1', { text: `Channel ${id}` }));
  let ch;
  try {
    ch = (await ivs('GetChannel', { arn })).channel;
  } catch (e) {
    view.append(h('p', {}, arn), errorBox(e), h('p', {}, link('#/channels', 'Back to the channels')));
    return;
  }
  view.querySelector('h1').textContent = `Channel ${ch.name || id}`;
  view.append(h('dl', { id: 'channel-details' },
    h('dt', { text: 'ARN' }), h('dd', { text: ch.arn }),
    h('dt', { text: 'Type and latency' }), h('dd', { text: `${ch.type}, ${ch.latencyMode}` }),
    h('dt', { text: 'Ingest endpoint' }), h('dd', { text: `rtmp://${ch.ingestEndpoint}/app/` }),
    h('dt', { text: 'Playback URL' }), h('dd', { text: ch.playbackUrl }),
    h('dt', { text: 'Playback' }), h('dd', { text: ch.authorized ? 'private (tokens required)' : 'public' })));

  // Live status and stop.
  const live = h('section', {}, h('h2', { text: 'Live status' }));
  const lout = h('div');
  const loadLive = async () => {
    live.replaceChildren(h('h2', { text: 'Live status' }));
    try {
      const s = (await ivs('GetStream', { channelArn: arn })).stream;
      const stop = h('button', { type: 'button', class: 'danger', id: 'stop-stream', text: 'Stop stream' });
      action(stop, lout, async () => { await ivs('StopStream', { channelArn: arn }); lout.replaceChildren(ok('Stream stopped.')); await loadLive(); });
      live.append(h('p', {}, h('span', { class: 'badge live', text: s.state }), ` since ${when(s.startTime)} · health ${s.health} · ${s.viewerCount} viewers`), stop, lout);
    } catch (e) {
      live.append(e.code === 'ChannelNotBroadcasting' ? h('p', { id: 'stream-offline', text: 'Offline: nothing is being streamed.' }) : errorBox(e), lout);
    }
  };
  view.append(live);
  await loadLive();

  // Stream keys: listed, revealed only on request (ivs:GetStreamKey).
  const keys = h('section', {}, h('h2', { text: 'Stream keys' }));
  view.append(keys);
  const kout = h('div', { id: 'stream-key-result' });
  try {
    const r = await ivs('ListStreamKeys', { channelArn: arn });
    keys.append(table('Stream keys', [
      ['ARN', (k) => k.arn],
      ['', (k) => {
        const b = h('button', { type: 'button', class: 'reveal-key', text: 'Reveal', 'aria-label': `Reveal stream key ${k.arn}` });
        action(b, kout, async () => {
          const got = await ivs('GetStreamKey', { arn: k.arn });
          kout.replaceChildren(secret('Stream key', got.streamKey.value, 'stream-key-value'));
        });
        return b;
      }],
    ], r.streamKeys || []), kout);
  } catch (e) {
    keys.append(errorBox(e));
  }

  // Settings, private playback included.
  const sout = h('div');
  const [nf, name] = field('Name', h('input', { value: ch.name || '', id: 'edit-channel-name' }));
  const [lf, latency] = field('Latency mode', select('edit-channel-latency', ['LOW', 'NORMAL'], ch.latencyMode));
  const priv = h('input', { type: 'checkbox', id: 'edit-channel-private', checked: !!ch.authorized });
  const form = h('form', { class: 'stack card' }, h('h2', { text: 'Settings' }), nf, lf,
    h('div', {}, priv, ' ', h('label', { for: 'edit-channel-private', text: 'Private playback (tokens signed with a ' }), link('#/playback-keys', 'playback key pair'), ')'),
    h('button', { type: 'submit', class: 'primary', text: 'Save settings' }));
  onSubmit(form, sout, async () => {
    await ivs('UpdateChannel', { arn, name: name.value.trim(), latencyMode: latency.value, authorized: priv.checked });
    sout.replaceChildren(ok('Settings saved.'));
  });
  view.append(form, sout);

  // Tags.
  const tagSec = h('section');
  const tout = h('div');
  const loadTags = async () => {
    tagSec.replaceChildren(h('h2', { text: 'Tags' }));
    try {
      const t = (await ivsTags('GET', arn)).tags || {};
      tagSec.append(table('Tags', [['Key', (x) => x[0]], ['Value', (x) => x[1]], ['', (x) => {
        const b = h('button', { type: 'button', class: 'danger', text: 'Remove', 'aria-label': `Remove tag ${x[0]}` });
        action(b, tout, async () => { await ivsTags('DELETE', arn, { keys: [x[0]] }); await loadTags(); });
        return b;
      }]], Object.entries(t)));
    } catch (e) {
      tagSec.append(errorBox(e));
    }
    const [af, add] = field('Add tags', h('input', { placeholder: 'key=value' }));
    const f = h('form', { class: 'row' }, af, h('button', { type: 'submit', text: 'Add' }));
    onSubmit(f, tout, async () => { await ivsTags('POST', arn, { tags: parseTags(add.value) }); await loadTags(); });
    tagSec.append(f, tout);
  };
  view.append(tagSec);
  await loadTags();

  const dout = h('div');
  const del = h('button', { type: 'button', class: 'danger', text: 'Delete channel' });
  action(del, dout, async () => {
    if (!window.confirm(`Delete channel ${ch.name || id}?`)) return;
    await ivs('DeleteChannel', { arn });
    location.hash = '#/channels';
  });
  view.append(h('h2', { text: 'Danger zone' }), del, dout);
}

export async function playbackKeysPage(view) {
  view.append(h('h1', { text: 'Playback key pairs' }),
    h('p', { class: 'muted' }, 'Private channels accept playback tokens signed with the private key of one of these pairs (ES384).'));
  const listing = h('div');
  const out = h('div');
  const load = async () => {
    try {
      const r = await ivs('ListPlaybackKeyPairs', { maxResults: 100 });
      listing.replaceChildren(table('Playback key pairs', [
        ['Name', (k) => k.name || ''], ['ARN', (k) => k.arn],
        ['', (k) => {
          const b = h('button', { type: 'button', class: 'danger', text: 'Delete', 'aria-label': `Delete ${k.arn}` });
          action(b, out, async () => { await ivs('DeletePlaybackKeyPair', { arn: k.arn }); await load(); });
          return b;
        }],
      ], r.keyPairs || []));
    } catch (e) {
      listing.replaceChildren(errorBox(e));
    }
  };
  const [nf, name] = field('Name', h('input', { id: 'key-pair-name' }));
  const [pf, pem] = field('Public key (PEM)', h('textarea', { class: 'code', rows: 6, id: 'key-pair-pem', required: true }), 'An ECDSA P-384 public key.');
  const [tf, tags] = field('Tags', h('input', {}), 'key=value pairs, comma-separated.');
  const form = h('form', { class: 'stack card' }, h('h2', { text: 'Import a key pair' }), nf, pf, tf, h('button', { type: 'submit', class: 'primary', text: 'Import' }));
  onSubmit(form, out, async () => {
    const r = await ivs('ImportPlaybackKeyPair', { name: name.value.trim() || undefined, publicKeyMaterial: pem.value, tags: parseTags(tags.value) });
    out.replaceChildren(ok(`Imported ${r.keyPair.arn} (fingerprint ${r.keyPair.fingerprint}).`));
    form.reset();
    await load();
  });
  view.append(form, out, listing);
  await load();
}
