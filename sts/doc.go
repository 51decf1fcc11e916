// Package sts implements the AWS Security Token Service's business rules:
// GetCallerIdentity, AssumeRole, GetSessionToken and GetFederationToken,
// and the stateless temporary credentials they issue.
//
// A session token is the session itself: its claims (principal, expiry,
// session policies, tags, MFA, source identity, and the session's access
// key id and secret) sealed with AES-256-GCM under a key of the server's
// KeyRing. Any node that shares the store opens it without a per-session
// lookup:
//
//	claims, err := ring.Open(ctx, signed.SessionToken)
//	if errors.Is(err, sts.ErrInvalidToken) {
//		// InvalidClientTokenId
//	}
//
// The package speaks no HTTP: server decodes the query protocol and calls
// the Service with the authenticated caller.
package sts
