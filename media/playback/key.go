package playback

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// ParsePublicKey reads the public key material given to ImportPlaybackKeyPair:
// exactly one PEM block of type "PUBLIC KEY" (SubjectPublicKeyInfo) holding an
// ECDSA key on curve P-384 (secp384r1), as `openssl ec -pubout` writes it.
// Anything else (no PEM, a private key, a certificate, PKCS#1, RSA, Ed25519,
// another curve, trailing data) is refused with an error that names what is
// wrong.
//
// The fingerprint is the MD5 digest of the key's DER SubjectPublicKeyInfo
// as lower-case hex bytes joined by colons ("98:0d:1a:..."), the 16-byte shape
// IVS reports (and EC2 uses for imported keys). Two imports of the same key
// get the same fingerprint however the PEM was wrapped. It identifies a key;
// it is not a security boundary (compare DER to detect duplicates).
func ParsePublicKey(pemBytes []byte) (*ecdsa.PublicKey, string, error) {
	block, rest := pem.Decode(bytes.TrimSpace(pemBytes))
	if block == nil {
		return nil, "", errors.New("public key material is not PEM: expected a -----BEGIN PUBLIC KEY----- block")
	}
	switch block.Type {
	case "PUBLIC KEY":
	case "EC PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY":
		return nil, "", fmt.Errorf("public key material is a private key (PEM %q): import only the public key, e.g. from `openssl ec -in priv.pem -pubout`", block.Type)
	case "EC PARAMETERS":
		return nil, "", errors.New(`public key material starts with "EC PARAMETERS": import only the PUBLIC KEY block`)
	default:
		return nil, "", fmt.Errorf("public key material is PEM %q: expected \"PUBLIC KEY\" (SubjectPublicKeyInfo)", block.Type)
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, "", errors.New("public key material has data after the PUBLIC KEY block: give exactly one key")
	}
	parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		if curve, ok := ecCurveOID(block.Bytes); ok {
			return nil, "", fmt.Errorf("public key is ECDSA on curve %s, which is not supported: playback keys must use P-384 (secp384r1)", curve)
		}
		return nil, "", fmt.Errorf("public key material is not a valid SubjectPublicKeyInfo: %v", err)
	}
	var pub *ecdsa.PublicKey
	switch k := parsed.(type) {
	case *ecdsa.PublicKey:
		pub = k
	case *rsa.PublicKey:
		return nil, "", errors.New("public key is RSA: playback keys must be ECDSA on curve P-384")
	case ed25519.PublicKey:
		return nil, "", errors.New("public key is Ed25519: playback keys must be ECDSA on curve P-384")
	default:
		return nil, "", fmt.Errorf("public key is %T: playback keys must be ECDSA on curve P-384", parsed)
	}
	if pub.Curve != elliptic.P384() {
		return nil, "", fmt.Errorf("public key is ECDSA on curve %s: playback keys must use P-384 (secp384r1)", pub.Curve.Params().Name)
	}
	fp, err := fingerprint(pub)
	if err != nil {
		return nil, "", err
	}
	return pub, fp, nil
}

// ecCurveOID returns the named-curve OID of an id-ecPublicKey
// SubjectPublicKeyInfo, for naming a curve that crypto/x509 cannot parse.
func ecCurveOID(der []byte) (string, bool) {
	var spki struct {
		Algorithm struct {
			Algorithm  asn1.ObjectIdentifier
			Parameters asn1.RawValue
		}
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return "", false
	}
	if !spki.Algorithm.Algorithm.Equal(asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}) {
		return "", false
	}
	var curve asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(spki.Algorithm.Parameters.FullBytes, &curve); err != nil {
		return "with explicit or missing parameters", true
	}
	return "OID " + curve.String(), true
}

// fingerprint hashes the canonical DER encoding of pub.
func fingerprint(pub *ecdsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("encoding public key: %v", err)
	}
	sum := md5.Sum(der)
	var b strings.Builder
	for i, c := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(hex.EncodeToString([]byte{c}))
	}
	return b.String(), nil
}
