package workload

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/gatehouse-iam/gatehouse/policy"
)

// W4Principal is one principal of workload W4: an IAM user with an access
// key and an identity policy of its own that names its own channel.
type W4Principal struct {
	// AccessKey is the principal's access key ID, the lookup key.
	AccessKey string
	// Principal is the IAM user.
	Principal *policy.Principal
	// Channel is the ID of the principal's own channel.
	Channel string
}

// Doc returns the principal's identity policy: W1Policy with its channel
// in place of VgNkEJgOVX9N, so that no two principals share a document.
func (w *W4Principal) Doc() []byte {
	return []byte(strings.ReplaceAll(W1Policy, W1Channel, w.Channel))
}

// W4Action is the action of every W4 request: the third statement of the
// principal's policy allows it on the principal's own channel.
const W4Action = "ivs:PutMetadata"

// W4 returns n principals, numbered 0 to n-1. Access keys and channel IDs
// are derived from the number by a bijective mix (13 base-32 or 11 base-62
// digits hold all 64 bits of it), so they are distinct and spread over the
// key space like real ones.
func W4(n int) []W4Principal {
	ps := make([]W4Principal, n)
	for i := range ps {
		h := mix(uint64(i))
		name := fmt.Sprintf("user-%07d", i)
		ps[i] = W4Principal{
			AccessKey: "AKIA" + base32(h, 13) + base32(mix(h), 3),
			Principal: user(name, "AIDA"+base32(mix(h), 13)+base32(h, 3)),
			Channel:   base62(mix(h), 1) + base62(h, 11),
		}
	}
	return ps
}

// W4Order returns the n principal numbers in a fixed pseudo-random order.
// Benchmarks cycle through it so that consecutive requests touch
// unrelated memory, as they would in a server, instead of walking the
// principals in the order they were built.
func W4Order(n int) []int {
	return rand.New(rand.NewPCG(0x6761746568, 0x6f757365)).Perm(n)
}

// W4Entry is what a server finds when it looks up an access key: the
// principal and its compiled policies. The directory holds it by value, so
// that the lookup's own memory access yields the Set's address.
type W4Entry struct {
	Principal *policy.Principal
	Set       *policy.Set
}

// W4Call is one request of the W4 benchmark loop: the access key the
// request was signed with and what it asks for. The principal comes from
// the lookup. The access key is the call's own copy, as a server parses it
// from the request, not the directory's string: sharing it would give the
// map's key comparison a pointer-equality shortcut no server has, and put
// the bytes to hash in a cold cache line no server has either.
type W4Call struct {
	AccessKey string
	Action    string
	Resource  string
}

// W4Directory compiles every principal's policy into its own Set and
// returns the access-key directory, together with one call per principal
// in W4Order.
func W4Directory(ps []W4Principal) (map[string]W4Entry, []W4Call, error) {
	dir := make(map[string]W4Entry, len(ps))
	for i := range ps {
		w := &ps[i]
		set, err := NewSet("user/"+w.Principal.Username, [][]byte{w.Doc()})
		if err != nil {
			return nil, nil, err
		}
		dir[w.AccessKey] = W4Entry{Principal: w.Principal, Set: set}
	}
	calls := make([]W4Call, len(ps))
	for i, j := range W4Order(len(ps)) {
		calls[i] = W4Call{AccessKey: strings.Clone(ps[j].AccessKey), Action: W4Action, Resource: ChannelARN(ps[j].Channel)}
	}
	return dir, calls, nil
}

// mix is splitmix64's finalizer, a bijection on uint64.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func base32(x uint64, n int) string {
	const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = digits[x%32]
		x /= 32
	}
	return string(b)
}

func base62(x uint64, n int) string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = digits[x%62]
		x /= 62
	}
	return string(b)
}
