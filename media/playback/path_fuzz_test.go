package playback

import "testing"

// FuzzSplitPath: any request path is parsed without a panic, and a path
// accepted as a channel's is exactly the one its parts spell.
func FuzzSplitPath(f *testing.F) {
	for _, p := range []string{
		PathPrefix + "us-west-2.123456789012.channel.VgNkEJgOVX9N.m3u8",
		PathPrefix + "us-west-2.123456789012.channel.VgNkEJgOVX9N/index.m3u8",
		PathPrefix + "us-west-2.123456789012.channel.VgNkEJgOVX9N/seg_1.mp4",
		PathPrefix + "a.b.channel.c/",
		PathPrefix + "a.b.channel.c/d/e",
		PathPrefix + "..channel..m3u8",
		"/api/video/v1/",
		"/CreateChannel",
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		name, file, ok := splitPath(p)
		if !ok {
			return
		}
		want := MultivariantPath(name.region, name.account, name.id)
		if file != "" {
			want = PathPrefix + name.String() + "/" + file
		}
		if want != p {
			t.Fatalf("splitPath(%q) = %+v, %q: spells %q", p, name, file, want)
		}
	})
}
