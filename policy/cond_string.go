package policy

import "strings"

// String operators: StringEquals, StringNotEquals, the IgnoreCase pair,
// StringLike and StringNotLike. Their values may hold policy variables.

// maxExpand is the stack buffer size for expanding a template; longer
// expansions still work, on the heap.
const maxExpand = 256

func matchString(st *evalState, cv *cvalue, x string, fold bool) bool {
	if cv.tmpl == nil {
		if fold {
			return strings.EqualFold(cv.text, x)
		}
		return cv.text == x
	}
	var arr [maxExpand]byte
	b, ok := cv.tmpl.expand(arr[:0], st, expandText)
	if !ok {
		return false
	}
	if fold {
		return strings.EqualFold(string(b), x)
	}
	return string(b) == x
}

func matchLike(st *evalState, cv *cvalue, x string) bool {
	if cv.tmpl == nil {
		return globMatch(cv.text, x, false)
	}
	var arr [maxExpand]byte
	b, ok := cv.tmpl.expand(arr[:0], st, expandGlob)
	return ok && globMatch(b, x, false)
}
