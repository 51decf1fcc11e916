package iam

import (
	"context"
	"unicode/utf8"

	"github.com/gatehouse-iam/gatehouse/arn"
	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/store"
)

// A permissions boundary is a managed policy (AWS managed or the
// account's) that caps what a user's or role's identity policies can
// allow. The entity record names it (Boundary), where authz reads it, and
// store.BoundaryUseKey records the use on the policy's side.

// validateBoundaryParam checks a PermissionsBoundary parameter: 20..2048
// characters (ValidationError) forming an IAM policy ARN (InvalidInput).
func validateBoundaryParam(member, v string) error {
	if n := utf8.RuneCountInString(v); n < 20 || n > 2048 {
		return validation(member, v, "Member must have length less than or equal to 2048 and greater than or equal to 20")
	}
	a, err := arn.Parse(v)
	if err != nil || a.Service != "iam" || a.ResourceType() != "policy" || a.Name() == "" {
		return awserr.New(awserr.InvalidInput, "ARN %s is not valid.", v)
	}
	return nil
}

// setBoundary records arn as the boundary of an entity that had old (""
// for none), dropping the old use; it fails with NoSuchEntity when the
// policy does not exist.
func (s *Service) setBoundary(ctx context.Context, tx store.Tx, acct, kind, id, old, arn string) error {
	if old != "" && old != arn {
		if err := tx.Delete(ctx, acct, store.BoundaryUseKey(old, kind, id)); err != nil && !isNotFound(err) {
			return err
		}
	}
	return s.useBoundary(ctx, tx, acct, arn, kind, id)
}

// clearBoundary drops the record of an entity's boundary use.
func clearBoundary(ctx context.Context, tx store.Tx, acct, kind, id, old string) error {
	if old == "" {
		return nil
	}
	if err := tx.Delete(ctx, acct, store.BoundaryUseKey(old, kind, id)); err != nil && !isNotFound(err) {
		return err
	}
	return nil
}

// PutUserPermissionsBoundaryInput is the input of
// PutUserPermissionsBoundary.
type PutUserPermissionsBoundaryInput struct {
	UserName            string `query:"UserName,required"`
	PermissionsBoundary string `query:"PermissionsBoundary,required"`
}

// PutUserPermissionsBoundary sets or replaces a user's permissions
// boundary. The caller needs iam:PutUserPermissionsBoundary on the user
// with iam:PermissionsBoundary set to the new boundary. Errors:
// NoSuchEntity (user or policy), InvalidInput, ValidationError,
// AccessDenied.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, c *authz.Caller, in *PutUserPermissionsBoundaryInput) (*Empty, error) {
	if err := validateName("userName", in.UserName, 64); err != nil {
		return nil, err
	}
	if err := validateBoundaryParam("permissionsBoundary", in.PermissionsBoundary); err != nil {
		return nil, err
	}
	acct := c.Account()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		u, err := s.authorizedUser(ctx, tx, c, "PutUserPermissionsBoundary", in.UserName, boundaryContext(in.PermissionsBoundary))
		if err != nil {
			return err
		}
		if err := s.setBoundary(ctx, tx, acct, store.KindUser, u.ID, u.Boundary, in.PermissionsBoundary); err != nil {
			return err
		}
		u.Boundary = in.PermissionsBoundary
		return store.PutJSON(ctx, tx, acct, store.UserKey(u.Name), u)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// DeleteUserPermissionsBoundaryInput is the input of
// DeleteUserPermissionsBoundary.
type DeleteUserPermissionsBoundaryInput struct {
	UserName string `query:"UserName,required"`
}

// DeleteUserPermissionsBoundary removes a user's permissions boundary (a
// user without one is left as is). The caller needs
// iam:DeleteUserPermissionsBoundary on the user, with
// iam:PermissionsBoundary set to the current boundary. Errors:
// NoSuchEntity, ValidationError, AccessDenied.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, c *authz.Caller, in *DeleteUserPermissionsBoundaryInput) (*Empty, error) {
	if err := validateName("userName", in.UserName, 64); err != nil {
		return nil, err
	}
	acct := c.Account()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		u, err := s.boundedUser(ctx, tx, c, "DeleteUserPermissionsBoundary", in.UserName)
		if err != nil {
			return err
		}
		if u.Boundary == "" {
			return nil
		}
		if err := clearBoundary(ctx, tx, acct, store.KindUser, u.ID, u.Boundary); err != nil {
			return err
		}
		u.Boundary = ""
		return store.PutJSON(ctx, tx, acct, store.UserKey(u.Name), u)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// PutRolePermissionsBoundaryInput is the input of
// PutRolePermissionsBoundary.
type PutRolePermissionsBoundaryInput struct {
	RoleName            string `query:"RoleName,required"`
	PermissionsBoundary string `query:"PermissionsBoundary,required"`
}

// PutRolePermissionsBoundary sets or replaces a role's permissions
// boundary. The caller needs iam:PutRolePermissionsBoundary on the role
// with iam:PermissionsBoundary set to the new boundary. Errors:
// NoSuchEntity (role or policy), InvalidInput, UnmodifiableEntity,
// ValidationError, AccessDenied.
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, c *authz.Caller, in *PutRolePermissionsBoundaryInput) (*Empty, error) {
	if err := validateName("roleName", in.RoleName, 64); err != nil {
		return nil, err
	}
	if err := validateBoundaryParam("permissionsBoundary", in.PermissionsBoundary); err != nil {
		return nil, err
	}
	acct := c.Account()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		r, err := s.authorizedRole(ctx, tx, c, "PutRolePermissionsBoundary", in.RoleName, boundaryContext(in.PermissionsBoundary))
		if err != nil {
			return err
		}
		if err := refuseServiceLinkedRole(r); err != nil {
			return err
		}
		if err := s.setBoundary(ctx, tx, acct, store.KindRole, r.ID, r.Boundary, in.PermissionsBoundary); err != nil {
			return err
		}
		r.Boundary = in.PermissionsBoundary
		return store.PutJSON(ctx, tx, acct, store.RoleKey(r.Name), r)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// DeleteRolePermissionsBoundaryInput is the input of
// DeleteRolePermissionsBoundary.
type DeleteRolePermissionsBoundaryInput struct {
	RoleName string `query:"RoleName,required"`
}

// DeleteRolePermissionsBoundary removes a role's permissions boundary (a
// role without one is left as is). The caller needs
// iam:DeleteRolePermissionsBoundary on the role, with
// iam:PermissionsBoundary set to the current boundary. Errors:
// NoSuchEntity, UnmodifiableEntity, ValidationError, AccessDenied.
func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, c *authz.Caller, in *DeleteRolePermissionsBoundaryInput) (*Empty, error) {
	if err := validateName("roleName", in.RoleName, 64); err != nil {
		return nil, err
	}
	acct := c.Account()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		r, err := s.boundedRole(ctx, tx, c, "DeleteRolePermissionsBoundary", in.RoleName)
		if err != nil {
			return err
		}
		if r.Boundary == "" {
			return nil
		}
		if err := clearBoundary(ctx, tx, acct, store.KindRole, r.ID, r.Boundary); err != nil {
			return err
		}
		r.Boundary = ""
		return store.PutJSON(ctx, tx, acct, store.RoleKey(r.Name), r)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}
