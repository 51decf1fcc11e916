package audit

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Explain writes a person's account of an event: who asked for what, the
// answer, and for every authorization check the policies consulted, the
// statements that decided, and the request context keys and values used,
// ending with what would change the answer of a denied request.
func Explain(w io.Writer, ev *Event) error {
	p := &printer{w: w}
	u := &ev.UserIdentity
	action := strings.TrimSuffix(ev.EventSource, ".amazonaws.com") + ":" + ev.EventName
	p.f("Request %s at %s: %s in %s\n", ev.RequestID, ev.EventTime, action, ev.AWSRegion)
	if ev.ErrorCode != "" {
		p.f("Result:    %s: %s\n", ev.ErrorCode, ev.ErrorMessage)
	} else {
		p.f("Result:    success\n")
	}
	p.f("\nPrincipal\n")
	p.f("  type:          %s\n", u.Type)
	p.kv("arn", u.ARN)
	p.kv("principalId", u.PrincipalID)
	p.kv("accountId", u.AccountID)
	p.kv("accessKeyId", u.AccessKeyID)
	p.kv("userName", u.UserName)
	if sc := u.SessionContext; sc != nil {
		if si := sc.SessionIssuer; si != nil {
			p.f("  session of:    %s %s\n", si.Type, si.ARN)
		}
		p.f("  session:       created %s, MFA %s\n", sc.Attributes.CreationDate, sc.Attributes.MFAAuthenticated)
	}
	p.kv("source IP", ev.SourceIPAddress)
	d := ev.Decision
	if d == nil {
		p.f("\nNo authorization decision: the request was refused before it was authorized")
		if ev.ErrorCode != "" {
			p.f(" (%s)", ev.ErrorCode)
		}
		p.f(".\n")
		return p.err
	}
	if len(d.Checks) == 0 {
		p.f("\nNo authorization check was made (%s needs none, or it failed first).\n", action)
		return p.err
	}
	p.f("\nDecision: %s", d.Outcome)
	if d.Reason != "" {
		p.f(" — %s", d.Reason)
	}
	p.f("\n")
	for i, c := range d.Checks {
		p.f("\nCheck %d: %s on %s → %s\n", i+1, c.Action, c.Resource, c.Outcome)
		if c.Reason != "" {
			p.f("  reason: %s\n", c.Reason)
		}
		p.f("  policies consulted:\n")
		if len(c.Policies) == 0 {
			p.f("    (none)\n")
		}
		for _, pr := range c.Policies {
			p.f("    %-22s %s\n", pr.Source, pr.ID)
		}
		p.f("  deciding statements:\n")
		if len(c.Statements) == 0 {
			switch c.Outcome {
			case "Allow":
				p.f("    none needed (the root user acts in its own account)\n")
			default:
				p.f("    none: no statement matched\n")
			}
		}
		for _, s := range c.Statements {
			sid := s.Sid
			if sid == "" {
				sid = "(no Sid)"
			}
			p.f("    %-22s %s statement %d %s\n", s.Source, s.PolicyID, s.Index, sid)
		}
		p.f("  context keys:\n")
		printContext(p, d.PrincipalContext, " (from the principal)")
		printContext(p, c.Context, "")
	}
	if c, ok := deciding(d); ok {
		p.f("\nTo change this answer: %s\n", advice(ev, c))
	}
	return p.err
}

// deciding returns the first check that did not allow.
func deciding(d *Decision) (Check, bool) {
	for _, c := range d.Checks {
		if c.Outcome != "Allow" {
			return c, true
		}
	}
	return Check{}, false
}

// advice says what would make a denied check allowed.
func advice(ev *Event, c Check) string {
	who := ev.UserIdentity.ARN
	if c.Outcome == "ExplicitDeny" && len(c.Statements) > 0 {
		s := c.Statements[0]
		return fmt.Sprintf("statement %d of %s (%s) denies %s on %s; remove or narrow it (an explicit deny overrides every allow).",
			s.Index, s.PolicyID, s.Source, c.Action, c.Resource)
	}
	missing := "an identity-based policy"
	switch {
	case strings.Contains(c.Reason, "permissions boundary"):
		missing = "the permissions boundary"
	case strings.Contains(c.Reason, "session policy"):
		missing = "a session policy (passed when the session was made)"
	case strings.Contains(c.Reason, "resource-based policy"):
		missing = "the resource's own policy (a role's trust policy)"
	}
	return fmt.Sprintf("%s of %s must allow %s on %s.", missing, who, c.Action, c.Resource)
}

// printContext prints context keys, sorted.
func printContext(p *printer, ctx Context, note string) {
	sorted := slices.Clone(ctx)
	slices.SortFunc(sorted, func(a, b ContextKey) int { return strings.Compare(a.Key, b.Key) })
	for _, kv := range sorted {
		if kv.Multi {
			p.f("    %s = %q%s\n", kv.Key, kv.Values, note)
		} else {
			p.f("    %s = %s%s\n", kv.Key, strings.Join(kv.Values, ", "), note)
		}
	}
}

// printer writes formatted text and keeps the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *printer) kv(k, v string) {
	if v != "" {
		p.f("  %-14s %s\n", k+":", v)
	}
}
