package playback

import (
	"bytes"
	"testing"

	mp4 "github.com/abema/go-mp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"
)

func TestID3Text(t *testing.T) {
	tests := []struct{ name, value string }{
		{"json", `{"question":"first?"}`},
		{"empty", ""},
		{"utf-8", "héllo ✓"},
		{"past 127 bytes: syncsafe sizes", string(bytes.Repeat([]byte("x"), 1000))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tag := ID3Text(tc.value)
			syncsafe := func(b []byte) int { return int(b[0])<<21 | int(b[1])<<14 | int(b[2])<<7 | int(b[3]) }
			for _, b := range tag[6:10] {
				if b&0x80 != 0 {
					t.Fatalf("tag size is not syncsafe: % x", tag[6:10])
				}
			}
			if string(tag[:5]) != "ID3\x04\x00" || tag[5] != 0 || syncsafe(tag[6:10]) != len(tag)-10 || string(tag[10:14]) != "TXXX" ||
				syncsafe(tag[14:18]) != len(tag)-20 || tag[20] != 3 || tag[21] != 0 || string(tag[22:]) != tc.value {
				t.Fatalf("tag % x", tag)
			}
		})
	}
}

// fragment marshals one fMP4 fragment of track 1 with n samples of
// duration d from base.
func fragment(t *testing.T, seq uint32, base uint64, n int, d uint32) []byte {
	t.Helper()
	var samples []*fmp4.Sample
	for range n {
		samples = append(samples, &fmp4.Sample{Duration: d, Payload: []byte{0, 0, 0, 1, 9}})
	}
	var buf seekablebuffer.Buffer
	p := fmp4.Part{SequenceNumber: seq, Tracks: []*fmp4.PartTrack{{ID: 1, BaseTime: base, Samples: samples}}}
	if err := p.Marshal(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// boxes lists the top-level boxes of media, as go-mp4 reads them, with
// the presentation time and ID3 value of each emsg.
func boxes(t *testing.T, media []byte) []string {
	t.Helper()
	var out []string
	_, err := mp4.ReadBoxStructure(bytes.NewReader(media), func(h *mp4.ReadHandle) (any, error) {
		if len(h.Path) != 1 {
			return nil, nil
		}
		name := h.BoxInfo.Type.String()
		if h.BoxInfo.Type == mp4.BoxTypeEmsg() {
			box, _, err := h.ReadPayload()
			if err != nil {
				return nil, err
			}
			e := box.(*mp4.Emsg)
			if e.Version != 1 || e.SchemeIdUri != ID3SchemeURI || e.Value != "" || e.Timescale != 90000 {
				t.Fatalf("emsg %+v", e)
			}
			name = "emsg@" + itoa(e.PresentationTime) + ":" + string(e.MessageData[22:])
		}
		out = append(out, name)
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func itoa(v uint64) string {
	if v == 0 {
		return "0"
	}
	var b []byte
	for ; v > 0; v /= 10 {
		b = append([]byte{byte('0' + v%10)}, b...)
	}
	return string(b)
}

func TestMetadataGoesInTheFragmentOfItsTime(t *testing.T) {
	// Two fragments of 6 frames at 30 fps: [900000, 918000) and
	// [918000, 936000).
	first, second := fragment(t, 1, 900000, 6, 3000), fragment(t, 2, 918000, 6, 3000)
	segment := append(append([]byte{}, first...), second...)

	q := &metadataQueue{scale: 90000}
	q.stamp(899000) // nothing waits: nothing stamped
	q.add(ID3Text("a"))
	q.stamp(903000)
	q.add(ID3Text("b"))
	q.add(ID3Text("c"))
	q.stamp(918000)
	q.add(ID3Text("late"))
	q.stamp(936000) // past both fragments

	tests := []struct {
		name  string
		media []byte
		want  []string
	}{
		{"first part", first, []string{"emsg@903000:a", "moof", "mdat"}},
		{"second part", second, []string{"emsg@918000:b", "emsg@918000:c", "moof", "mdat"}},
		{"the whole segment: each payload once, before its fragment", segment,
			[]string{"emsg@903000:a", "moof", "mdat", "emsg@918000:b", "emsg@918000:c", "moof", "mdat"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := q.withMetadata(tc.media)
			if err != nil {
				t.Fatal(err)
			}
			got := boxes(t, out)
			if len(got) != len(tc.want) {
				t.Fatalf("boxes %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("boxes %v, want %v", got, tc.want)
				}
			}
		})
	}

	if _, err := q.withMetadata(append(append([]byte{}, first...), 0, 0, 0, 99, 'm')); err == nil {
		t.Fatal("a truncated box was accepted")
	}
}

func TestMetadataKeepsTheLatest(t *testing.T) {
	q := &metadataQueue{scale: 90000}
	for i := range keptMetadata + 10 {
		q.add([]byte{byte(i)})
		q.stamp(uint64(i))
	}
	if got := q.within(0, 10); len(got) != 0 {
		t.Fatalf("the oldest are kept: %d", len(got))
	}
	if got := q.within(0, 1<<40); len(got) != keptMetadata {
		t.Fatalf("kept %d, want %d", len(got), keptMetadata)
	}
}
