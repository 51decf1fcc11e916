package audit

import (
	"bytes"
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// Stored batches are compressed with zstd. The events of a batch repeat
// their field names, ARNs, user agents and addresses, so a batch shrinks
// several times over, and the store writes that much less: storing, not
// building, was most of what an event cost (BENCHMARKS.md). A stored value
// that does not begin with zstd's magic number is a batch of plain lines,
// as releases before this one stored them, and is read as it is.

var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// newBatchEncoder returns the encoder of the batches a Recorder stores:
// zstd's fastest level, one goroutine (the mover's own).
func newBatchEncoder() (*zstd.Encoder, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("audit: batch encoder: %w", err)
	}
	return enc, nil
}

// batchReader decodes stored batches for one query; its decoder is made at
// the first compressed batch.
type batchReader struct {
	dec *zstd.Decoder
}

// text returns the lines of the stored batch v.
func (r *batchReader) text(v []byte) ([]byte, error) {
	if !bytes.HasPrefix(v, zstdMagic) {
		return v, nil
	}
	if r.dec == nil {
		dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxBatchText))
		if err != nil {
			return nil, fmt.Errorf("audit: batch decoder: %w", err)
		}
		r.dec = dec
	}
	b, err := r.dec.DecodeAll(v, nil)
	if err != nil {
		return nil, fmt.Errorf("audit: a stored batch: %w", err)
	}
	return b, nil
}

// close releases the decoder.
func (r *batchReader) close() {
	if r.dec != nil {
		r.dec.Close()
	}
}

// maxBatchText bounds the memory of decoding one stored value, so that a
// corrupt or forged value cannot make a lookup allocate without limit; a
// real batch (at most maxBatch events of a few kilobytes) is far smaller.
const maxBatchText = 1 << 30
