package classad

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
)

// AdFromClaims builds the ad HTCondor evaluates SEC_TOKEN_REVOCATION_EXPR
// against (isTokenRevoked, tokens.md §6.3): every claim that is a boolean,
// an integer, a real or a string becomes an attribute of the same name;
// arrays, objects and nulls are skipped.
//
// picojson, which HTCondor uses, reads a JSON number without fraction or
// exponent as an integer. To match that, json.Number values are integers
// when they parse as int64, and float64 values (what encoding/json yields
// by default) are integers when they are whole numbers within ±2^53.
// Claims are inserted in sorted name order, so of two names differing only
// in case the bytewise-larger one wins, as with picojson's sorted map.
func AdFromClaims(claims map[string]any) *Ad {
	ad := NewAd()
	names := make([]string, 0, len(claims))
	for k := range claims {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !ValidName(k) {
			continue
		}
		if v, ok := claimValue(claims[k]); ok {
			_ = ad.Set(k, Lit(v))
		}
	}
	return ad
}

func claimValue(c any) (Value, bool) {
	switch c := c.(type) {
	case bool:
		return BoolValue(c), true
	case string:
		return StringValue(c), true
	case int:
		return IntValue(int64(c)), true
	case int8:
		return IntValue(int64(c)), true
	case int16:
		return IntValue(int64(c)), true
	case int32:
		return IntValue(int64(c)), true
	case int64:
		return IntValue(c), true
	case uint8:
		return IntValue(int64(c)), true
	case uint16:
		return IntValue(int64(c)), true
	case uint32:
		return IntValue(int64(c)), true
	case uint:
		if uint64(c) <= math.MaxInt64 {
			return IntValue(int64(c)), true
		}
		return RealValue(float64(c)), true
	case uint64:
		if c <= math.MaxInt64 {
			return IntValue(int64(c)), true
		}
		return RealValue(float64(c)), true
	case float32:
		return floatClaim(float64(c)), true
	case float64:
		return floatClaim(c), true
	case json.Number:
		if i, err := strconv.ParseInt(string(c), 10, 64); err == nil {
			return IntValue(i), true
		}
		if f, err := strconv.ParseFloat(string(c), 64); err == nil {
			return RealValue(f), true
		}
	}
	return Value{}, false
}

func floatClaim(f float64) Value {
	const maxExact = 1 << 53
	if f == math.Trunc(f) && math.Abs(f) <= maxExact {
		return IntValue(int64(f))
	}
	return RealValue(f)
}

// TokenRevoked reports whether SEC_TOKEN_REVOCATION_EXPR expr revokes a
// token with the given payload claims (isTokenRevoked, tokens.md §6.3): the
// token is revoked when expr evaluates to true, when the result is not
// boolean-equivalent (UNDEFINED, ERROR, a string...), or when a claim
// could not be put in the ad (an empty claim name) — HTCondor errs on the
// side of caution in both cases. A zero expr (no revocation expression
// configured) revokes nothing.
func TokenRevoked(expr Expr, claims map[string]any) bool {
	if expr.IsZero() {
		return false
	}
	if _, empty := claims[""]; empty {
		if _, ok := claimValue(claims[""]); ok {
			return true
		}
	}
	revoked, ok := EvalBool(expr, AdFromClaims(claims))
	return revoked || !ok
}
