package policy

import (
	"slices"
	"strconv"
	"strings"
)

// Lint returns findings about a valid policy in the manner of IAM Access
// Analyzer's policy checks: grants broader than they look, condition keys
// the actions never carry, resources of another service, variables that are
// literal text. Findings never make a policy invalid.
func Lint(p *Policy) []Finding {
	l := linter{p: p}
	if p.Version == "" {
		l.add(Suggestion, "MISSING_VERSION", -1, 0, "", `the policy has no Version; add "Version": "2012-10-17" (without it policy variables are literal text)`)
	}
	for i := range p.Statements {
		l.statement(i, &p.Statements[i])
	}
	return l.out
}

type linter struct {
	p   *Policy
	out []Finding
}

func (l *linter) add(sev Severity, code string, stmt int, off int, field, msg string) {
	f := Finding{Severity: sev, Code: code, Statement: stmt, Field: field, Msg: msg}
	if stmt >= 0 {
		f.Sid = l.p.Statements[stmt].Sid
		if l.p.src != nil {
			f.Line, f.Column = lineCol(l.p.src, off)
		}
	}
	l.out = append(l.out, f)
}

func (l *linter) statement(i int, s *Statement) {
	allow := s.Effect == EffectAllow
	if allow {
		for _, a := range s.Action {
			switch svc, name, _ := strings.Cut(a, ":"); {
			case a == "*":
				l.add(Warning, "ADMIN_WILDCARD", i, s.pos.action, "Action", `"*" grants every action of every service; grant only the actions the identity needs`)
			case name == "*" && strings.EqualFold(svc, "ivs"):
				l.add(Warning, "ADMIN_WILDCARD", i, s.pos.action, "Action", strconv.Quote(a)+" grants every IVS action; the IVS guidance reserves ivs:* for administrators: do not use it in policies for applications")
			case name == "*":
				l.add(Warning, "ADMIN_WILDCARD", i, s.pos.action, "Action", strconv.Quote(a)+" grants every action of "+svc+", including actions added later; list the actions the identity needs")
			}
		}
		if s.NotAction != nil {
			l.add(Warning, "ALLOW_WITH_NOT_ACTION", i, s.pos.action, "NotAction", "Allow with NotAction grants every action not listed, of every service, including actions added later")
		}
		if s.NotResource != nil {
			l.add(Warning, "ALLOW_WITH_NOT_RESOURCE", i, s.pos.resource, "NotResource", "Allow with NotResource grants access to every resource not listed, of every service")
		}
	}
	if l.p.Version != Version2012 {
		for _, r := range append(append([]string(nil), s.Resource...), s.NotResource...) {
			if parseTemplate(r) != nil {
				l.add(Warning, "VARIABLE_IN_OLD_VERSION", i, s.pos.resource, "Resource", strconv.Quote(r)+" uses a policy variable, which is literal text unless the policy's Version is 2012-10-17")
			}
		}
	}
	l.resourceServices(i, s)
	l.conditionKeys(i, s)
}

// resourceServices warns about a resource ARN whose service none of the
// statement's actions belongs to.
func (l *linter) resourceServices(i int, s *Statement) {
	if s.NotAction != nil || len(s.Action) == 0 {
		return
	}
	var svcs []string
	for _, a := range s.Action {
		if a == "*" {
			return
		}
		svc, _, _ := strings.Cut(a, ":")
		if svc = strings.ToLower(svc); !slices.Contains(svcs, svc) {
			svcs = append(svcs, svc)
		}
	}
	for _, r := range append(append([]string(nil), s.Resource...), s.NotResource...) {
		f, ok := splitARN(r)
		if !ok || strings.ContainsAny(f[2], "*?$") {
			continue
		}
		rsvc := strings.ToLower(f[2])
		fits := false
		for _, svc := range svcs {
			if globMatch(svc, rsvc, true) || (svc == "sts" && rsvc == "iam") {
				fits = true
			}
		}
		if !fits {
			l.add(Warning, "RESOURCE_SERVICE_MISMATCH", i, s.pos.resource, "Resource", strconv.Quote(r)+" is a resource of "+f[2]+", but the statement's actions are of "+strings.Join(svcs, ", ")+": it can never match")
		}
	}
}

// conditionKeys checks condition keys against the actions they guard.
func (l *linter) conditionKeys(i int, s *Statement) {
	if len(s.Condition) == 0 {
		return
	}
	// The IVS actions the statement's Action element covers, and the tag
	// keys at least one of them supports.
	var covered int
	var supported keySet
	ivsOnly := s.NotAction == nil
	for _, a := range s.Action {
		svc, name, _ := strings.Cut(strings.ToLower(a), ":")
		if svc != "ivs" {
			ivsOnly = false
			continue
		}
		for act, keys := range ivsActions {
			if globMatch(name, act, true) {
				covered++
				supported |= keys
			}
		}
	}
	nullFalse := map[string]bool{}
	for _, b := range s.Condition {
		if b.Operator == "Null" {
			for _, e := range b.Entries {
				for _, v := range e.Values {
					if strings.EqualFold(v, "false") {
						nullFalse[strings.ToLower(e.Key)] = true
					}
				}
			}
		}
	}
	for _, b := range s.Condition {
		op, _ := parseOperator(b.Operator)
		for _, e := range b.Entries {
			key := strings.ToLower(e.Key)
			field := "Condition." + b.Operator
			if ivsOnly && covered > 0 {
				if k := tagKeys(key); k != 0 && supported&k == 0 {
					l.add(Warning, "UNSUPPORTED_CONDITION_KEY", i, s.pos.condition, field, strconv.Quote(e.Key)+" is never present in requests for the statement's actions, so the condition "+absentOutcome(op))
				}
				if strings.HasPrefix(key, "ivs:") {
					l.add(Warning, "UNSUPPORTED_CONDITION_KEY", i, s.pos.condition, field, "IVS defines no service-specific condition keys: "+strconv.Quote(e.Key)+" is never present, so the condition "+absentOutcome(op))
				}
			}
			multi := multiValuedKeys[key]
			switch {
			case multi && op.set == setNone && op.family != famNull:
				l.add(Warning, "MISSING_SET_OPERATOR", i, s.pos.condition, field, strconv.Quote(e.Key)+" has several values: use ForAllValues: or ForAnyValue: with "+b.Operator)
			case !multi && op.set != setNone && strings.HasPrefix(key, "aws:"):
				l.add(Warning, "SET_OPERATOR_ON_SINGLE_VALUED_KEY", i, s.pos.condition, field, strconv.Quote(e.Key)+" has a single value; a set operator on it is true whenever the key is absent (ForAllValues) or behaves like the plain operator")
			}
			if op.set == setAll && s.Effect == EffectAllow && !nullFalse[key] {
				l.add(Suggestion, "FORALLVALUES_WITHOUT_NULL", i, s.pos.condition, field, "ForAllValues is also true when the request has no "+e.Key+`; add "Null": {"`+e.Key+`": "false"} to require it`)
			}
		}
	}
}

// absentOutcome says what an operator answers for an absent key.
func absentOutcome(op operator) string {
	switch {
	case op.family == famNull:
		return "always finds the key absent"
	case op.ifExists || op.set == setAll || (op.negated && op.set == setNone):
		return "is always true"
	default:
		return "is never true"
	}
}
