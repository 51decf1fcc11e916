package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/gatehouse-iam/gatehouse/audit"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
	"github.com/gatehouse-iam/gatehouse/protocol/restjson"
	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/store/sqlite"
)

// openAudit starts the audit trail: the journal in the data directory,
// replayed into the store, and the --audit-log sink. stdout is the sink
// of --audit-log -.
func (s *Server) openAudit(ctx context.Context, stdout io.Writer) error {
	if s.cfg.AuditDisabled {
		return nil
	}
	var sink io.Writer
	switch s.cfg.AuditLog {
	case "":
	case "-":
		sink = stdout
	default:
		f, err := os.OpenFile(s.cfg.AuditLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("--audit-log: %w", err)
		}
		s.auditLog = f
		sink = f
	}
	st, err := openAuditStore(ctx, s.cfg, s.raw)
	if err != nil {
		return errors.Join(err, s.closeAuditLog())
	}
	s.auditStore = st
	rec, err := audit.Open(ctx, audit.Options{Dir: s.cfg.DataDir, Store: st, Sink: sink, Retention: s.cfg.AuditRetention, Log: s.log, Expand: expandRecord})
	if err != nil {
		return errors.Join(err, s.closeAuditStore(), s.closeAuditLog())
	}
	s.audit = rec
	return nil
}

// auditReader reads the stored audit trail.
func (s *Server) auditReader() audit.Reader {
	return audit.Reader{Store: s.auditStore, Expand: expandRecord}
}

// auditPageSize is the page size of audit.db: its values are batches of
// events, some kilobytes each, which 4 KiB pages split into many.
const auditPageSize = 64 << 10

// openAuditStore returns where audit events are stored: with SQLite, a
// database of their own (audit.db in the data directory), so that storing
// events never waits for, nor holds up, the single writer of the main
// database; with PostgreSQL, the shared store (raw: events must not go
// through the hook that bumps the generations the caches key on).
func openAuditStore(ctx context.Context, cfg Config, raw store.Store) (store.Store, error) {
	if strings.HasPrefix(cfg.Store, "postgres://") || strings.HasPrefix(cfg.Store, "postgresql://") {
		return raw, nil
	}
	st, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "audit.db"), sqlite.PageSize(auditPageSize))
	if err != nil {
		return nil, fmt.Errorf("audit store: %w", err)
	}
	return st, nil
}

func (s *Server) closeAuditStore() error {
	if s.auditStore == nil || s.auditStore == s.raw {
		return nil
	}
	return s.auditStore.Close()
}

func (s *Server) closeAuditLog() error {
	if s.auditLog == nil {
		return nil
	}
	return s.auditLog.Close()
}

// closeAudit stores what the journal holds and closes the sink.
func (s *Server) closeAudit() error {
	if s.audit == nil {
		return nil
	}
	return errors.Join(s.audit.Close(), s.closeAuditStore(), s.closeAuditLog())
}

// FlushAudit stores every audit event recorded so far, so that queries of
// the store see them (the journal is moved into the store every 100ms
// otherwise).
func (s *Server) FlushAudit(ctx context.Context) error {
	if s.audit == nil {
		return nil
	}
	return s.audit.Flush(ctx)
}

// record makes the exchange's audit event durable and then sends the
// response the handler wrote into sw: a client never sees an answer whose
// event could be lost. What is journaled is the compact record of the
// exchange (audit_record.go), which the recorder expands into the event
// in the background. If the record cannot be written, the client gets an
// internal error instead.
func (s *Server) record(ex *exchange, sw *statusWriter) {
	if s.audit != nil {
		bp := recordBufs.Get().(*[]byte)
		*bp = appendEntry((*bp)[:0], ex)
		err := s.audit.Record(*bp, ex.Start)
		if cap(*bp) <= maxPooledRecord {
			recordBufs.Put(bp)
		}
		if err != nil {
			s.log.Error("audit event not written", "request_id", ex.ID, "err", err)
			sw.reset()
			ex.fail(awserr.Internal(err))
			ex.Result = nil
			switch ex.Service {
			case "ivs":
				restjson.WriteError(sw, ex.ID, ex.Err)
			case "cloudtrail":
				writeJSONError(sw, ex.ID, ex.Err)
			default:
				awsquery.WriteError(sw, awsquery.IAMNamespace, ex.ID, ex.Err)
			}
		}
	}
	sw.send()
	ex.Status = sw.status
}

// recordBufs holds the buffers of compact records, and of buffered
// responses (maxPooledRecord bounds what it keeps).
var recordBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

const maxPooledRecord = 64 << 10

// auditEvent builds the CloudTrail record of an exchange, given its
// responseElements and decision block (nil when the caller was not
// authenticated). Its event id is left for the caller to set.
func auditEvent(ex *exchange, response map[string]any, decision *audit.Decision) *audit.Event {
	region := ex.Region
	if region == "" {
		region = "us-east-1"
	}
	ev := &audit.Event{
		EventVersion:    audit.EventVersion,
		EventTime:       ex.Start.UTC().Format(audit.TimeFormat),
		EventSource:     audit.EventSource(ex.Service),
		EventName:       ex.Operation,
		AWSRegion:       region,
		UserAgent:       ex.R.UserAgent(),
		RequestID:       ex.ID,
		ReadOnly:        audit.ReadOnly(ex.Service, ex.Operation),
		EventType:       "AwsApiCall",
		ManagementEvent: true,
		EventCategory:   "Management",
		UserIdentity:    userIdentity(ex),
		Decision:        decision,
	}
	if a, ok := parseHostAddr(ex.R.RemoteAddr); ok {
		ev.SourceIPAddress = a.String()
	}
	ev.RecipientAccountID = ev.UserIdentity.AccountID
	if t := ex.R.TLS; t != nil {
		ev.TLSDetails = &audit.TLSDetails{
			TLSVersion:               strings.Replace(tls.VersionName(t.Version), "TLS ", "TLSv", 1),
			CipherSuite:              tls.CipherSuiteName(t.CipherSuite),
			ClientProvidedHostHeader: ex.R.Host,
		}
	}
	switch p := ex.Params.(type) {
	case url.Values:
		ev.RequestParameters = audit.QueryParameters(p)
	case *restjson.Request:
		ev.RequestParameters = audit.JSONParameters(p.Body, p.Path, p.Query)
	case []byte:
		ev.RequestParameters = audit.JSONParameters(p, nil, nil)
	}
	if ex.Err != nil {
		ev.ErrorCode, ev.ErrorMessage = ex.Err.Code, ex.Err.Message
	} else {
		ev.ResponseElements = response
	}
	return ev
}

// userIdentity is CloudTrail's userIdentity of the exchange's caller; only
// the access key id when the caller was not authenticated.
func userIdentity(ex *exchange) audit.UserIdentity {
	c := ex.Caller
	if c == nil {
		return audit.UserIdentity{Type: audit.IdentityUnknown, AccessKeyID: ex.AccessKeyID}
	}
	p := &c.Principal
	u := audit.UserIdentity{PrincipalID: p.UserID, ARN: p.ARN, AccountID: p.Account, AccessKeyID: c.AccessKeyID}
	switch p.Type {
	case policy.Root:
		u.Type = audit.IdentityRoot
	case policy.User:
		u.Type, u.UserName = audit.IdentityIAMUser, p.Username
	case policy.AssumedRole:
		u.Type = audit.IdentityAssumedRole
	case policy.FederatedUser:
		u.Type = audit.IdentityFederatedUser
	}
	if ses := c.Session; ses != nil {
		mfa := "false"
		if ses.MFA {
			mfa = "true"
		}
		sc := &audit.SessionContext{
			Attributes:     audit.SessionAttributes{CreationDate: ses.IssuedAt.UTC().Format(audit.TimeFormat), MFAAuthenticated: mfa},
			SourceIdentity: ses.SourceIdentity,
		}
		switch p.Type {
		case policy.AssumedRole:
			roleID, _, _ := strings.Cut(p.UserID, ":")
			sc.SessionIssuer = &audit.SessionIssuer{Type: "Role", PrincipalID: roleID, ARN: p.RoleARN,
				AccountID: p.Account, UserName: p.RoleARN[strings.LastIndexByte(p.RoleARN, '/')+1:]}
		case policy.FederatedUser:
			if ses.SourceUserName == "" {
				sc.SessionIssuer = &audit.SessionIssuer{Type: audit.IdentityRoot, PrincipalID: p.Account,
					ARN: "arn:aws:iam::" + p.Account + ":root", AccountID: p.Account}
			} else {
				sc.SessionIssuer = &audit.SessionIssuer{Type: audit.IdentityIAMUser,
					ARN: "arn:aws:iam::" + p.Account + ":user/" + ses.SourceUserName, AccountID: p.Account, UserName: ses.SourceUserName}
			}
		}
		u.SessionContext = sc
	}
	return u
}

// isAccessDenied reports whether an error code is a denial
// (AccessDenied, AccessDeniedException).
func isAccessDenied(code string) bool { return strings.HasPrefix(code, "AccessDenied") }

// principalOf describes a principal for the decision block.
func principalOf(p *policy.Principal) *audit.Principal {
	ap := &audit.Principal{ARN: p.ARN, Type: p.Type.String(), Account: p.Account, UserID: p.UserID, UserName: p.Username, RoleARN: p.RoleARN}
	if len(p.Tags) > 0 {
		ap.Tags = make(map[string]string, len(p.Tags))
		for _, t := range p.Tags {
			ap.Tags[t.Key] = t.Value
		}
	}
	return ap
}

// principalContext holds the condition keys the policy engine derives from
// the principal, with the values it derives.
func principalContext(p *policy.Principal) audit.Context {
	one := func(k, v string) audit.ContextKey { return audit.ContextKey{Key: k, Values: []string{v}} }
	arn := p.ARN
	if p.Type == policy.AssumedRole {
		arn = p.RoleARN
	}
	out := make(audit.Context, 0, 5+len(p.Tags))
	out = append(out, one("aws:PrincipalArn", arn), one("aws:PrincipalAccount", p.Account), one("aws:PrincipalType", p.Type.String()))
	if p.UserID != "" {
		out = append(out, one("aws:userid", p.UserID))
	}
	if p.Type == policy.User && p.Username != "" {
		out = append(out, one("aws:username", p.Username))
	}
	for _, t := range p.Tags {
		out = append(out, one("aws:PrincipalTag/"+t.Key, t.Value))
	}
	return out
}
