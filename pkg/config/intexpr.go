package config

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// errNotInteger marks a value that is neither an integer nor an integer
// expression.
var errNotInteger = errors.New("not an integer")

// maxIntExprDepth bounds parenthesis nesting in integer expressions.
const maxIntExprDepth = 100

// evalInt parses an integer knob value the way HTCondor's param_integer
// does for the cases that occur in practice: a decimal integer (strtoll,
// blanks around it allowed), else an expression of integers with + - * / %,
// unary signs and parentheses (HTCondor evaluates it as a ClassAd; other
// ClassAd constructs are refused here).
func evalInt(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		return n, nil
	}
	p := &intParser{s: t}
	n, err := p.expr(0)
	if err != nil {
		return 0, err
	}
	p.skip()
	if p.i != len(p.s) {
		return 0, errNotInteger
	}
	return n, nil
}

type intParser struct {
	s string
	i int
}

func (p *intParser) skip() {
	for p.i < len(p.s) && isSpace(p.s[p.i]) {
		p.i++
	}
}

func (p *intParser) peek() byte {
	p.skip()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *intParser) expr(depth int) (int64, error) {
	a, err := p.term(depth)
	if err != nil {
		return 0, err
	}
	for {
		op := p.peek()
		if op != '+' && op != '-' {
			return a, nil
		}
		p.i++
		b, err := p.term(depth)
		if err != nil {
			return 0, err
		}
		if op == '-' {
			if b == math.MinInt64 {
				return 0, errors.New("integer overflow")
			}
			b = -b
		}
		if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
			return 0, errors.New("integer overflow")
		}
		a += b
	}
}

func (p *intParser) term(depth int) (int64, error) {
	a, err := p.unary(depth)
	if err != nil {
		return 0, err
	}
	for {
		op := p.peek()
		if op != '*' && op != '/' && op != '%' {
			return a, nil
		}
		p.i++
		b, err := p.unary(depth)
		if err != nil {
			return 0, err
		}
		switch op {
		case '*':
			if a != 0 && b != 0 {
				r := a * b
				if r/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
					return 0, errors.New("integer overflow")
				}
				a = r
			} else {
				a = 0
			}
		default:
			if b == 0 {
				return 0, errors.New("division by zero")
			}
			if a == math.MinInt64 && b == -1 {
				return 0, errors.New("integer overflow")
			}
			if op == '/' {
				a /= b
			} else {
				a %= b
			}
		}
	}
}

func (p *intParser) unary(depth int) (int64, error) {
	if depth > maxIntExprDepth {
		return 0, errors.New("expression nested too deeply")
	}
	switch p.peek() {
	case '-':
		p.i++
		v, err := p.unary(depth + 1)
		if err != nil {
			return 0, err
		}
		if v == math.MinInt64 {
			return 0, errors.New("integer overflow")
		}
		return -v, nil
	case '+':
		p.i++
		return p.unary(depth + 1)
	}
	return p.primary(depth)
}

func (p *intParser) primary(depth int) (int64, error) {
	if depth > maxIntExprDepth {
		return 0, errors.New("expression nested too deeply")
	}
	c := p.peek()
	if c == '(' {
		p.i++
		v, err := p.expr(depth + 1)
		if err != nil {
			return 0, err
		}
		if p.peek() != ')' {
			return 0, errNotInteger
		}
		p.i++
		return v, nil
	}
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if p.i == start {
		return 0, errNotInteger
	}
	n, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
	if err != nil {
		return 0, errors.New("integer overflow")
	}
	return n, nil
}
