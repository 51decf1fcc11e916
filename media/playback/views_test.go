package playback

import (
	"strings"
	"testing"
	"time"
)

func TestViews(t *testing.T) {
	const timeout = 30 * time.Second
	type step struct {
		at     time.Duration // since testNow
		action string        // "start", "touch <view>", "client <key>", "forged"
		want   int           // views counted after the step
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"a view counts from its multivariant playlist until it stops asking", []step{
			{0, "start", 1},
			{10 * time.Second, "touch 0", 1},
			{35 * time.Second, "count", 1},
			{41 * time.Second, "count", 0},
		}},
		{"two players are two views", []step{
			{0, "start", 1},
			{time.Second, "start", 2},
			{2 * time.Second, "touch 0", 2},
			{2 * time.Second, "touch 1", 2},
		}},
		{"a client without a view id counts once, by address and agent", []step{
			{0, "client 10.0.0.1 ffmpeg", 1},
			{time.Second, "client 10.0.0.1 ffmpeg", 1},
			{5 * time.Second, "client 10.0.0.2 ffmpeg", 2},
			{32 * time.Second, "count", 1},
		}},
		{"a made-up view id counts as its client", []step{
			{0, "forged", 1},
			{time.Second, "forged", 1},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newViews(timeout)
			var ids []string
			for i, s := range tc.steps {
				now := testNow.Add(s.at)
				switch kind, arg, _ := strings.Cut(s.action, " "); kind {
				case "start":
					id := v.start(now)
					if len(id) != 24 {
						t.Fatalf("view id %q", id)
					}
					ids = append(ids, id)
				case "touch":
					v.touch(ids[int(arg[0]-'0')], "c", now)
				case "client":
					v.touch("", arg, now)
				case "forged":
					v.touch("0123456789abcdef01234567", "10.0.0.9 curl", now)
				}
				if got := v.count(now); got != s.want {
					t.Fatalf("step %d (%s): %d views, want %d", i, s.action, got, s.want)
				}
			}
		})
	}
}
