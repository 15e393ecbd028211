package classad

import (
	"errors"
	"math"
	"strings"
)

// HTCondor's JSON form (jsonSink.cpp, jsonSource.cpp): literals map to JSON
// values (UNDEFINED is null), lists to arrays, nested ads to objects, and
// every other expression to a string "\/Expr(<new-syntax text>)\/".

type jsonWriter struct {
	b       strings.Builder
	indent  int
	oneline bool
}

func (w *jsonWriter) newline() {
	if !w.oneline {
		w.b.WriteByte('\n')
		w.b.WriteString(strings.Repeat(" ", w.indent))
	}
}

// object writes an ad with the attributes at the given positions
// (ClassAdJsonUnParser::UnparseAuxClassAd).
func (w *jsonWriter) object(ad *Ad, idx []int) {
	w.b.WriteByte('{')
	w.indent += 2
	for i, j := range idx {
		if i > 0 {
			w.b.WriteByte(',')
		}
		w.newline()
		w.b.WriteByte('"')
		writeJSONEscaped(&w.b, ad.attrs[j].name)
		w.b.WriteString(`": `)
		w.node(ad.attrs[j].expr.root())
	}
	w.indent -= 2
	w.newline()
	w.b.WriteByte('}')
}

func (w *jsonWriter) quotedExpr(text string) {
	w.b.WriteString(`"\/Expr(`)
	writeJSONEscaped(&w.b, text)
	w.b.WriteString(`)\/"`)
}

func (w *jsonWriter) node(n node) {
	switch n := n.(type) {
	case *litNode:
		w.value(n.v)
	case *listNode:
		w.b.WriteByte('[')
		w.indent += 2
		for i, e := range n.elems {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.newline()
			w.node(e)
		}
		w.indent -= 2
		w.newline()
		w.b.WriteByte(']')
	case *adNode:
		w.object(n.ad, n.ad.order(FlatMapOrder))
	default:
		w.quotedExpr(Expr{n}.UnparseNew())
	}
}

func (w *jsonWriter) value(v Value) {
	switch v.kind {
	case UndefinedKind:
		w.b.WriteString("null")
	case ErrorKind:
		w.quotedExpr("error")
	case BoolKind, IntKind:
		writeValue(&w.b, v, syntaxOld)
	case RealKind:
		switch {
		case math.IsNaN(v.r) || math.IsInf(v.r, 0):
			var t strings.Builder
			writeReal(&t, v.r, syntaxOld)
			w.quotedExpr(t.String())
		default:
			writeReal(&w.b, v.r, syntaxOld)
		}
	case StringKind:
		w.b.WriteByte('"')
		writeJSONEscaped(&w.b, v.s)
		w.b.WriteByte('"')
	default:
		w.node(valueNode(v))
	}
}

// MarshalJSONCompact returns the ad as one line of HTCondor JSON
// (ClassAdJsonUnParser(true)), attributes in flat-map order:
// {"Name": value,"Other": value}.
func (a *Ad) MarshalJSONCompact() []byte {
	w := &jsonWriter{oneline: true}
	w.object(a, a.order(FlatMapOrder))
	return []byte(w.b.String())
}

// MarshalJSONIndent returns the ad as HTCondor's multi-line JSON
// (ClassAdJsonUnParser(false)) without a trailing newline: "{", each
// attribute on its own line indented two spaces as "Name": value with
// commas at line ends, then "}".
func (a *Ad) MarshalJSONIndent(order Order) []byte {
	w := &jsonWriter{}
	w.object(a, a.order(order))
	return []byte(w.b.String())
}

// JSONListFormat returns ads the way condor_token_request_list -json
// prints them (tokens.md §9.6, real-tools.md §20): "[\n", each non-empty ad
// as multi-line JSON of its non-private attributes sorted
// case-insensitively followed by "\n", later ads preceded by ",\n", and
// "]\n" at the end. No ads give "".
func JSONListFormat(ads ...*Ad) string {
	var b strings.Builder
	n := 0
	for _, ad := range ads {
		if ad.Len() == 0 {
			continue
		}
		if n == 0 {
			b.WriteString("[\n")
		} else {
			b.WriteString(",\n")
		}
		var idx []int
		for _, j := range ad.order(AlphabeticalOrder) {
			if !IsPrivateAttr(ad.attrs[j].name) {
				idx = append(idx, j)
			}
		}
		w := &jsonWriter{}
		w.object(ad, idx)
		b.WriteString(w.b.String())
		b.WriteByte('\n')
		n++
	}
	if n > 0 {
		b.WriteString("]\n")
	}
	return b.String()
}

// ParseJSON parses one ad in HTCondor's JSON form: an object whose values
// are JSON literals (null is UNDEFINED), arrays (lists), objects (nested
// ads) or strings of the form "\/Expr(text)\/", whose text is parsed as a
// new-syntax expression. Integers with leading zeros are refused and
// unknown escapes yield the escaped character, as in HTCondor's lexer.
func ParseJSON(data []byte) (*Ad, error) {
	if err := checkInput(string(data)); err != nil {
		return nil, err
	}
	p := &parser{lx: newLexer(string(data), lexJSON)}
	t := p.lx.next()
	if t.kind != tLBrace {
		return nil, p.unexpected(t, "'{' (JSON object)")
	}
	ad, err := p.jsonObject()
	if err != nil {
		return nil, err
	}
	if t := p.lx.peek(); t.kind != tEOF {
		return nil, p.unexpected(t, "end of input")
	}
	return ad, nil
}

// jsonObject parses the members of an object after its '{'. Stray commas
// are tolerated (jsonSource.cpp parseClassAd).
func (p *parser) jsonObject() (*Ad, error) {
	ad := NewAd()
	tt := p.lx.peek().kind
	for tt != tRBrace {
		t := p.lx.next()
		if t.kind == tComma {
			tt = tComma
			continue
		}
		if t.kind != tString {
			return nil, p.unexpected(t, "attribute name (JSON string)")
		}
		if c := p.lx.next(); c.kind != tColon {
			return nil, p.unexpected(c, "':'")
		}
		n, err := p.jsonValue()
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) && se.Attr == "" && ValidName(t.text) {
				se.Attr = t.text
			}
			return nil, err
		}
		if err := ad.Set(t.text, Expr{n}); err != nil {
			return nil, p.errAt(t, "%v", err)
		}
		nt := p.lx.peek()
		tt = nt.kind
		if tt != tComma && tt != tRBrace {
			return nil, p.unexpected(nt, "',' or '}'")
		}
		for tt == tComma {
			p.lx.next()
			tt = p.lx.peek().kind
		}
	}
	p.lx.next() // '}'
	return ad, nil
}

func (p *parser) jsonValue() (node, error) {
	t := p.lx.next()
	if err := p.enter(t); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	switch t.kind {
	case tLBrace:
		ad, err := p.jsonObject()
		if err != nil {
			return nil, err
		}
		return &adNode{ad: ad}, nil
	case tLBox:
		var elems []node
		tt := p.lx.peek().kind
		for tt != tRBox {
			e, err := p.jsonValue()
			if err != nil {
				return nil, err
			}
			elems = append(elems, e)
			nt := p.lx.peek()
			tt = nt.kind
			if tt == tComma {
				p.lx.next()
			} else if tt != tRBox {
				return nil, p.unexpected(nt, "',' or ']'")
			}
		}
		p.lx.next() // ']'
		return &listNode{elems: elems}, nil
	case tUndef:
		return &litNode{v: Undefined()}, nil
	case tBool:
		return &litNode{v: BoolValue(t.b)}, nil
	case tInt:
		return &litNode{v: IntValue(t.i)}, nil
	case tReal:
		return &litNode{v: RealValue(t.r)}, nil
	case tString:
		s := t.text
		if t.rawExpr && len(s) >= 8 && strings.EqualFold(s[:6], "/Expr(") && s[len(s)-2:] == ")/" {
			n, err := parseText(s[6:len(s)-2], lexNew)
			if err != nil {
				var se *SyntaxError
				if errors.As(err, &se) {
					se.Offset = t.pos
					se.Msg = "in \\/Expr(...)\\/ string: " + se.Msg
				}
				return nil, err
			}
			return n, nil
		}
		return &litNode{v: StringValue(s)}, nil
	}
	return nil, p.unexpected(t, "JSON value")
}
