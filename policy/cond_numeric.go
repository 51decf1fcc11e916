package policy

import "strconv"

// Numeric operators compare decimal numbers, not strings: "900" is less
// than "3600".

func matchNumeric(cv *cvalue, x string, cmp cmpKind) bool {
	n, err := strconv.ParseFloat(x, 64)
	if err != nil {
		return false
	}
	switch {
	case n < cv.num:
		return cmp.holds(-1)
	case n > cv.num:
		return cmp.holds(1)
	default:
		return cmp.holds(0)
	}
}
