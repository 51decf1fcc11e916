package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"
)

// DefaultMaxSkew is the clock-skew window AWS allows between the signing
// time and the server's clock.
const DefaultMaxSkew = 5 * time.Minute

// DefaultKeyCacheSize is the number of derived signing keys a Verifier keeps
// unless Options.KeyCacheSize says otherwise: one per access key, service
// and region in use on a day. Each takes about 250 bytes; a server whose
// active keys outnumber its cache derives a key on most requests (see
// BenchmarkVerifyManyKeys).
const DefaultKeyCacheSize = 16384

// Options configure a Verifier. The zero value gives AWS behaviour.
type Options struct {
	// MaxSkew is the allowed difference between the signing time and the
	// clock, in both directions. Zero means DefaultMaxSkew.
	MaxSkew time.Duration
	// KeyCacheSize bounds the signing-key cache. Zero means
	// DefaultKeyCacheSize; a negative value disables caching.
	KeyCacheSize int
	// HostHeader, when set, names a header (such as "X-Forwarded-Host")
	// whose first value is used as the signed "host" instead of
	// Request.Host. Set it only behind a proxy that rewrites Host.
	HostHeader string
	// RejectUnsignedPayload makes Parse refuse X-Amz-Content-Sha256:
	// UNSIGNED-PAYLOAD, for deployments that want every body signed.
	RejectUnsignedPayload bool
}

// Verifier checks SigV4 signatures. It holds the clock, the options and a
// cache of derived signing keys. A Verifier is safe for concurrent use.
type Verifier struct {
	now     func() time.Time
	opts    Options
	maxSkew time.Duration
	keys    *keyCache // nil when caching is disabled
	scratch sync.Pool // *scratch
}

// NewVerifier returns a Verifier that reads the time from now (for example
// a clock's Now method). It panics if now is nil.
func NewVerifier(now func() time.Time, opts Options) *Verifier {
	if now == nil {
		panic("sigv4: NewVerifier needs a clock")
	}
	v := &Verifier{now: now, opts: opts, maxSkew: opts.MaxSkew}
	if v.maxSkew <= 0 {
		v.maxSkew = DefaultMaxSkew
	}
	switch size := opts.KeyCacheSize; {
	case size == 0:
		v.keys = newKeyCache(DefaultKeyCacheSize)
	case size > 0:
		v.keys = newKeyCache(size)
	}
	v.scratch.New = func() any { return newScratch() }
	return v
}

// Verify computes the signature of the request s was parsed from, with the
// secret access key of s.AccessKeyID and the request body, and compares it
// with the one the client sent, in constant time. body must be the complete
// body; when X-Amz-Content-Sha256 carries a hash, it must be the body's.
//
// Verify accepts the path both normalized (dot segments and repeated slashes
// removed, as botocore signs) and as sent (as aws-sdk-go-v2 signs). For a
// presigned request carrying X-Amz-Security-Token it also accepts a
// signature computed before the token was appended.
//
// Errors are *Error values of kind SignatureDoesNotMatch.
func (v *Verifier) Verify(s *Signed, secret string, body []byte) error {
	return v.verify(s, secret, nil, body)
}

// VerifySecret is Verify with the secret held in sec, which also keeps
// the signing keys derived from it: a caller that keeps one Secret per
// access key (as the server's key cache does) finds the key there
// without a lookup in the Verifier's cache.
func (v *Verifier) VerifySecret(s *Signed, sec *Secret, body []byte) error {
	return v.verify(s, sec.value, sec, body)
}

// verify is Verify, with the derived signing keys kept in sec, or in the
// Verifier's cache when sec is nil.
func (v *Verifier) verify(s *Signed, secret string, sec *Secret, body []byte) error {
	if s == nil || s.req == nil {
		return errMismatch()
	}
	var payload [64]byte
	n, err := payloadHash(&payload, s.ContentSHA256, body)
	if err != nil {
		return err
	}

	sc := v.scratch.Get().(*scratch)
	defer v.putScratch(sc)

	var (
		key        [32]byte
		cached     bool
		secretHash [32]byte
		ck         cacheKey
	)
	if sec != nil {
		key, cached = sec.key(&s.Scope)
	} else {
		sc.tmp = append(sc.tmp[:0], secret...)
		secretHash = sha256.Sum256(sc.tmp)
		clear(sc.tmp)
		ck = cacheKey{s.AccessKeyID, s.Scope.Date, s.Scope.Region, s.Scope.Service}
		key, cached = v.keys.get(&ck, &secretHash)
	}
	if !cached {
		key = deriveSigningKey(secret, &s.Scope)
	}

	in := s.canonicalInput(payload[:n])
	for _, dropToken := range [2]bool{false, true} {
		if dropToken && !s.tokenInQuery {
			break
		}
		for _, normalize := range [2]bool{true, false} {
			if !normalize && !pathNeedsNormalizing(s.path) {
				break
			}
			in.normalize, in.dropToken = normalize, dropToken
			sig, ok := sc.sign(&in, s.amzDate[:], &s.Scope, &key)
			if ok && hmac.Equal(sig[:], s.signature[:]) {
				switch {
				case cached:
				case sec != nil:
					sec.keep(&s.Scope, &key)
				default:
					v.keys.put(&ck, &secretHash, &key)
				}
				return nil
			}
		}
	}
	return errMismatch()
}

// canonicalInput describes the request s was parsed from, with the given
// payload line; the variant fields (normalize, dropToken) are left false.
func (s *Signed) canonicalInput(payloadHash []byte) canonicalInput {
	return canonicalInput{
		method:        s.req.Method,
		path:          s.path,
		query:         s.query,
		presigned:     s.Presigned,
		header:        s.req.Header,
		host:          s.host,
		contentLength: s.req.ContentLength,
		signedHeaders: s.signedHeaders,
		payloadHash:   payloadHash,
	}
}

// payloadHash writes the payload line of the canonical request into dst and
// returns its length: the body's hex SHA-256, or the X-Amz-Content-Sha256
// value after checking that a hash in it is the body's.
func payloadHash(dst *[64]byte, header string, body []byte) (int, error) {
	switch header {
	case "":
		sum := sha256.Sum256(body)
		return hex.Encode(dst[:], sum[:]), nil
	case unsignedPayload:
		return copy(dst[:], header), nil
	}
	var claimed [32]byte
	if !decodeSignature(&claimed, header) || claimed != sha256.Sum256(body) {
		return 0, &Error{Kind: SignatureDoesNotMatch, Msg: msgContentSHAMismatch}
	}
	return copy(dst[:], header), nil
}

// scratch holds the buffers of one verification or signing, pooled so the
// hot path does not allocate.
type scratch struct {
	creq  []byte  // canonical request
	sts   []byte  // 64-byte HMAC inner pad, then the string to sign
	q     []byte  // encoded query names and values
	pairs []qpair // query pairs, located in q
	tmp   []byte
}

func newScratch() *scratch {
	return &scratch{
		creq:  make([]byte, 0, 1024),
		sts:   make([]byte, 0, 256),
		q:     make([]byte, 0, 256),
		pairs: make([]qpair, 0, 16),
		tmp:   make([]byte, 0, 64),
	}
}

const maxPooledBuffer = 64 << 10

func (v *Verifier) putScratch(sc *scratch) {
	if cap(sc.creq) > maxPooledBuffer || cap(sc.q) > maxPooledBuffer || cap(sc.tmp) > maxPooledBuffer {
		return // do not pin memory after an unusually large request
	}
	v.scratch.Put(sc)
}

// sign builds the canonical request and the string to sign in sc and
// returns the signature. It reports false when the canonical request cannot
// be built (a signed header is missing).
func (sc *scratch) sign(in *canonicalInput, amzDate []byte, scope *Scope, key *[32]byte) ([32]byte, bool) {
	var ok bool
	if sc.creq, ok = appendCanonicalRequest(sc.creq[:0], sc, in); !ok {
		return [32]byte{}, false
	}
	creqHash := sha256.Sum256(sc.creq)
	// HMAC-SHA256 with a 32-byte key, written out so that the inner pad and
	// the message share one buffer and nothing is allocated.
	sts := sc.sts[:64]
	for i := range sts {
		sts[i] = 0x36
	}
	for i, k := range key {
		sts[i] ^= k
	}
	sts = appendStringToSign(sts, amzDate, scope, &creqHash)
	sc.sts = sts
	inner := sha256.Sum256(sts)
	var outer [64 + sha256.Size]byte
	for i := range 64 {
		outer[i] = 0x5c
	}
	for i, k := range key {
		outer[i] ^= k
	}
	copy(outer[64:], inner[:])
	return sha256.Sum256(outer[:]), true
}

// stringToSign returns the string to sign last built by sign.
func (sc *scratch) stringToSign() []byte { return sc.sts[64:] }

// deriveSigningKey computes
//
//	HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")
//
// on the stack: a request whose key is not cached (a busy server sees
// more access keys than its cache holds) allocates nothing for it.
func deriveSigningKey(secret string, scope *Scope) [32]byte {
	var key [sha256.BlockSize]byte
	if len("AWS4")+len(secret) > len(key) {
		// HMAC hashes a key longer than the block.
		h := sha256.New()
		h.Write([]byte("AWS4"))
		h.Write([]byte(secret))
		h.Sum(key[:0])
	} else {
		copy(key[copy(key[:], "AWS4"):], secret)
	}
	k := hmacBlock(&key, scope.Date)
	k = hmacKey(&k, scope.Region)
	k = hmacKey(&k, scope.Service)
	return hmacKey(&k, terminator)
}

// hmacKey is HMAC-SHA256 keyed with a previous MAC.
func hmacKey(k *[32]byte, data string) [32]byte {
	var key [sha256.BlockSize]byte
	copy(key[:], k[:])
	return hmacBlock(&key, data)
}

// hmacBlock is HMAC-SHA256 with a key padded to the block size, in stack
// buffers when data is short (the scope's fields are).
func hmacBlock(key *[sha256.BlockSize]byte, data string) [32]byte {
	const short = 64
	if len(data) > short {
		h := hmac.New(sha256.New, key[:])
		h.Write([]byte(data))
		return [32]byte(h.Sum(nil))
	}
	var inner [sha256.BlockSize + short]byte
	for i, b := range key {
		inner[i] = b ^ 0x36
	}
	n := sha256.BlockSize + copy(inner[sha256.BlockSize:], data)
	sum := sha256.Sum256(inner[:n])
	var outer [sha256.BlockSize + sha256.Size]byte
	for i, b := range key {
		outer[i] = b ^ 0x5c
	}
	copy(outer[sha256.BlockSize:], sum[:])
	return sha256.Sum256(outer[:])
}
