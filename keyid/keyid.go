// Package keyid makes and reads access key ids that carry the id of their
// account, as AWS's access key ids have since 2019: after the four-letter
// prefix (AKIA, ASIA), sixteen base32 characters encode ten bytes whose
// first six hold the account id in bits 7 to 46, the rest being random. So
// sts:GetAccessKeyInfo answers for any key id this server made, long-term
// or temporary, stored or not, and tools that decode AWS key ids offline
// agree with it.
package keyid

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strconv"
)

const (
	// accountMask selects the account id within the first six bytes.
	accountMask = 0x7fffffffff80
	// maxAccount is the largest account id (twelve digits).
	maxAccount = 999_999_999_999
)

// New returns a new access key id with the prefix ("AKIA", "ASIA") that
// encodes account, a twelve-digit account id. For anything else it
// returns a wholly random id.
func New(prefix, account string) string {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("keyid: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	if n, err := strconv.ParseUint(account, 10, 64); err == nil && len(account) == 12 && n <= maxAccount {
		var head [8]byte
		copy(head[2:], b[:6])
		z := binary.BigEndian.Uint64(head[:])&^accountMask | n<<7
		binary.BigEndian.PutUint64(head[:], z)
		copy(b[:6], head[2:])
	}
	return prefix + base32.StdEncoding.EncodeToString(b[:])
}

// Account returns the account id an access key id of New's form encodes,
// or false when id is not of that form (twenty characters, the last
// sixteen base32) or encodes no twelve-digit account.
func Account(id string) (string, bool) {
	if len(id) != 20 {
		return "", false
	}
	var b [10]byte
	if n, err := base32.StdEncoding.Decode(b[:], []byte(id[4:])); err != nil || n != len(b) {
		return "", false
	}
	var head [8]byte
	copy(head[2:], b[:6])
	n := (binary.BigEndian.Uint64(head[:]) & accountMask) >> 7
	if n > maxAccount {
		return "", false
	}
	return fmt.Sprintf("%012d", n), true
}
