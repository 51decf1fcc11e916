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

// Empty is the output of operations that return no result element.
type Empty struct{}

// CreateUserInput is the input of CreateUser.
type CreateUserInput struct {
	Path                string `query:"Path"`
	UserName            string `query:"UserName,required"`
	PermissionsBoundary string `query:"PermissionsBoundary"`
	Tags                []Tag  `query:"Tags"`
}

// CreateUserOutput is the output of CreateUser.
type CreateUserOutput struct {
	User User `xml:"User"`
}

// CreateUser creates an IAM user. Errors: EntityAlreadyExists,
// NoSuchEntity (boundary policy), InvalidInput, LimitExceeded,
// ValidationError, AccessDenied.
func (s *Service) CreateUser(ctx context.Context, c *authz.Caller, in *CreateUserInput) (*CreateUserOutput, error) {
	if err := validateName("userName", in.UserName, 64); err != nil {
		return nil, err
	}
	path, err := validatePath("path", in.Path)
	if err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	if len(in.Tags) > maxTags {
		return nil, awserr.New(awserr.LimitExceeded, "The number of tags has reached the maximum limit.")
	}
	acct := c.Account()
	u := &store.User{ID: newID("AIDA"), Name: in.UserName, Path: path, ARN: entityARN(acct, "user", path, in.UserName), CreatedAt: s.timestamp()}
	if err := s.authorize(ctx, c, "CreateUser", u.ARN, tagContext(in.Tags)); err != nil {
		return nil, err
	}
	if in.PermissionsBoundary != "" {
		if err := s.authorize(ctx, c, "PutUserPermissionsBoundary", u.ARN, boundaryContext(in.PermissionsBoundary)); err != nil {
			return nil, err
		}
	}
	for _, t := range in.Tags {
		u.Tags = append(u.Tags, store.Tag{Key: t.Key, Value: t.Value})
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if in.PermissionsBoundary != "" {
			if err := s.useBoundary(ctx, tx, acct, in.PermissionsBoundary, store.KindUser, u.ID); err != nil {
				return err
			}
			u.Boundary = in.PermissionsBoundary
		}
		if err := store.CreateJSON(ctx, tx, acct, store.UserKey(u.Name), u); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return awserr.New(awserr.EntityAlreadyExists, "User with name %s already exists.", u.Name)
			}
			return err
		}
		return tx.Put(ctx, acct, store.UserIDKey(u.ID), []byte(strings.ToLower(u.Name)))
	})
	if err != nil {
		return nil, err
	}
	return &CreateUserOutput{User: userShape(u, true)}, nil
}

// boundaryContext sets iam:PermissionsBoundary for boundary operations.
func boundaryContext(arn string) func(*policy.Context) {
	return func(pc *policy.Context) { pc.Set("iam:PermissionsBoundary", arn) }
}

// loadUser reads a user by name.
func loadUser(ctx context.Context, tx store.Tx, acct, name string) (*store.User, error) {
	var u store.User
	return userRead(&u, name, store.GetJSON(ctx, tx, acct, store.UserKey(name), &u))
}

// readUser reads a user on its own, outside a transaction
// (store.ReadJSON), as the server's record cache serves it.
func readUser(ctx context.Context, st store.Store, acct, name string) (*store.User, error) {
	var u store.User
	return userRead(&u, name, store.ReadJSON(ctx, st, acct, store.UserKey(name), &u))
}

// userRead returns the user read, or NoSuchEntity for a read that found
// none.
func userRead(u *store.User, name string, err error) (*store.User, error) {
	if isNotFound(err) {
		return nil, noSuchEntity("user", name)
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// authorizedUser loads a user and authorizes action on it (with its tags as
// aws:ResourceTag). A caller not allowed to learn whether the user exists
// gets AccessDenied, not NoSuchEntity.
func (s *Service) authorizedUser(ctx context.Context, tx store.Tx, c *authz.Caller, action, name string, extra func(*policy.Context)) (*store.User, error) {
	u, err := loadUser(ctx, tx, c.Account(), name)
	return s.authorizeUser(ctx, c, action, name, extra, u, err)
}

// authorizeUser authorizes action on a user read as u, or whose read
// failed with err, as authorizedUser does.
func (s *Service) authorizeUser(ctx context.Context, c *authz.Caller, action, name string, extra func(*policy.Context), u *store.User, err error) (*store.User, error) {
	acct := c.Account()
	if err != nil {
		var ae *awserr.Error
		if errors.As(err, &ae) && ae.Code == awserr.NoSuchEntity {
			if aerr := s.authorize(ctx, c, action, entityARN(acct, "user", "/", name), extra); aerr != nil {
				return nil, aerr
			}
		}
		return nil, err
	}
	if err := s.authorize(ctx, c, action, u.ARN, resourceTagContext(u.Tags, extra)); err != nil {
		return nil, err
	}
	return u, nil
}

// targetUser names the user an operation with an optional UserName acts
// on: the named one, or the calling user.
func targetUser(c *authz.Caller, name string) (string, error) {
	if name != "" {
		return name, nil
	}
	if c.Principal.Type == policy.User {
		return c.Principal.Username, nil
	}
	return "", awserr.New(awserr.ValidationError, "Must specify userName when calling with non-User credentials")
}

// GetUserInput is the input of GetUser.
type GetUserInput struct {
	UserName string `query:"UserName"`
}

// GetUserOutput is the output of GetUser.
type GetUserOutput struct {
	User User `xml:"User"`
}

// GetUser returns a user, or the calling user when no name is given (the
// root user included). Errors: NoSuchEntity, ValidationError, AccessDenied.
func (s *Service) GetUser(ctx context.Context, c *authz.Caller, in *GetUserInput) (*GetUserOutput, error) {
	if in.UserName == "" && c.IsRoot() {
		var a store.Account
		err := s.st.View(ctx, func(tx store.Tx) error {
			return store.GetJSON(ctx, tx, store.Global, store.AccountKey(c.Account()), &a)
		})
		if err != nil {
			return nil, err
		}
		return &GetUserOutput{User: User{UserID: c.Account(), Arn: c.Principal.ARN, CreateDate: a.CreatedAt}}, nil
	}
	name, err := targetUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	if err := validateName("userName", name, 128); err != nil {
		return nil, err
	}
	// Reads on their own, which the server's record cache serves: the
	// user, and whether it has a password. Only a user with a password
	// may have used one (DeleteLoginProfile forgets its last use), and
	// that last use is not a part of the user record.
	u, err := readUser(ctx, s.st, c.Account(), name)
	if u, err = s.authorizeUser(ctx, c, "GetUser", name, nil, u, err); err != nil {
		return nil, err
	}
	out := &GetUserOutput{User: userShape(u, true)}
	var lp store.LoginProfile
	switch err := store.ReadJSON(ctx, s.st, c.Account(), store.LoginProfileKey(u.ID), &lp); {
	case isNotFound(err):
		return out, nil
	case err != nil:
		return nil, err
	}
	err = s.st.View(ctx, func(tx store.Tx) error {
		out.User.PasswordLastUsed, err = passwordLastUsed(ctx, tx, c.Account(), u.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListUsersInput is the input of ListUsers.
type ListUsersInput struct {
	PathPrefix string `query:"PathPrefix"`
	Marker     string `query:"Marker"`
	MaxItems   *int   `query:"MaxItems"`
}

// ListUsersOutput is the output of ListUsers.
type ListUsersOutput struct {
	Users       List[User] `xml:"Users"`
	IsTruncated bool       `xml:"IsTruncated"`
	Marker      string     `xml:"Marker,omitempty"`
}

// ListUsers lists the account's users whose path starts with PathPrefix.
func (s *Service) ListUsers(ctx context.Context, c *authz.Caller, in *ListUsersInput) (*ListUsersOutput, error) {
	prefix := in.PathPrefix
	if prefix == "" {
		prefix = "/"
	}
	if err := s.authorize(ctx, c, "ListUsers", entityARN(c.Account(), "user", prefix, ""), nil); err != nil {
		return nil, err
	}
	out := &ListUsersOutput{Users: List[User]{Member: []User{}}}
	err := s.st.View(ctx, func(tx store.Tx) error {
		users, marker, err := page(ctx, tx, c.Account(), "user/", in.Marker, in.MaxItems, func(u *store.User) bool {
			return strings.HasPrefix(u.Path, prefix)
		})
		if err != nil {
			return err
		}
		for i := range users {
			out.Users.Member = append(out.Users.Member, userShape(&users[i], false))
		}
		out.Marker, out.IsTruncated = marker, marker != ""
		return nil
	})
	return out, err
}

// UpdateUserInput is the input of UpdateUser.
type UpdateUserInput struct {
	UserName    string `query:"UserName,required"`
	NewPath     string `query:"NewPath"`
	NewUserName string `query:"NewUserName"`
}

// UpdateUser renames a user or changes its path. The caller needs
// iam:UpdateUser on both the old and the new ARN. Errors: NoSuchEntity,
// EntityAlreadyExists, ValidationError, AccessDenied.
func (s *Service) UpdateUser(ctx context.Context, c *authz.Caller, in *UpdateUserInput) (*Empty, error) {
	if in.NewUserName != "" {
		if err := validateName("newUserName", in.NewUserName, 64); err != nil {
			return nil, err
		}
	}
	if in.NewPath != "" {
		if _, err := validatePath("newPath", in.NewPath); err != nil {
			return nil, err
		}
	}
	acct := c.Account()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		u, err := s.authorizedUser(ctx, tx, c, "UpdateUser", in.UserName, nil)
		if err != nil {
			return err
		}
		nu := *u
		if in.NewUserName != "" {
			nu.Name = in.NewUserName
		}
		if in.NewPath != "" {
			nu.Path = in.NewPath
		}
		nu.ARN = entityARN(acct, "user", nu.Path, nu.Name)
		if nu.ARN != u.ARN {
			if err := s.authorize(ctx, c, "UpdateUser", nu.ARN, nil); err != nil {
				return err
			}
		}
		if err := storeRenamed(ctx, tx, acct, "User", u.Name, nu.Name, u.ID, &nu, store.UserKey, store.UserIDKey); err != nil {
			return err
		}
		if nu.Name == u.Name {
			return nil
		}
		return s.renameKeyOwner(ctx, tx, acct, u.ID, nu.Name)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// renameKeyOwner updates the owner name recorded with a user's keys.
func (s *Service) renameKeyOwner(ctx context.Context, tx store.Tx, acct, userID, name string) error {
	keys, err := tx.List(ctx, acct, store.UserKeysPrefix(userID), "", 0)
	if err != nil {
		return err
	}
	for _, k := range keys {
		id := strings.TrimPrefix(k.Key, store.UserKeysPrefix(userID))
		var ak store.AccessKey
		if err := store.GetJSON(ctx, tx, store.Global, store.AccessKeyKey(id), &ak); err != nil {
			return err
		}
		ak.UserName = name
		if err := store.PutJSON(ctx, tx, store.Global, store.AccessKeyKey(id), &ak); err != nil {
			return err
		}
	}
	return nil
}

// DeleteUserInput is the input of DeleteUser.
type DeleteUserInput struct {
	UserName string `query:"UserName,required"`
}

// DeleteUser deletes a user that has no access keys, policies, group
// memberships or MFA devices left. Errors: NoSuchEntity, DeleteConflict,
// AccessDenied.
func (s *Service) DeleteUser(ctx context.Context, c *authz.Caller, in *DeleteUserInput) (*Empty, error) {
	if err := validateName("userName", in.UserName, 128); err != nil {
		return nil, err
	}
	acct := c.Account()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		u, err := s.authorizedUser(ctx, tx, c, "DeleteUser", in.UserName, nil)
		if err != nil {
			return err
		}
		conflicts := []struct{ prefix, msg string }{
			{store.UserKeysPrefix(u.ID), "Cannot delete entity, must delete access keys first."},
			{store.InlinePrefix(store.KindUser, u.ID), "Cannot delete entity, must delete policies first."},
			{store.AttachPrefix(store.KindUser, u.ID), "Cannot delete entity, must detach all policies first."},
			{store.GroupsOfPrefix(u.ID), "Cannot delete entity, must remove user from all groups first."},
			{store.UserMFAPrefix(u.ID), "Cannot delete entity, must delete MFA device first."},
			{store.LoginProfileKey(u.ID), "Cannot delete entity, must delete login profile first."},
		}
		for _, cf := range conflicts {
			items, err := tx.List(ctx, acct, cf.prefix, "", 1)
			if err != nil {
				return err
			}
			if len(items) > 0 {
				return awserr.New(awserr.DeleteConflict, "%s", cf.msg)
			}
		}
		if u.Boundary != "" {
			if err := tx.Delete(ctx, acct, store.BoundaryUseKey(u.Boundary, store.KindUser, u.ID)); err != nil && !isNotFound(err) {
				return err
			}
		}
		if err := tx.Delete(ctx, acct, store.UserIDKey(u.ID)); err != nil && !isNotFound(err) {
			return err
		}
		return tx.Delete(ctx, acct, store.UserKey(u.Name))
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// TagUserInput is the input of TagUser.
type TagUserInput struct {
	UserName string `query:"UserName,required"`
	Tags     []Tag  `query:"Tags,required"`
}

// TagUser adds or replaces tags of a user. Errors: NoSuchEntity,
// LimitExceeded, InvalidInput, AccessDenied.
func (s *Service) TagUser(ctx context.Context, c *authz.Caller, in *TagUserInput) (*Empty, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		u, err := s.authorizedUser(ctx, tx, c, "TagUser", in.UserName, tagContext(in.Tags))
		if err != nil {
			return err
		}
		if u.Tags, err = mergeTags(u.Tags, in.Tags); err != nil {
			return err
		}
		return store.PutJSON(ctx, tx, c.Account(), store.UserKey(u.Name), u)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// UntagUserInput is the input of UntagUser.
type UntagUserInput struct {
	UserName string   `query:"UserName,required"`
	TagKeys  []string `query:"TagKeys,required"`
}

// UntagUser removes tags from a user. Errors: NoSuchEntity, AccessDenied.
func (s *Service) UntagUser(ctx context.Context, c *authz.Caller, in *UntagUserInput) (*Empty, error) {
	err := s.st.Update(ctx, func(tx store.Tx) error {
		u, err := s.authorizedUser(ctx, tx, c, "UntagUser", in.UserName, tagKeysContext(in.TagKeys))
		if err != nil {
			return err
		}
		u.Tags = removeTags(u.Tags, in.TagKeys)
		return store.PutJSON(ctx, tx, c.Account(), store.UserKey(u.Name), u)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ListUserTagsInput is the input of ListUserTags.
type ListUserTagsInput struct {
	UserName string `query:"UserName,required"`
	Marker   string `query:"Marker"`
	MaxItems *int   `query:"MaxItems"`
}

// ListTagsOutput is the output of the List…Tags operations.
type ListTagsOutput struct {
	Tags        List[Tag] `xml:"Tags"`
	IsTruncated bool      `xml:"IsTruncated"`
}

// ListUserTags lists a user's tags. Errors: NoSuchEntity, AccessDenied.
func (s *Service) ListUserTags(ctx context.Context, c *authz.Caller, in *ListUserTagsInput) (*ListTagsOutput, error) {
	var out *ListTagsOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		u, err := s.authorizedUser(ctx, tx, c, "ListUserTags", in.UserName, nil)
		if err != nil {
			return err
		}
		out = &ListTagsOutput{Tags: allTags(u.Tags)}
		return nil
	})
	return out, err
}
