package iam

import (
	"context"
	"errors"
	"regexp"
	"sort"
	"strings"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/store"
)

// maxGroupsPerUser is IAM's quota of groups a user may belong to.
const maxGroupsPerUser = 10

// CreateGroupInput is the input of CreateGroup.
type CreateGroupInput struct {
	Path      string `query:"Path"`
	GroupName string `query:"GroupName,required"`
}

// CreateGroupOutput is the output of CreateGroup.
type CreateGroupOutput struct {
	Group Group `xml:"Group"`
}

// CreateGroup creates an IAM group. Errors: EntityAlreadyExists,
// ValidationError, AccessDenied.
func (s *Service) CreateGroup(ctx context.Context, c *authz.Caller, in *CreateGroupInput) (*CreateGroupOutput, error) {
	if err := validateName("groupName", in.GroupName, 128); err != nil {
		return nil, err
	}
	path, err := validatePath("path", in.Path)
	if err != nil {
		return nil, err
	}
	acct := c.Account()
	g := &store.Group{ID: newID("AGPA"), Name: in.GroupName, Path: path, ARN: entityARN(acct, "group", path, in.GroupName), CreatedAt: s.timestamp()}
	if err := s.authorize(ctx, c, "CreateGroup", g.ARN, nil); err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if err := store.CreateJSON(ctx, tx, acct, store.GroupKey(g.Name), g); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return awserr.New(awserr.EntityAlreadyExists, "Group with name %s already exists.", g.Name)
			}
			return err
		}
		return tx.Put(ctx, acct, store.GroupIDKey(g.ID), []byte(strings.ToLower(g.Name)))
	})
	if err != nil {
		return nil, err
	}
	return &CreateGroupOutput{Group: groupShape(g)}, nil
}

// GetGroupInput is the input of GetGroup.
type GetGroupInput struct {
	GroupName string `query:"GroupName,required"`
	Marker    string `query:"Marker"`
	MaxItems  *int   `query:"MaxItems"`
}

// GetGroupOutput is the output of GetGroup.
type GetGroupOutput struct {
	Group       Group      `xml:"Group"`
	Users       List[User] `xml:"Users"`
	IsTruncated bool       `xml:"IsTruncated"`
	Marker      string     `xml:"Marker,omitempty"`
}

// GetGroup returns a group and a page of its members, ordered by user
// name. Errors: NoSuchEntity, ValidationError, InvalidInput (bad Marker),
// AccessDenied.
func (s *Service) GetGroup(ctx context.Context, c *authz.Caller, in *GetGroupInput) (*GetGroupOutput, error) {
	if err := validateName("groupName", in.GroupName, 128); err != nil {
		return nil, err
	}
	if _, err := pageLimit(in.MaxItems); err != nil {
		return nil, err
	}
	var out *GetGroupOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		g, err := s.authorizedGroup(ctx, tx, c, "GetGroup", in.GroupName, nil)
		if err != nil {
			return err
		}
		members, err := groupMembers(ctx, tx, c.Account(), g.ID)
		if err != nil {
			return err
		}
		users, marker, err := pageInMemory(members, func(i int) string { return store.UserKey(members[i].Name) }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		out = &GetGroupOutput{Group: groupShape(g), Users: List[User]{Member: make([]User, 0, len(users))}, IsTruncated: marker != "", Marker: marker}
		for i := range users {
			u := userShape(&users[i], false)
			u.PermissionsBoundary = nil
			out.Users.Member = append(out.Users.Member, u)
		}
		return nil
	})
	return out, err
}

// groupMembers returns the users in a group, ordered by lower-cased name.
func groupMembers(ctx context.Context, tx store.Tx, acct, groupID string) ([]store.User, error) {
	ids, err := idsUnder(ctx, tx, acct, store.MembersPrefix(groupID))
	if err != nil {
		return nil, err
	}
	users := make([]store.User, 0, len(ids))
	for _, id := range ids {
		u, err := loadByID[store.User](ctx, tx, acct, store.UserIDKey, store.UserKey, id)
		if isNotFound(err) {
			continue // a dangling membership; DeleteUser prevents these
		}
		if err != nil {
			return nil, err
		}
		users = append(users, *u)
	}
	sort.Slice(users, func(i, j int) bool { return strings.ToLower(users[i].Name) < strings.ToLower(users[j].Name) })
	return users, nil
}

// userGroups returns the groups a user is in, ordered by lower-cased name.
func userGroups(ctx context.Context, tx store.Tx, acct, userID string) ([]store.Group, error) {
	ids, err := idsUnder(ctx, tx, acct, store.GroupsOfPrefix(userID))
	if err != nil {
		return nil, err
	}
	groups := make([]store.Group, 0, len(ids))
	for _, id := range ids {
		g, err := loadByID[store.Group](ctx, tx, acct, store.GroupIDKey, store.GroupKey, id)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		groups = append(groups, *g)
	}
	sort.Slice(groups, func(i, j int) bool { return strings.ToLower(groups[i].Name) < strings.ToLower(groups[j].Name) })
	return groups, nil
}

// pageInMemory pages a slice ordered by key (ascending) for a
// Marker/MaxItems request, with markers in the form page uses: the key of
// the last item of the previous page.
func pageInMemory[T any](items []T, key func(i int) string, marker string, maxItems *int) ([]T, string, error) {
	limit, err := pageLimit(maxItems)
	if err != nil {
		return nil, "", err
	}
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, "", err
	}
	out := make([]T, 0)
	last := ""
	for i := range items {
		k := key(i)
		if after != "" && k <= after {
			continue
		}
		if len(out) == limit {
			return out, encodeMarker(last), nil
		}
		out = append(out, items[i])
		last = k
	}
	return out, "", nil
}

var pathPrefixPattern = regexp.MustCompile(`^/[\x21-\x7F]*$`)

// checkPathPrefix validates a List… PathPrefix; "" means "/".
func checkPathPrefix(v string) (string, error) {
	if v == "" {
		return "/", nil
	}
	if len(v) > 512 || !pathPrefixPattern.MatchString(v) {
		return "", validation("pathPrefix", v, `Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	}
	return v, nil
}

// ListGroupsInput is the input of ListGroups.
type ListGroupsInput struct {
	PathPrefix string `query:"PathPrefix"`
	Marker     string `query:"Marker"`
	MaxItems   *int   `query:"MaxItems"`
}

// ListGroupsOutput is the output of ListGroups and ListGroupsForUser.
type ListGroupsOutput struct {
	Groups      List[Group] `xml:"Groups"`
	IsTruncated bool        `xml:"IsTruncated"`
	Marker      string      `xml:"Marker,omitempty"`
}

// ListGroups lists the account's groups whose path starts with
// PathPrefix, ordered by name. Errors: ValidationError, InvalidInput (bad
// Marker), AccessDenied.
func (s *Service) ListGroups(ctx context.Context, c *authz.Caller, in *ListGroupsInput) (*ListGroupsOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "ListGroups", entityARN(c.Account(), "group", prefix, ""), nil); err != nil {
		return nil, err
	}
	out := &ListGroupsOutput{Groups: List[Group]{Member: []Group{}}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		groups, marker, err := page(ctx, tx, c.Account(), "group/", in.Marker, in.MaxItems, func(g *store.Group) bool {
			return strings.HasPrefix(g.Path, prefix)
		})
		if err != nil {
			return err
		}
		out.Groups.Member = out.Groups.Member[:0]
		for i := range groups {
			out.Groups.Member = append(out.Groups.Member, groupShape(&groups[i]))
		}
		out.Marker, out.IsTruncated = marker, marker != ""
		return nil
	})
	return out, err
}

// UpdateGroupInput is the input of UpdateGroup.
type UpdateGroupInput struct {
	GroupName    string `query:"GroupName,required"`
	NewPath      string `query:"NewPath"`
	NewGroupName string `query:"NewGroupName"`
}

// UpdateGroup renames a group or changes its path. The caller needs
// iam:UpdateGroup on both the old and the new ARN. Members and policies
// stay with the group. Errors: NoSuchEntity, EntityAlreadyExists,
// ValidationError, AccessDenied.
func (s *Service) UpdateGroup(ctx context.Context, c *authz.Caller, in *UpdateGroupInput) (*Empty, error) {
	if err := validateName("groupName", in.GroupName, 128); err != nil {
		return nil, err
	}
	if in.NewGroupName != "" {
		if err := validateName("newGroupName", in.NewGroupName, 128); err != nil {
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
		g, err := s.authorizedGroup(ctx, tx, c, "UpdateGroup", in.GroupName, nil)
		if err != nil {
			return err
		}
		ng := *g
		if in.NewGroupName != "" {
			ng.Name = in.NewGroupName
		}
		if in.NewPath != "" {
			ng.Path = in.NewPath
		}
		ng.ARN = entityARN(acct, "group", ng.Path, ng.Name)
		if ng.ARN != g.ARN {
			if err := s.authorize(ctx, c, "UpdateGroup", ng.ARN, nil); err != nil {
				return err
			}
		}
		return storeRenamed(ctx, tx, acct, "Group", g.Name, ng.Name, g.ID, &ng, store.GroupKey, store.GroupIDKey)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// DeleteGroupInput is the input of DeleteGroup.
type DeleteGroupInput struct {
	GroupName string `query:"GroupName,required"`
}

// DeleteGroup deletes a group that has no members and no inline or
// attached policies left. Errors: NoSuchEntity, DeleteConflict,
// ValidationError, AccessDenied.
func (s *Service) DeleteGroup(ctx context.Context, c *authz.Caller, in *DeleteGroupInput) (*Empty, error) {
	if err := validateName("groupName", in.GroupName, 128); err != nil {
		return nil, err
	}
	acct := c.Account()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		g, err := s.authorizedGroup(ctx, tx, c, "DeleteGroup", in.GroupName, nil)
		if err != nil {
			return err
		}
		conflicts := []struct{ prefix, msg string }{
			{store.MembersPrefix(g.ID), "Cannot delete entity, must remove users from group first."},
			{store.InlinePrefix(store.KindGroup, g.ID), "Cannot delete entity, must delete policies first."},
			{store.AttachPrefix(store.KindGroup, g.ID), "Cannot delete entity, must detach all policies first."},
		}
		if err := checkDeleteConflicts(ctx, tx, acct, conflicts); err != nil {
			return err
		}
		if err := tx.Delete(ctx, acct, store.GroupIDKey(g.ID)); err != nil && !isNotFound(err) {
			return err
		}
		return tx.Delete(ctx, acct, store.GroupKey(g.Name))
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// checkDeleteConflicts returns DeleteConflict with the message of the first
// prefix that still has records.
func checkDeleteConflicts(ctx context.Context, tx store.Tx, acct string, conflicts []struct{ prefix, msg string }) error {
	for _, cf := range conflicts {
		items, err := tx.List(ctx, acct, cf.prefix, "", 1)
		if err != nil {
			return err
		}
		if len(items) > 0 {
			return awserr.New(awserr.DeleteConflict, "%s", cf.msg)
		}
	}
	return nil
}

// AddUserToGroupInput is the input of AddUserToGroup.
type AddUserToGroupInput struct {
	GroupName string `query:"GroupName,required"`
	UserName  string `query:"UserName,required"`
}

// AddUserToGroup adds a user to a group; adding a member again changes
// nothing. The caller needs iam:AddUserToGroup on the group. Errors:
// NoSuchEntity (group or user), LimitExceeded (10 groups per user),
// ValidationError, AccessDenied.
func (s *Service) AddUserToGroup(ctx context.Context, c *authz.Caller, in *AddUserToGroupInput) (*Empty, error) {
	acct := c.Account()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		g, u, err := s.membership(ctx, tx, c, "AddUserToGroup", in.GroupName, in.UserName)
		if err != nil {
			return err
		}
		if _, err := tx.Get(ctx, acct, store.GroupsOfKey(u.ID, g.ID)); err == nil {
			return nil
		} else if !isNotFound(err) {
			return err
		}
		have, err := tx.List(ctx, acct, store.GroupsOfPrefix(u.ID), "", 0)
		if err != nil {
			return err
		}
		if len(have) >= maxGroupsPerUser {
			return awserr.New(awserr.LimitExceeded, "Cannot exceed quota for GroupsPerUser: %d", maxGroupsPerUser)
		}
		if err := tx.Put(ctx, acct, store.MemberKey(g.ID, u.ID), []byte("{}")); err != nil {
			return err
		}
		return tx.Put(ctx, acct, store.GroupsOfKey(u.ID, g.ID), []byte("{}"))
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// membership validates the names of a membership change, loads the group
// (authorizing action on it) and the user.
func (s *Service) membership(ctx context.Context, tx store.Tx, c *authz.Caller, action, groupName, userName string) (*store.Group, *store.User, error) {
	if err := validateName("groupName", groupName, 128); err != nil {
		return nil, nil, err
	}
	if err := validateName("userName", userName, 128); err != nil {
		return nil, nil, err
	}
	g, err := s.authorizedGroup(ctx, tx, c, action, groupName, nil)
	if err != nil {
		return nil, nil, err
	}
	u, err := loadUser(ctx, tx, c.Account(), userName)
	if err != nil {
		return nil, nil, err
	}
	return g, u, nil
}

// RemoveUserFromGroupInput is the input of RemoveUserFromGroup.
type RemoveUserFromGroupInput struct {
	GroupName string `query:"GroupName,required"`
	UserName  string `query:"UserName,required"`
}

// RemoveUserFromGroup removes a user from a group. The caller needs
// iam:RemoveUserFromGroup on the group. A user that exists but is not a
// member is reported as NoSuchEntity ("The user with name X cannot be
// found."), as IAM does. Errors: NoSuchEntity, ValidationError,
// AccessDenied.
func (s *Service) RemoveUserFromGroup(ctx context.Context, c *authz.Caller, in *RemoveUserFromGroupInput) (*Empty, error) {
	acct := c.Account()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		g, u, err := s.membership(ctx, tx, c, "RemoveUserFromGroup", in.GroupName, in.UserName)
		if err != nil {
			return err
		}
		if _, err := tx.Get(ctx, acct, store.GroupsOfKey(u.ID, g.ID)); err != nil {
			if isNotFound(err) {
				return noSuchEntity("user", in.UserName)
			}
			return err
		}
		if err := tx.Delete(ctx, acct, store.GroupsOfKey(u.ID, g.ID)); err != nil {
			return err
		}
		if err := tx.Delete(ctx, acct, store.MemberKey(g.ID, u.ID)); err != nil && !isNotFound(err) {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ListGroupsForUserInput is the input of ListGroupsForUser.
type ListGroupsForUserInput struct {
	UserName string `query:"UserName,required"`
	Marker   string `query:"Marker"`
	MaxItems *int   `query:"MaxItems"`
}

// ListGroupsForUser lists the groups a user is in, ordered by name. The
// caller needs iam:ListGroupsForUser on the user. Errors: NoSuchEntity,
// ValidationError, InvalidInput (bad Marker), AccessDenied.
func (s *Service) ListGroupsForUser(ctx context.Context, c *authz.Caller, in *ListGroupsForUserInput) (*ListGroupsOutput, error) {
	if err := validateName("userName", in.UserName, 128); err != nil {
		return nil, err
	}
	if _, err := pageLimit(in.MaxItems); err != nil {
		return nil, err
	}
	var out *ListGroupsOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		u, err := s.authorizedUser(ctx, tx, c, "ListGroupsForUser", in.UserName, nil)
		if err != nil {
			return err
		}
		all, err := userGroups(ctx, tx, c.Account(), u.ID)
		if err != nil {
			return err
		}
		groups, marker, err := pageInMemory(all, func(i int) string { return store.GroupKey(all[i].Name) }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		out = &ListGroupsOutput{Groups: List[Group]{Member: make([]Group, 0, len(groups))}, IsTruncated: marker != "", Marker: marker}
		for i := range groups {
			out.Groups.Member = append(out.Groups.Member, groupShape(&groups[i]))
		}
		return nil
	})
	return out, err
}
