package playback_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-iam/gatehouse/media/playback"
)

func Example() {
	const channel = "arn:aws:ivs:us-west-2:123456789012:channel/abcdEFGH1234"
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

	// The channel owner's key pair; IVS gets only the public half as PEM.
	priv, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	pub, _, err := playback.ParsePublicKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err != nil {
		fmt.Println(err)
		return
	}

	// The owner signs a token for one viewer.
	token, _ := jwt.NewWithClaims(jwt.SigningMethodES384, jwt.MapClaims{
		playback.ClaimChannelARN:        channel,
		playback.ClaimAllowOrigin:       "https://*.example.com",
		playback.ClaimViewerID:          "viewer-42",
		playback.ClaimExpiry:            now.Add(5 * time.Minute).Unix(),
		playback.ClaimMaximumResolution: "HD",
	}).SignedString(priv)

	notRevoked := playback.RevokedFunc(func(string, string, int64) (bool, error) { return false, nil })
	req := playback.Request{
		ChannelARN:  channel,
		Origin:      "https://watch.example.com",
		Now:         now,
		Keys:        []playback.Key{{ID: "arn:aws:ivs:us-west-2:123456789012:playback-key/k1", Public: pub}},
		Revocations: notRevoked,
	}
	v := playback.NewVerifier()
	claims, err := v.Verify(token, req)
	fmt.Println(claims.ViewerID, claims.MaximumResolution, err)

	req.Origin = "https://evil.test"
	_, err = v.Verify(token, req)
	fmt.Println(errors.Is(err, playback.ErrOriginNotAllowed))

	req.Origin, req.Now = "", now.Add(time.Hour)
	_, err = v.Verify(token, req)
	fmt.Println(errors.Is(err, playback.ErrExpired))
	// Output:
	// viewer-42 HD <nil>
	// true
	// true
}
