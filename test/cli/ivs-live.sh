#!/usr/bin/env bash
# A live stream through the unchanged AWS CLI: ffmpeg publishes H.264/AAC
# to the channel's ingest endpoint, rtmp://INGEST_ENDPOINT/app/STREAM_KEY,
# as an encoder does to IVS; get-stream, list-streams, put-metadata,
# get-stream-session and stop-stream follow the stream, and stop-stream
# disconnects ffmpeg.
#
# Environment: GATEHOUSE_ENDPOINT (http://127.0.0.1:4580) of a server with
# RTMP ingest on, the root user's AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
# AWS_CLI (default: aws) and FFMPEG (default: ffmpeg). Without ffmpeg the
# script skips, unless CI=true.
. "$(dirname "$0")/lib/common.sh"
export AWS_DEFAULT_REGION=us-west-2
# fields prints values of the JSON on stdin separated by spaces.
fields() { python3 -c "import json,sys; d=json.load(sys.stdin); print(*($1))"; }
ffmpeg=${FFMPEG:-ffmpeg}
if ! command -v "$ffmpeg" >/dev/null; then
  [ "${CI:-}" != true ] || fail "ffmpeg is not installed (apt-get install -y ffmpeg)"
  echo "ivs-live.sh: skipped: ffmpeg is not installed"
  exit 0
fi

out=$(gh ivs create-channel --name live-cli)
arn=$(echo "$out" | json 'd["channel"]["arn"]')
ingest=$(echo "$out" | json 'd["channel"]["ingestEndpoint"]')
key=$(echo "$out" | json 'd["streamKey"]["value"]')

log=$(mktemp)
"$ffmpeg" -hide_banner -nostdin -loglevel error -re -f lavfi -i testsrc=size=640x360:rate=30 -f lavfi -i sine \
  -c:v libx264 -preset ultrafast -tune zerolatency -g 60 -c:a aac -t 30 -f flv "rtmp://$ingest/app/$key" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT

# Live once ingest has read the first seconds of the tracks.
for _ in $(seq 150); do
  out=$(gh ivs get-stream --channel-arn "$arn" 2>&1) && break
  echo "$out" | grep -qF "(ChannelNotBroadcasting)" || fail "get-stream: $out"
  kill -0 "$pid" 2>/dev/null || fail "ffmpeg exited: $(cat "$log")"
  sleep 0.1
done
[ "$(echo "$out" | fields 'd["stream"]["state"], d["stream"]["health"], d["stream"]["viewerCount"]')" = "LIVE HEALTHY 0" ] || fail "get-stream: $out"
stream=$(echo "$out" | json 'd["stream"]["streamId"]')
[ "$(gh ivs list-streams | json '[s["streamId"] for s in d["streams"]]')" = "['$stream']" ] || fail "list-streams"
gh ivs put-metadata --channel-arn "$arn" --metadata '{"question":"first?"}' || fail "put-metadata while live"

out=$(gh ivs get-stream-session --channel-arn "$arn")
[ "$(echo "$out" | json 'd["streamSession"]["streamId"]')" = "$stream" ] || fail "get-stream-session: $out"
video=$(echo "$out" | json 'json.dumps(d["streamSession"]["ingestConfiguration"]["video"])')
[ "$(echo "$video" | fields 'd["codec"][:5], d["videoWidth"], d["videoHeight"], d["targetFramerate"]')" = "avc1. 640 360 30" ] ||
  fail "video configuration: $video"
audio=$(echo "$out" | json 'json.dumps(d["streamSession"]["ingestConfiguration"]["audio"])')
[ "$(echo "$audio" | fields 'd["codec"], d["sampleRate"], d["channels"]')" = "mp4a.40.2 44100 1" ] || fail "audio configuration: $audio"

# stop-stream disconnects the encoder.
gh ivs stop-stream --channel-arn "$arn"
for _ in $(seq 100); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "ffmpeg still publishes 10s after stop-stream"
out=$(gh ivs get-stream --channel-arn "$arn" 2>&1) && fail "live after stop-stream: $out"
echo "$out" | grep -qF "(ChannelNotBroadcasting) when calling the GetStream operation" || fail "get-stream after stop: $out"
out=$(gh ivs get-stream-session --channel-arn "$arn" --stream-id "$stream")
[ "$(echo "$out" | fields '"endTime" in d["streamSession"], d["streamSession"]["truncatedEvents"][-1]["name"]')" = "True Session Ended" ] ||
  fail "ended session: $out"
echo "ivs-live.sh: all checks passed"
