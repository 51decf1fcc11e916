package playback

import (
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestVerifyRules(t *testing.T) {
	t.Parallel()
	priv := newKey(t, elliptic.P384())
	pub, _, err := ParsePublicKey(publicPEM(t, &priv.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	sec := testNow.Unix()

	tests := []struct {
		name    string
		claims  func(c jwt.MapClaims) // edits baseClaims
		req     func(r *Request)      // edits the default request
		wantErr error                 // nil: allowed
		msg     string                // substring of the error message
		check   func(*testing.T, *Claims)
	}{
		{name: "minimal token", check: func(t *testing.T, c *Claims) {
			if c.ChannelARN != testChannel || !c.Expires.Equal(testNow.Add(time.Hour)) || c.KeyID != "k1" ||
				c.AllowOrigin != nil || c.ViewerSessionVersion != 0 || c.MaximumResolution != "" {
				t.Fatalf("claims = %+v", c)
			}
		}},
		{name: "unknown claims ignored", claims: func(c jwt.MapClaims) { c["iat"] = sec; c["foo"] = []int{1} }},

		// aws:channel-arn
		{name: "channel missing", claims: func(c jwt.MapClaims) { delete(c, ClaimChannelARN) }, wantErr: ErrMalformed, msg: "required claim aws:channel-arn is missing"},
		{name: "channel not a string", claims: func(c jwt.MapClaims) { c[ClaimChannelARN] = 7 }, wantErr: ErrMalformed, msg: "must be a string, got number 7"},
		{name: "channel empty", claims: func(c jwt.MapClaims) { c[ClaimChannelARN] = "" }, wantErr: ErrMalformed, msg: "is empty"},
		{name: "other channel", claims: func(c jwt.MapClaims) { c[ClaimChannelARN] = otherChan }, wantErr: ErrWrongChannel, msg: "token is for " + otherChan},
		{name: "channel differs in case", claims: func(c jwt.MapClaims) { c[ClaimChannelARN] = strings.ToUpper(testChannel) }, wantErr: ErrWrongChannel},

		// exp
		{name: "exp missing", claims: func(c jwt.MapClaims) { delete(c, ClaimExpiry) }, wantErr: ErrMalformed, msg: "required claim exp is missing"},
		{name: "exp string", claims: func(c jwt.MapClaims) { c[ClaimExpiry] = "1700000000" }, wantErr: ErrMalformed, msg: `must be an integer, got string "1700000000"`},
		{name: "exp fractional", claims: func(c jwt.MapClaims) { c[ClaimExpiry] = float64(sec) + 0.5 }, wantErr: ErrMalformed, msg: "64-bit integer"},
		{name: "exp overflows int64", claims: func(c jwt.MapClaims) { c[ClaimExpiry] = json.Number("99999999999999999999") }, wantErr: ErrMalformed},
		{name: "exp one second ahead", claims: func(c jwt.MapClaims) { c[ClaimExpiry] = sec + 1 }},
		{name: "exp equals now", claims: func(c jwt.MapClaims) { c[ClaimExpiry] = sec }, wantErr: ErrExpired, msg: "is not after now"},
		{name: "exp past", claims: func(c jwt.MapClaims) { c[ClaimExpiry] = sec - 3600 }, wantErr: ErrExpired},
		{name: "exp in milliseconds is far future", claims: func(c jwt.MapClaims) { c[ClaimExpiry] = testNow.Add(time.Minute).UnixMilli() }},
		{name: "exp past not rechecked for media", claims: func(c jwt.MapClaims) { c[ClaimExpiry] = sec - 3600 }, req: func(r *Request) { r.Fetch = FetchMedia }},

		// 10-minute bound
		{name: "viewer-id exp 10m ahead", claims: func(c jwt.MapClaims) { c[ClaimViewerID] = "v"; c[ClaimExpiry] = sec + 600 }},
		{name: "viewer-id exp 10m1s ahead", claims: func(c jwt.MapClaims) { c[ClaimViewerID] = "v"; c[ClaimExpiry] = sec + 601 }, wantErr: ErrExpiryTooFar, msg: "aws:viewer-id may expire at most 10m0s ahead"},
		{name: "viewer-id exp in milliseconds", claims: func(c jwt.MapClaims) { c[ClaimViewerID] = "v"; c[ClaimExpiry] = testNow.UnixMilli() }, wantErr: ErrExpiryTooFar},
		{name: "single-use exp 10m ahead", claims: func(c jwt.MapClaims) { c[ClaimSingleUseUUID] = "u1"; c[ClaimExpiry] = sec + 600 }},
		{name: "single-use exp 1h ahead", claims: func(c jwt.MapClaims) { c[ClaimSingleUseUUID] = "u1" }, wantErr: ErrExpiryTooFar, msg: "aws:single-use-uuid"},

		// aws:viewer-id and aws:viewer-session-version
		{name: "viewer-id 40 chars", claims: func(c jwt.MapClaims) { c[ClaimViewerID] = strings.Repeat("é", 40); c[ClaimExpiry] = sec + 60 }},
		{name: "viewer-id 41 chars", claims: func(c jwt.MapClaims) { c[ClaimViewerID] = strings.Repeat("a", 41); c[ClaimExpiry] = sec + 60 }, wantErr: ErrMalformed, msg: "is 41 characters; it must be 1 to 40"},
		{name: "viewer-id empty", claims: func(c jwt.MapClaims) { c[ClaimViewerID] = ""; c[ClaimExpiry] = sec + 60 }, wantErr: ErrMalformed},
		{name: "viewer-id number", claims: func(c jwt.MapClaims) { c[ClaimViewerID] = 12; c[ClaimExpiry] = sec + 60 }, wantErr: ErrMalformed, msg: "must be a string"},
		{name: "session version read", claims: func(c jwt.MapClaims) {
			c[ClaimViewerID] = "v"
			c[ClaimViewerSessionVersion] = int64(1) << 40
			c[ClaimExpiry] = sec + 60
		},
			check: func(t *testing.T, c *Claims) {
				if c.ViewerID != "v" || c.ViewerSessionVersion != 1<<40 {
					t.Fatalf("claims = %+v", c)
				}
			}},
		{name: "session version string", claims: func(c jwt.MapClaims) { c[ClaimViewerSessionVersion] = "1" }, wantErr: ErrMalformed, msg: "aws:viewer-session-version must be an integer"},
		{name: "session version fractional", claims: func(c jwt.MapClaims) { c[ClaimViewerSessionVersion] = 1.5 }, wantErr: ErrMalformed},

		// revocation
		{name: "revoked at default version 0", claims: func(c jwt.MapClaims) { c[ClaimViewerID] = "bob"; c[ClaimExpiry] = sec + 60 },
			req: func(r *Request) { r.Revocations = revocations{testChannel + "|bob": 0} }, wantErr: ErrRevoked, msg: `viewer "bob" session version 0`},
		{name: "revoked version equal threshold", claims: func(c jwt.MapClaims) {
			c[ClaimViewerID] = "bob"
			c[ClaimViewerSessionVersion] = 3
			c[ClaimExpiry] = sec + 60
		},
			req: func(r *Request) { r.Revocations = revocations{testChannel + "|bob": 3} }, wantErr: ErrRevoked},
		{name: "newer session survives revocation", claims: func(c jwt.MapClaims) {
			c[ClaimViewerID] = "bob"
			c[ClaimViewerSessionVersion] = 4
			c[ClaimExpiry] = sec + 60
		},
			req: func(r *Request) { r.Revocations = revocations{testChannel + "|bob": 3} }},
		{name: "revocation of another viewer", claims: func(c jwt.MapClaims) { c[ClaimViewerID] = "alice"; c[ClaimExpiry] = sec + 60 },
			req: func(r *Request) { r.Revocations = revocations{testChannel + "|bob": 9} }},
		{name: "revocation of another channel", claims: func(c jwt.MapClaims) { c[ClaimViewerID] = "bob"; c[ClaimExpiry] = sec + 60 },
			req: func(r *Request) { r.Revocations = revocations{otherChan + "|bob": 9} }},
		{name: "revoked also on media requests", claims: func(c jwt.MapClaims) { c[ClaimViewerID] = "bob"; c[ClaimExpiry] = sec - 60 },
			req: func(r *Request) { r.Fetch = FetchMedia; r.Revocations = revocations{testChannel + "|bob": 0} }, wantErr: ErrRevoked},
		{name: "revocation lookup fails closed", claims: func(c jwt.MapClaims) { c[ClaimViewerID] = "bob"; c[ClaimExpiry] = sec + 60 },
			req: func(r *Request) {
				r.Revocations = RevokedFunc(func(string, string, int64) (bool, error) { return false, errors.New("db down") })
			}, msg: "revocation lookup: db down"},
		{name: "viewer-id without revocation lookup", claims: func(c jwt.MapClaims) { c[ClaimViewerID] = "bob"; c[ClaimExpiry] = sec + 60 },
			req: func(r *Request) { r.Revocations = nil }, msg: "Request.Revocations is nil"},

		// single use
		{name: "single-use uuid not a string", claims: func(c jwt.MapClaims) { c[ClaimSingleUseUUID] = true; c[ClaimExpiry] = sec + 60 }, wantErr: ErrMalformed, msg: "must be a string, got boolean true"},
		{name: "single-use uuid empty", claims: func(c jwt.MapClaims) { c[ClaimSingleUseUUID] = ""; c[ClaimExpiry] = sec + 60 }, wantErr: ErrMalformed},
		{name: "single-use already consumed", claims: func(c jwt.MapClaims) { c[ClaimSingleUseUUID] = "u-used"; c[ClaimExpiry] = sec + 60 },
			req: func(r *Request) {
				su := &singleUse{}
				_, _ = su.Consume(testChannel, "u-used", testNow)
				r.SingleUse = su
			}, wantErr: ErrReplayed, msg: `"u-used"`},
		{name: "single-use not consumed on media requests", claims: func(c jwt.MapClaims) { c[ClaimSingleUseUUID] = "u-used"; c[ClaimExpiry] = sec + 60 },
			req: func(r *Request) {
				r.Fetch = FetchMedia
				r.SingleUse = ConsumeFunc(func(string, string, time.Time) (bool, error) { return false, nil })
			}},
		{name: "single-use without store", claims: func(c jwt.MapClaims) { c[ClaimSingleUseUUID] = "u"; c[ClaimExpiry] = sec + 60 },
			req: func(r *Request) { r.SingleUse = nil }, msg: "Request.SingleUse is nil"},
		{name: "single-use store error", claims: func(c jwt.MapClaims) { c[ClaimSingleUseUUID] = "u"; c[ClaimExpiry] = sec + 60 },
			req: func(r *Request) {
				r.SingleUse = ConsumeFunc(func(string, string, time.Time) (bool, error) { return false, errors.New("disk full") })
			}, msg: "single-use record: disk full"},
		{name: "single-use not consumed when refused", claims: func(c jwt.MapClaims) {
			c[ClaimSingleUseUUID] = "u"
			c[ClaimExpiry] = sec + 60
			c[ClaimAllowOrigin] = "https://a.test"
		},
			req: func(r *Request) {
				r.Origin = "https://b.test"
				r.SingleUse = ConsumeFunc(func(string, string, time.Time) (bool, error) { panic("consumed a refused token") })
			}, wantErr: ErrOriginNotAllowed},

		// aws:access-control-allow-origin and aws:strict-origin-enforcement
		{name: "no allow-origin claim, browser", req: func(r *Request) { r.Origin = "https://any.test" }},
		{name: "allow-origin star", claims: func(c jwt.MapClaims) { c[ClaimAllowOrigin] = "*" }, req: func(r *Request) { r.Origin = "https://any.test" }},
		{name: "allow-origin list match", claims: func(c jwt.MapClaims) { c[ClaimAllowOrigin] = "https://a.test, https://b.test" }, req: func(r *Request) { r.Origin = "https://b.test" },
			check: func(t *testing.T, c *Claims) {
				if strings.Join(c.AllowOrigin, "|") != "https://a.test|https://b.test" {
					t.Fatalf("AllowOrigin = %q", c.AllowOrigin)
				}
			}},
		{name: "allow-origin wildcard match", claims: func(c jwt.MapClaims) { c[ClaimAllowOrigin] = "https://*.example.com" }, req: func(r *Request) { r.Origin = "https://tv.example.com" }},
		{name: "allow-origin wildcard needs a label", claims: func(c jwt.MapClaims) { c[ClaimAllowOrigin] = "https://*.example.com" }, req: func(r *Request) { r.Origin = "https://example.com" }, wantErr: ErrOriginNotAllowed},
		{name: "allow-origin mismatch", claims: func(c jwt.MapClaims) { c[ClaimAllowOrigin] = "https://a.test" }, req: func(r *Request) { r.Origin = "https://evil.test" },
			wantErr: ErrOriginNotAllowed, msg: `origin "https://evil.test" is not in aws:access-control-allow-origin (https://a.test)`},
		{name: "allow-origin scheme mismatch", claims: func(c jwt.MapClaims) { c[ClaimAllowOrigin] = "https://a.test" }, req: func(r *Request) { r.Origin = "http://a.test" }, wantErr: ErrOriginNotAllowed},
		{name: "allow-origin not applied without Origin", claims: func(c jwt.MapClaims) { c[ClaimAllowOrigin] = "https://a.test" }},
		{name: "allow-origin not applied on media requests", claims: func(c jwt.MapClaims) { c[ClaimAllowOrigin] = "https://a.test" }, req: func(r *Request) { r.Fetch = FetchMedia; r.Origin = "https://evil.test" }},
		{name: "allow-origin empty", claims: func(c jwt.MapClaims) { c[ClaimAllowOrigin] = " , " }, wantErr: ErrMalformed, msg: "lists no origin"},
		{name: "allow-origin not a string", claims: func(c jwt.MapClaims) { c[ClaimAllowOrigin] = []string{"*"} }, wantErr: ErrMalformed, msg: "got an array"},
		{name: "strict needs Origin", claims: func(c jwt.MapClaims) { c[ClaimAllowOrigin] = "https://a.test"; c[ClaimStrictOriginEnforcement] = true },
			wantErr: ErrOriginNotAllowed, msg: "no Origin header"},
		{name: "strict needs Origin on media requests", claims: func(c jwt.MapClaims) { c[ClaimAllowOrigin] = "*"; c[ClaimStrictOriginEnforcement] = true },
			req: func(r *Request) { r.Fetch = FetchMedia }, wantErr: ErrOriginNotAllowed},
		{name: "strict checks Origin on media requests", claims: func(c jwt.MapClaims) { c[ClaimAllowOrigin] = "https://a.test"; c[ClaimStrictOriginEnforcement] = true },
			req: func(r *Request) { r.Fetch = FetchMedia; r.Origin = "https://b.test" }, wantErr: ErrOriginNotAllowed},
		{name: "strict with matching Origin", claims: func(c jwt.MapClaims) { c[ClaimAllowOrigin] = "https://a.test"; c[ClaimStrictOriginEnforcement] = true },
			req: func(r *Request) { r.Fetch = FetchMedia; r.Origin = "https://a.test" }},
		{name: "strict false is lax", claims: func(c jwt.MapClaims) { c[ClaimAllowOrigin] = "https://a.test"; c[ClaimStrictOriginEnforcement] = false }},
		{name: "strict with 5 origins", claims: func(c jwt.MapClaims) {
			c[ClaimAllowOrigin] = "https://1.test,https://2.test,https://3.test,https://4.test,https://5.test"
			c[ClaimStrictOriginEnforcement] = true
		}, req: func(r *Request) { r.Origin = "https://5.test" }},
		{name: "strict with 6 origins", claims: func(c jwt.MapClaims) {
			c[ClaimAllowOrigin] = "https://1.test,https://2.test,https://3.test,https://4.test,https://5.test,https://6.test"
			c[ClaimStrictOriginEnforcement] = true
		}, wantErr: ErrMalformed, msg: "lists 6 origins"},
		{name: "6 origins without strict", claims: func(c jwt.MapClaims) {
			c[ClaimAllowOrigin] = "https://1.test,https://2.test,https://3.test,https://4.test,https://5.test,https://6.test"
		}, req: func(r *Request) { r.Origin = "https://6.test" }},
		{name: "strict as string", claims: func(c jwt.MapClaims) { c[ClaimStrictOriginEnforcement] = "true" }, wantErr: ErrMalformed, msg: "must be a boolean"},

		// aws:maximum-resolution
		{name: "resolution SD", claims: func(c jwt.MapClaims) { c[ClaimMaximumResolution] = "SD" }, check: wantRes(ResolutionSD)},
		{name: "resolution HD", claims: func(c jwt.MapClaims) { c[ClaimMaximumResolution] = "HD" }, check: wantRes(ResolutionHD)},
		{name: "resolution FULL_HD", claims: func(c jwt.MapClaims) { c[ClaimMaximumResolution] = "FULL_HD" }, check: wantRes(ResolutionFullHD)},
		{name: "resolution lower case", claims: func(c jwt.MapClaims) { c[ClaimMaximumResolution] = "hd" }, wantErr: ErrMalformed, msg: `is "hd"; use SD, HD or FULL_HD`},
		{name: "resolution UHD", claims: func(c jwt.MapClaims) { c[ClaimMaximumResolution] = "UHD" }, wantErr: ErrMalformed},
		{name: "resolution empty", claims: func(c jwt.MapClaims) { c[ClaimMaximumResolution] = "" }, wantErr: ErrMalformed},

		// playback restriction policy
		{name: "policy country allowed", req: func(r *Request) {
			r.Country = "ca"
			r.Restriction = &RestrictionPolicy{AllowedCountries: []string{"US", "CA"}}
		}},
		{name: "policy country refused", req: func(r *Request) {
			r.Country = "FR"
			r.Restriction = &RestrictionPolicy{AllowedCountries: []string{"US", "CA"}}
		},
			wantErr: ErrRestricted, msg: `country "FR" is not in the policy's allowed countries (US, CA)`},
		{name: "policy country unknown", req: func(r *Request) { r.Restriction = &RestrictionPolicy{AllowedCountries: []string{"US"}} }, wantErr: ErrRestricted, msg: "unknown"},
		{name: "policy origin refused", req: func(r *Request) {
			r.Origin = "https://b.test"
			r.Restriction = &RestrictionPolicy{AllowedOrigins: []string{"https://a.test"}}
		},
			wantErr: ErrOriginNotAllowed},
		{name: "policy strict without Origin", req: func(r *Request) { r.Restriction = &RestrictionPolicy{EnableStrictOriginEnforcement: true} }, wantErr: ErrRestricted},
		{name: "empty policy allows all", req: func(r *Request) { r.Origin = "https://b.test"; r.Restriction = &RestrictionPolicy{} }},

		// request misuse
		{name: "zero Now", req: func(r *Request) { r.Now = time.Time{} }, msg: "Request.Now is not set"},
		{name: "no channel", req: func(r *Request) { r.ChannelARN = "" }, msg: "Request.ChannelARN is not set"},
	}

	v := NewVerifier()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			claims := baseClaims()
			if tc.claims != nil {
				tc.claims(claims)
			}
			req := Request{
				ChannelARN:  testChannel,
				Now:         testNow,
				Keys:        []Key{{ID: "k1", Public: pub}},
				Revocations: revocations{},
				SingleUse:   &singleUse{},
			}
			if tc.req != nil {
				tc.req(&req)
			}
			got, err := v.Verify(sign(t, jwt.SigningMethodES384, priv, claims), req)
			assertErr(t, err, tc.wantErr, tc.msg)
			if err != nil {
				if got != nil {
					t.Fatal("claims returned with an error")
				}
				return
			}
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}

func wantRes(r Resolution) func(*testing.T, *Claims) {
	return func(t *testing.T, c *Claims) {
		if c.MaximumResolution != r {
			t.Fatalf("MaximumResolution = %q, want %q", c.MaximumResolution, r)
		}
	}
}

// assertErr checks err against a sentinel (nil: no refusal) and a message.
func assertErr(t *testing.T, err, want error, msg string) {
	t.Helper()
	switch {
	case want == nil && msg == "":
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	case err == nil:
		t.Fatalf("allowed; want %v %q", want, msg)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("err = %v; want one wrapping %v", err, want)
	case want == nil && Refused(err):
		t.Fatalf("err = %v is a refusal; want an internal error", err)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Fatalf("err = %q; want it to contain %q", err, msg)
	}
}

func TestVerifySingleUseOnce(t *testing.T) {
	t.Parallel()
	priv := newKey(t, elliptic.P384())
	c := baseClaims()
	c[ClaimSingleUseUUID] = "3f1e2d4c-0000-4000-8000-000000000001"
	c[ClaimExpiry] = testNow.Add(5 * time.Minute).Unix()
	tok := sign(t, jwt.SigningMethodES384, priv, c)
	su := &singleUse{}
	req := Request{ChannelARN: testChannel, Now: testNow, Keys: []Key{{Public: &priv.PublicKey}}, SingleUse: su}
	v := NewVerifier()
	if _, err := v.Verify(tok, req); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if exp := su.used[testChannel+"|"+c[ClaimSingleUseUUID].(string)]; !exp.Equal(testNow.Add(5 * time.Minute)) {
		t.Fatalf("mark kept until %v, want exp", exp)
	}
	req.Fetch = FetchMedia
	if _, err := v.Verify(tok, req); err != nil {
		t.Fatalf("media request of the same session: %v", err)
	}
	req.Fetch = FetchMultivariant
	_, err := v.Verify(tok, req)
	assertErr(t, err, ErrReplayed, "already used")
}

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	priv := newKey(t, elliptic.P384())
	other := newKey(t, elliptic.P384())
	p256 := newKey(t, elliptic.P256())
	good := sign(t, jwt.SigningMethodES384, priv, baseClaims())
	parts := strings.Split(good, ".")

	// A payload for another channel, spliced onto good's header and signature.
	forged := baseClaims()
	forged[ClaimChannelARN] = otherChan
	forgedJSON, _ := json.Marshal(forged)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forgedJSON) + "." + parts[2]

	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[10] ^= 1
	flipped := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)

	tests := []struct {
		name    string
		token   string
		keys    []Key
		channel string
		wantErr error
		msg     string
		keyID   string
	}{
		{name: "right key", token: good, keys: []Key{{ID: "a", Public: &priv.PublicKey}}, keyID: "a"},
		{name: "right key tried last", token: good, keys: []Key{{ID: "a", Public: &other.PublicKey}, {ID: "b", Public: &other.PublicKey}, {ID: "c", Public: &priv.PublicKey}}, keyID: "c"},
		{name: "wrong key", token: good, keys: []Key{{ID: "a", Public: &other.PublicKey}}, wantErr: ErrBadSignature, msg: "1 tried"},
		{name: "no keys", token: good, wantErr: ErrBadSignature, msg: "no P-384 playback key pair"},
		{name: "P-256 key never used", token: good, keys: []Key{{ID: "a", Public: &p256.PublicKey}, {ID: "n"}}, wantErr: ErrBadSignature, msg: "no P-384"},
		{name: "tampered payload", token: tampered, channel: otherChan, keys: []Key{{Public: &priv.PublicKey}}, wantErr: ErrBadSignature},
		{name: "flipped signature bit", token: flipped, keys: []Key{{Public: &priv.PublicKey}}, wantErr: ErrBadSignature},
		{name: "signature removed", token: parts[0] + "." + parts[1] + ".", keys: []Key{{Public: &priv.PublicKey}}, wantErr: ErrBadSignature, msg: "signature is 0 bytes; ES384 needs 96"},
		{name: "signature truncated", token: good[:len(good)-4], keys: []Key{{Public: &priv.PublicKey}}, wantErr: ErrBadSignature},
	}
	v := NewVerifier()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ch := testChannel
			if tc.channel != "" {
				ch = tc.channel
			}
			c, err := v.Verify(tc.token, Request{ChannelARN: ch, Now: testNow, Keys: tc.keys})
			assertErr(t, err, tc.wantErr, tc.msg)
			if err == nil && c.KeyID != tc.keyID {
				t.Fatalf("KeyID = %q, want %q", c.KeyID, tc.keyID)
			}
		})
	}
}

// TestAlgorithmConfusion: only ES384 is accepted, whatever key the attacker
// signs with, including the channel's own public key used as an HMAC secret.
func TestAlgorithmConfusion(t *testing.T) {
	t.Parallel()
	priv := newKey(t, elliptic.P384())
	p256 := newKey(t, elliptic.P256())
	p521 := newKey(t, elliptic.P521())
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := publicPEM(t, &priv.PublicKey)
	c := baseClaims()

	none := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, c)
	good := sign(t, jwt.SigningMethodES384, priv, c)
	goodParts := strings.Split(good, ".")
	header := func(h string) string { return base64.RawURLEncoding.EncodeToString([]byte(h)) }

	tests := []struct {
		name    string
		token   string
		wantErr error
		msg     string
	}{
		{"none", none, ErrBadAlgorithm, `header alg is string "none"`},
		{"none with ES384 signature kept", header(`{"alg":"none","typ":"JWT"}`) + "." + goodParts[1] + "." + goodParts[2], ErrBadAlgorithm, ""},
		{"HS384 keyed with the public key PEM", sign(t, jwt.SigningMethodHS384, pubPEM, c), ErrBadAlgorithm, `"HS384"`},
		{"HS256", sign(t, jwt.SigningMethodHS256, []byte("secret"), c), ErrBadAlgorithm, ""},
		{"RS256", sign(t, jwt.SigningMethodRS256, rsaKey, c), ErrBadAlgorithm, `"RS256"`},
		{"PS384", sign(t, jwt.SigningMethodPS384, rsaKey, c), ErrBadAlgorithm, ""},
		{"ES256", sign(t, jwt.SigningMethodES256, p256, c), ErrBadAlgorithm, `"ES256"`},
		{"ES512", sign(t, jwt.SigningMethodES512, p521, c), ErrBadAlgorithm, ""},
		{"EdDSA name", header(`{"alg":"EdDSA"}`) + "." + goodParts[1] + "." + goodParts[2], ErrBadAlgorithm, ""},
		{"lower-case es384", header(`{"alg":"es384"}`) + "." + goodParts[1] + "." + goodParts[2], ErrBadAlgorithm, ""},
		{"alg missing", header(`{"typ":"JWT"}`) + "." + goodParts[1] + "." + goodParts[2], ErrBadAlgorithm, "no alg"},
		{"alg not a string", header(`{"alg":384}`) + "." + goodParts[1] + "." + goodParts[2], ErrBadAlgorithm, "number 384"},
		{"ES384 header over an ES256 signature", header(`{"alg":"ES384","typ":"JWT"}`) + "." + strings.Split(sign(t, jwt.SigningMethodES256, p256, c), ".")[1] + "." + strings.Split(sign(t, jwt.SigningMethodES256, p256, c), ".")[2],
			ErrBadSignature, "64 bytes"},
		{"crit header", header(`{"alg":"ES384","crit":["b64"],"b64":false}`) + "." + goodParts[1] + "." + goodParts[2], ErrMalformed, "crit"},
	}
	v := NewVerifier()
	keys := []Key{{Public: &priv.PublicKey}, {Public: &p256.PublicKey}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := v.Verify(tc.token, Request{ChannelARN: testChannel, Now: testNow, Keys: keys})
			assertErr(t, err, tc.wantErr, tc.msg)
		})
	}
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	priv := newKey(t, elliptic.P384())
	good := sign(t, jwt.SigningMethodES384, priv, baseClaims())
	p := strings.Split(good, ".")
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	signRaw := func(payload string) string { // a valid signature over any payload bytes
		in := p[0] + "." + enc(payload)
		sig, err := jwt.SigningMethodES384.Sign(in, priv)
		if err != nil {
			t.Fatal(err)
		}
		return in + "." + base64.RawURLEncoding.EncodeToString(sig)
	}

	tests := []struct {
		name, token, msg string
		wantErr          error
	}{
		{"empty", "", "token is empty", ErrMalformed},
		{"one part", "abc", "has 1 parts", ErrMalformed},
		{"four parts", good + ".x", "has 4 parts", ErrMalformed},
		{"too long", strings.Repeat("a", MaxTokenLength+1), "at most 8192", ErrMalformed},
		{"header not base64", "%%%." + p[1] + "." + p[2], "could not base64 decode header", ErrMalformed},
		{"header not JSON", enc("nope") + "." + p[1] + "." + p[2], "could not JSON decode header", ErrMalformed},
		{"padded header", p[0] + "==." + p[1] + "." + p[2], "", ErrMalformed},
		{"payload not JSON", p[0] + "." + enc("nope") + "." + p[2], "could not JSON decode claim", ErrMalformed},
		{"payload array", p[0] + "." + enc("[1]") + "." + p[2], "", ErrMalformed},
		{"signature not base64", p[0] + "." + p[1] + ".***", "could not base64 decode signature", ErrMalformed},
		{"signed null payload", signRaw("null"), "aws:channel-arn is missing", ErrMalformed},
		{"signed empty object", signRaw("{}"), "aws:channel-arn is missing", ErrMalformed},
	}
	v := NewVerifier()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := v.Verify(tc.token, Request{ChannelARN: testChannel, Now: testNow, Keys: []Key{{Public: &priv.PublicKey}}})
			assertErr(t, err, tc.wantErr, tc.msg)
		})
	}
}

func TestZeroVerifier(t *testing.T) {
	t.Parallel()
	priv := newKey(t, elliptic.P384())
	var v Verifier
	if _, err := v.Verify(sign(t, jwt.SigningMethodES384, priv, baseClaims()),
		Request{ChannelARN: testChannel, Now: testNow, Keys: []Key{{Public: &priv.PublicKey}}}); err != nil {
		t.Fatal(err)
	}
}

func FuzzVerify(f *testing.F) {
	priv := newKey(f, elliptic.P384())
	c := baseClaims()
	c[ClaimViewerID] = "v"
	c[ClaimSingleUseUUID] = "u"
	c[ClaimAllowOrigin] = "https://*.example.com"
	c[ClaimExpiry] = testNow.Add(time.Minute).Unix()
	good := sign(f, jwt.SigningMethodES384, priv, c)
	for _, s := range []string{good, "", ".", "..", "a.b.c", good + ".", strings.Replace(good, ".", "..", 1),
		sign(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, c)} {
		f.Add(s, "https://a.example.com")
	}
	v := NewVerifier()
	f.Fuzz(func(t *testing.T, token, origin string) {
		claims, err := v.Verify(token, Request{
			ChannelARN: testChannel, Origin: origin, Now: testNow,
			Keys:        []Key{{Public: &priv.PublicKey}},
			Revocations: revocations{},
			SingleUse:   &singleUse{},
		})
		if err == nil && (claims == nil || claims.ChannelARN != testChannel) {
			t.Fatalf("accepted %q with claims %+v", token, claims)
		}
		if err != nil && claims != nil {
			t.Fatal("claims with an error")
		}
	})
}
