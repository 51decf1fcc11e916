package policy

import (
	"bytes"
	"encoding/base64"
)

// BinaryEquals compares the bytes of base64-encoded values.

func decodeBase64(s string) ([]byte, bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	return b, true
}

func matchBinary(cv *cvalue, x string) bool {
	var arr [maxExpand]byte
	n := base64.StdEncoding.DecodedLen(len(x))
	var buf []byte
	if n > len(arr) {
		buf = make([]byte, n)
	} else {
		buf = arr[:n]
	}
	m, err := base64.StdEncoding.Decode(buf, []byte(x))
	if err != nil {
		return false
	}
	return bytes.Equal(buf[:m], cv.bin)
}
