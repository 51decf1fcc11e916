package policy

import (
	"strconv"
	"strings"
)

// family groups condition operators that compare values the same way. Each
// family's value parsing and comparison live in a cond_*.go file.
type family uint8

const (
	famString family = iota + 1
	famStringFold
	famStringLike
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famARN
	famNull
)

// cmpKind is the ordering test of numeric and date operators.
type cmpKind uint8

const (
	cmpEq cmpKind = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

func (k cmpKind) holds(c int) bool {
	switch k {
	case cmpLt:
		return c < 0
	case cmpLe:
		return c <= 0
	case cmpGt:
		return c > 0
	case cmpGe:
		return c >= 0
	default:
		return c == 0
	}
}

// setQual is a condition's set operator qualifier.
type setQual uint8

const (
	setNone setQual = iota
	setAll          // ForAllValues:
	setAny          // ForAnyValue:
)

// operator is a parsed condition operator name.
type operator struct {
	family   family
	cmp      cmpKind
	negated  bool
	ifExists bool
	set      setQual
}

type baseOp struct {
	family  family
	cmp     cmpKind
	negated bool
}

// baseOperators lists every condition operator of the IAM policy language.
var baseOperators = map[string]baseOp{
	"StringEquals":              {famString, cmpEq, false},
	"StringNotEquals":           {famString, cmpEq, true},
	"StringEqualsIgnoreCase":    {famStringFold, cmpEq, false},
	"StringNotEqualsIgnoreCase": {famStringFold, cmpEq, true},
	"StringLike":                {famStringLike, cmpEq, false},
	"StringNotLike":             {famStringLike, cmpEq, true},
	"NumericEquals":             {famNumeric, cmpEq, false},
	"NumericNotEquals":          {famNumeric, cmpEq, true},
	"NumericLessThan":           {famNumeric, cmpLt, false},
	"NumericLessThanEquals":     {famNumeric, cmpLe, false},
	"NumericGreaterThan":        {famNumeric, cmpGt, false},
	"NumericGreaterThanEquals":  {famNumeric, cmpGe, false},
	"DateEquals":                {famDate, cmpEq, false},
	"DateNotEquals":             {famDate, cmpEq, true},
	"DateLessThan":              {famDate, cmpLt, false},
	"DateLessThanEquals":        {famDate, cmpLe, false},
	"DateGreaterThan":           {famDate, cmpGt, false},
	"DateGreaterThanEquals":     {famDate, cmpGe, false},
	"Bool":                      {famBool, cmpEq, false},
	"BinaryEquals":              {famBinary, cmpEq, false},
	"IpAddress":                 {famIP, cmpEq, false},
	"NotIpAddress":              {famIP, cmpEq, true},
	"ArnEquals":                 {famARN, cmpEq, false},
	"ArnLike":                   {famARN, cmpEq, false},
	"ArnNotEquals":              {famARN, cmpEq, true},
	"ArnNotLike":                {famARN, cmpEq, true},
	"Null":                      {famNull, cmpEq, false},
}

// parseOperator reads an operator name such as
// "ForAnyValue:StringLikeIfExists". msg says why a name is not valid.
func parseOperator(name string) (op operator, msg string) {
	base := name
	if q, rest, ok := strings.Cut(name, ":"); ok {
		switch q {
		case "ForAllValues":
			op.set = setAll
		case "ForAnyValue":
			op.set = setAny
		default:
			return op, "unknown set operator " + strconv.Quote(q) + " (use ForAllValues or ForAnyValue)"
		}
		base = rest
	}
	if b, ok := strings.CutSuffix(base, "IfExists"); ok && b != "" {
		op.ifExists = true
		base = b
	}
	b, ok := baseOperators[base]
	if !ok {
		return op, "unknown condition operator " + strconv.Quote(name)
	}
	if b.family == famNull && (op.ifExists || op.set != setNone) {
		return op, "the Null operator takes no set operator and no IfExists: " + strconv.Quote(name)
	}
	op.family, op.cmp, op.negated = b.family, b.cmp, b.negated
	return op, ""
}

// checkValue returns why v is not a valid value for the operator, or "".
func (op operator) checkValue(v string) string {
	switch op.family {
	case famNumeric:
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return strconv.Quote(v) + " is not a number"
		}
	case famDate:
		if _, ok := parseDate(v); !ok {
			return strconv.Quote(v) + " is not a date: use ISO 8601 (2026-01-02T15:04:05Z) or epoch seconds"
		}
	case famBool:
		if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
			return strconv.Quote(v) + " is not a boolean: use \"true\" or \"false\""
		}
	case famNull:
		if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
			return strconv.Quote(v) + " is not valid for Null: use \"true\" (key absent) or \"false\" (key present)"
		}
	case famBinary:
		if _, ok := decodeBase64(v); !ok {
			return strconv.Quote(v) + " is not base64-encoded binary data"
		}
	case famIP:
		if _, ok := parseIPPrefix(v); !ok {
			return strconv.Quote(v) + " is not an IP address or CIDR range"
		}
	}
	return ""
}

// condition is one compiled key test of a Condition block.
type condition struct {
	// plainEquals marks a StringEquals-family condition without policy
	// variables: matching is comparing strings.
	plainEquals bool
	op          operator
	key         string // lower-cased
	hash        uint32 // keyHash(key)
	values      []cvalue
}

// cvalue is one compiled condition value.
type cvalue struct {
	// text is the literal for string families, the glob-form pattern for
	// StringLike and Arn operators, and "true"/"false" for Bool and Null.
	text string
	// tmpl is set when the value has policy variables.
	tmpl *template
	num  float64
	date dateValue
	ip   ipPrefix
	bin  []byte
}

func compileCondition(op operator, raw string, vars bool) cvalue {
	cv := cvalue{text: raw}
	switch op.family {
	case famString, famStringFold:
		if vars {
			cv.tmpl = parseTemplate(raw)
		}
	case famStringLike, famARN:
		if vars {
			cv.tmpl = parseTemplate(raw)
		}
		cv.text = string(globLiteral(nil, raw))
	case famNumeric:
		cv.num, _ = strconv.ParseFloat(raw, 64)
	case famDate:
		cv.date, _ = parseDate(raw)
	case famBool, famNull:
		cv.text = strings.ToLower(raw)
	case famBinary:
		cv.bin, _ = decodeBase64(raw)
	case famIP:
		cv.ip, _ = parseIPPrefix(raw)
	}
	return cv
}

// eval decides the condition for the request.
func (c *condition) eval(st *evalState) bool {
	v, ok := st.lookupHashed(c.key, c.hash)
	present := ok && v.len() > 0
	if c.op.family == famNull {
		// "true" asks for an absent key, "false" for a present one.
		for i := range c.values {
			if (c.values[i].text == "true") != present {
				return true
			}
		}
		return false
	}
	if !present {
		if c.op.ifExists {
			return true
		}
		switch c.op.set {
		case setAll:
			return true
		case setAny:
			return false
		}
		return c.op.negated
	}
	if !v.multi {
		// The common case. With one value the set operators agree with
		// the plain one.
		return c.matchAny(st, v.one) != c.op.negated
	}
	n := v.len()
	switch c.op.set {
	case setAll:
		for i := 0; i < n; i++ {
			if c.matchAny(st, v.at(i)) == c.op.negated {
				return false
			}
		}
		return true
	case setAny:
		for i := 0; i < n; i++ {
			if c.matchAny(st, v.at(i)) != c.op.negated {
				return true
			}
		}
		return false
	default:
		for i := 0; i < n; i++ {
			if c.matchAny(st, v.at(i)) {
				return !c.op.negated
			}
		}
		return c.op.negated
	}
}

// matchAny reports whether the context value x matches any of the
// condition's values under the operator's positive form.
func (c *condition) matchAny(st *evalState, x string) bool {
	if c.plainEquals {
		for i := range c.values {
			if c.values[i].text == x {
				return true
			}
		}
		return false
	}
	for i := range c.values {
		if c.matchValue(st, &c.values[i], x) {
			return true
		}
	}
	return false
}

func (c *condition) matchValue(st *evalState, cv *cvalue, x string) bool {
	switch c.op.family {
	case famString, famStringFold:
		return matchString(st, cv, x, c.op.family == famStringFold)
	case famStringLike:
		return matchLike(st, cv, x)
	case famARN:
		return matchARNValue(st, cv, x)
	case famNumeric:
		return matchNumeric(cv, x, c.op.cmp)
	case famDate:
		return matchDate(st, cv, x, c.op.cmp)
	case famBool:
		return strings.EqualFold(x, cv.text)
	case famBinary:
		return matchBinary(cv, x)
	case famIP:
		return matchIP(st, cv, x)
	}
	return false
}
