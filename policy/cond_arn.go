package policy

// ARN operators: ArnEquals and ArnLike (which behave the same, wildcards
// included) and their negations. They compare field by field.

func matchARNValue(st *evalState, cv *cvalue, x string) bool {
	if cv.tmpl == nil {
		return arnMatch(cv.text, x)
	}
	var arr [maxExpand]byte
	b, ok := cv.tmpl.expand(arr[:0], st, expandARN)
	return ok && arnMatch(b, x)
}
