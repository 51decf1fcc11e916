package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/store"
)

// loadGroup reads a group by name.
func loadGroup(ctx context.Context, tx store.Tx, acct, name string) (*store.Group, error) {
	var g store.Group
	if err := store.GetJSON(ctx, tx, acct, store.GroupKey(name), &g); err != nil {
		if isNotFound(err) {
			return nil, noSuchEntity("group", name)
		}
		return nil, err
	}
	return &g, nil
}

// loadRole reads a role by name.
func loadRole(ctx context.Context, tx store.Tx, acct, name string) (*store.Role, error) {
	var r store.Role
	if err := store.GetJSON(ctx, tx, acct, store.RoleKey(name), &r); err != nil {
		if isNotFound(err) {
			return nil, noSuchEntity("role", name)
		}
		return nil, err
	}
	return &r, nil
}

// loadByID reads the user, group or role with an id through its id index.
func loadByID[T any](ctx context.Context, tx store.Tx, acct string, idKey func(string) string, key func(string) string, id string) (*T, error) {
	name, err := tx.Get(ctx, acct, idKey(id))
	if err != nil {
		return nil, err
	}
	var v T
	if err := store.GetJSON(ctx, tx, acct, key(string(name)), &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// authorizeMissing handles a lookup error: when the entity does not exist,
// the caller must still be allowed the action on the ARN it named before
// learning so.
func (s *Service) authorizeMissing(ctx context.Context, c *authz.Caller, err error, action, arn string, extra func(*policy.Context)) error {
	var ae *awserr.Error
	if errors.As(err, &ae) && ae.Code == awserr.NoSuchEntity {
		if aerr := s.authorize(ctx, c, action, arn, extra); aerr != nil {
			return aerr
		}
	}
	return err
}

// authorizedGroup loads a group and authorizes action on it.
func (s *Service) authorizedGroup(ctx context.Context, tx store.Tx, c *authz.Caller, action, name string, extra func(*policy.Context)) (*store.Group, error) {
	g, err := loadGroup(ctx, tx, c.Account(), name)
	if err != nil {
		return nil, s.authorizeMissing(ctx, c, err, action, entityARN(c.Account(), "group", "/", name), extra)
	}
	if err := s.authorize(ctx, c, action, g.ARN, extra); err != nil {
		return nil, err
	}
	return g, nil
}

// authorizedRole loads a role and authorizes action on it (with its tags
// as aws:ResourceTag).
func (s *Service) authorizedRole(ctx context.Context, tx store.Tx, c *authz.Caller, action, name string, extra func(*policy.Context)) (*store.Role, error) {
	r, err := loadRole(ctx, tx, c.Account(), name)
	if err != nil {
		return nil, s.authorizeMissing(ctx, c, err, action, entityARN(c.Account(), "role", "/", name), extra)
	}
	if err := s.authorize(ctx, c, action, r.ARN, resourceTagContext(r.Tags, extra)); err != nil {
		return nil, err
	}
	return r, nil
}

// idsUnder lists the ids recorded under a relation prefix
// ("members/<group>/<user>" → user ids).
func idsUnder(ctx context.Context, tx store.Tx, acct, prefix string) ([]string, error) {
	items, err := tx.List(ctx, acct, prefix, "", 0)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = strings.TrimPrefix(it.Key, prefix)
	}
	return ids, nil
}

// storeRenamed writes an updated user or group record under its name. When
// the name changed (other than in case) the record moves: the move is
// refused with EntityAlreadyExists if another entity has the new name, and
// the id index follows. label is "User" or "Group", as AWS's message says.
func storeRenamed(ctx context.Context, tx store.Tx, acct, label, oldName, newName, id string, rec any, key, idKey func(string) string) error {
	if strings.EqualFold(oldName, newName) {
		return store.PutJSON(ctx, tx, acct, key(newName), rec)
	}
	if err := tx.Delete(ctx, acct, key(oldName)); err != nil {
		return err
	}
	if err := store.CreateJSON(ctx, tx, acct, key(newName), rec); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return awserr.New(awserr.EntityAlreadyExists, "%s with name %s already exists.", label, newName)
		}
		return err
	}
	return tx.Put(ctx, acct, idKey(id), []byte(strings.ToLower(newName)))
}
