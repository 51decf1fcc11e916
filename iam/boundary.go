package iam

import (
	"context"
	"strings"

	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/awsmanaged"
	"github.com/gatehouse-iam/gatehouse/store"
)

// policyExists reports whether a managed policy ARN names an AWS managed
// policy or a customer-managed policy of the account.
func policyExists(ctx context.Context, tx store.Tx, acct, arn string) (bool, error) {
	if _, ok := awsmanaged.Get(arn); ok {
		return true, nil
	}
	prefix := "arn:aws:iam::" + acct + ":policy/"
	if !strings.HasPrefix(arn, prefix) {
		return false, nil
	}
	var mp store.ManagedPolicy
	name := arn[strings.LastIndexByte(arn, '/')+1:]
	if err := store.GetJSON(ctx, tx, acct, store.PolicyKey(name), &mp); err != nil {
		if isNotFound(err) {
			return false, nil
		}
		return false, err
	}
	return mp.ARN == arn, nil
}

// useBoundary checks that a boundary policy exists and records its use by
// an entity.
func (s *Service) useBoundary(ctx context.Context, tx store.Tx, acct, arn, kind, ownerID string) error {
	ok, err := policyExists(ctx, tx, acct, arn)
	if err != nil {
		return err
	}
	if !ok {
		return awserr.New(awserr.NoSuchEntity, "Scope ARN: %s does not exist or is not attachable.", arn)
	}
	return tx.Put(ctx, acct, store.BoundaryUseKey(arn, kind, ownerID), []byte("{}"))
}
