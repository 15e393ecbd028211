package config

import (
	"fmt"
	"strings"
)

// maxNesting is HTCondor's CONFIG_MAX_NESTING_DEPTH for include and use.
const maxNesting = 20

// lineReader yields logical lines with HTCondor's getline rules
// (config.cpp getline_implementation): every physical line is trimmed; a
// line ending in '\' continues on the next one (the backslash removed, no
// blank inserted); a continuation line starting with '#' contributes only
// its last character (so "# comment \" keeps the continuation going and
// the comment vanishes); a first line starting with '#' never continues.
type lineReader struct {
	lines  []string
	next   int
	lineno int // physical lines consumed
}

func newLineReader(data string) *lineReader {
	lines := strings.Split(data, "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	return &lineReader{lines: lines}
}

// read returns the next logical line and the number of its last physical
// line; ok is false at end of input.
func (r *lineReader) read() (line string, lineno int, ok bool) {
	var b strings.Builder
	first := true
	for r.next < len(r.lines) {
		t := strings.Trim(r.lines[r.next], " \t\r\n\v\f")
		r.next++
		r.lineno++
		comment := t != "" && t[0] == '#'
		if comment && !first {
			t = t[len(t)-1:]
			comment = false
		}
		b.WriteString(t)
		first = false
		s := b.String()
		if strings.HasSuffix(s, `\`) {
			b.Reset()
			b.WriteString(s[:len(s)-1])
			if !comment {
				continue
			}
		}
		return b.String(), r.lineno, true
	}
	if first {
		return "", r.lineno, false
	}
	return b.String(), r.lineno, true
}

// parser processes the statements of one configuration source: a file, a
// command's output or a metaknob template.
type parser struct {
	l         *loader
	file      string // Source.File of the values set here
	meta      string // "CATEGORY:template" inside a metaknob
	fixedLine int    // inside a metaknob: the line of the use statement
	depth     int
	ifs       ifStack
	inHere    bool
	hereName  string
	hereTag   string
	hereData  []string
}

func (p *parser) expandNow(s string) (string, error) { return p.l.expandNow(s) }
func (p *parser) lookup(name string) resolved        { return p.l.lookup(name) }

// errf builds a ParseError for the given line.
func (p *parser) errf(lineno int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if p.fixedLine > 0 {
		lineno = p.fixedLine
		msg = "use " + p.meta + ": " + msg
	}
	return &ParseError{File: p.file, Line: lineno, Msg: msg}
}

func (p *parser) source(lineno int) Source {
	if p.fixedLine > 0 {
		lineno = p.fixedLine
	}
	return Source{File: p.file, Line: lineno, Meta: p.meta}
}

// run parses every logical line of text.
func (p *parser) run(text string) error {
	r := newLineReader(text)
	for {
		line, lineno, ok := r.read()
		if !ok {
			return p.finish(r.lineno)
		}
		if err := p.statement(line, lineno); err != nil {
			return err
		}
	}
}

// finish checks for constructs left open at the end of the source.
func (p *parser) finish(lineno int) error {
	if p.inHere {
		return p.errf(lineno, "found end-of-file while scanning for '@%s'", p.hereTag)
	}
	if len(p.ifs) > 0 {
		return p.errf(lineno, "endif(s) not found before end-of-file")
	}
	return nil
}

// statement processes one logical line (Parse_macros, config.cpp).
func (p *parser) statement(line string, lineno int) error {
	if line == "" || line[0] == '#' {
		return nil
	}
	if p.inHere {
		if line[0] == '@' && line[1:] == p.hereTag {
			p.inHere = false
			return p.assign(p.hereName, strings.Join(p.hereData, "\n"), lineno)
		}
		p.hereData = append(p.hereData, line)
		return nil
	}
	// A ':' before a line inside an if body (or before "if") is ignored; it
	// hides the line from pre-8.1.5 parsers.
	if line[0] == ':' && (len(p.ifs) > 0 || isIfLine(line[1:])) {
		line = line[1:]
	}
	if handled, err := p.ifs.handle(line, p); handled {
		if err != nil {
			return p.errf(lineno, "%v", err)
		}
		return nil
	}
	if !p.ifs.enabled() {
		return nil
	}

	i := 0
	for i < len(line) && !isSpace(line[i]) && line[i] != '=' && line[i] != ':' {
		i++
	}
	if i == len(line) {
		// A line without operator starting with '[' is ignored, so that a
		// file can look like a Windows .ini file (admin manual; config.cpp
		// only does so when the line holds no blank, the manual's own
		// "[HTCondor Settings]" example included, which it rejects).
		if line != "" && line[0] == '[' {
			return nil
		}
		return p.errf(lineno, "syntax error, expected \"NAME = value\": %s", line)
	}
	name := line[:i]
	var op, plusSep byte
	doublePlus := false
	words := "" // text between the name and the operator
	k := i
	if line[i] == '=' || line[i] == ':' {
		op = line[i]
		k = i + 1
	} else {
		w := k
		for w < len(line) && isSpace(line[w]) {
			w++
		}
		k = w
		for k < len(line) && !strings.ContainsRune("=:@+", rune(line[k])) {
			k++
		}
		words = strings.TrimRight(line[w:k], " \t\r\n\v\f")
		if k < len(line) {
			op = line[k]
			k++
			switch op {
			case '@':
				if k < len(line) && line[k] == '=' {
					k++
				} else {
					op = 0
				}
			case '+':
				if k < len(line) && strings.IndexByte(",;|&*", line[k]) >= 0 {
					plusSep = line[k]
					k++
					if k < len(line) && line[k] == plusSep {
						doublePlus = true
						k++
					}
				}
				if k < len(line) && line[k] == '=' {
					k++
				} else {
					op = 0
				}
			}
		}
	}
	if op == 0 {
		if line != "" && line[0] == '[' { // "[HTCondor Settings]": see above
			return nil
		}
		return p.errf(lineno, "syntax error, missing \"=\" in: %s", line)
	}
	rhs := strings.TrimLeft(line[k:], " \t\r\n\v\f")
	bare := strings.TrimPrefix(name, "@") // "@use" and "@include" are accepted
	if op == ':' {
		switch {
		case strings.EqualFold(bare, "use"):
			return p.use(words, rhs, lineno)
		case strings.EqualFold(bare, "include"):
			return p.include(words, rhs, lineno)
		case strings.EqualFold(bare, "error"):
			msg, err := p.l.expandNow(rhs)
			if err != nil {
				msg = rhs
			}
			return p.errf(lineno, "Error: %s", msg)
		case strings.EqualFold(bare, "warning"):
			msg, err := p.l.expandNow(rhs)
			if err != nil {
				msg = rhs
			}
			p.l.warn(p.source(lineno), "Warning: "+msg)
			return nil
		}
		// HTCondor still accepts "NAME : value" as an assignment, with a
		// warning (WARN_COLON_FOR_PARAM_ASSIGN).
		p.l.warn(p.source(lineno), "obsolete use of ':' for parameter assignment at "+name+" : "+rhs)
	}
	if strings.Contains(name, "$") {
		v, err := p.l.expandNow(name)
		if err != nil {
			return p.errf(lineno, "in the knob name %s: %v", name, err)
		}
		name = v
	}
	if !validName(name) {
		return p.errf(lineno, "Illegal Identifier: <%s>", name)
	}
	switch op {
	case '@':
		p.inHere, p.hereName, p.hereTag, p.hereData = true, name, rhs, nil
		return nil
	case '+':
		// "X += v" is "X = $(X) v" when X already has a non-empty value;
		// with a separator character, "X +,= v" gives "X,v" and a doubled
		// one, "X +&&= v", gives "X && v".
		if cur := p.l.lookup(name); cur.raw != "" {
			sep := " "
			if plusSep != 0 {
				sep = string(plusSep)
				if doublePlus {
					sep = " " + sep + sep + " "
				}
			}
			rhs = cur.raw + sep + rhs
		}
	}
	return p.assign(name, rhs, lineno)
}

func isIfLine(s string) bool {
	_, ok := keyword(s, "if")
	return ok
}

// validName reports whether name is a legal knob name.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !isIDChar(name[i]) {
			return false
		}
	}
	return true
}

// assign defines name, resolving its references to itself first.
func (p *parser) assign(name, rhs string, lineno int) error {
	v := p.l.selfExpand(name, rhs)
	if len(v) > maxExpandLen {
		return p.errf(lineno, "value of %s is longer than %d bytes", name, maxExpandLen)
	}
	p.l.c.t.set(name, v, p.source(lineno))
	return nil
}

// use applies the metaknob templates of "use CATEGORY : t1, t2(args)".
func (p *parser) use(category, rhs string, lineno int) error {
	if strings.Contains(category, "$") {
		v, err := p.l.expandNow(category)
		if err != nil {
			return p.errf(lineno, "in use %s: %v", category, err)
		}
		category = v
	}
	if category == "" {
		return p.errf(lineno, "use needs a keyword before : %s", rhs)
	}
	if !metaCategoryKnown(category) {
		return p.errf(lineno, "use %s:%s: unknown metaknob category %s", category, rhs, category)
	}
	if p.depth+1 >= maxNesting {
		return p.errf(lineno, "use %s:%s: metaknobs nested too deep", category, rhs)
	}
	for _, it := range splitMetaItems(rhs) {
		text, canonical, known := metaLookup(category, it.name)
		if !known {
			return p.errf(lineno, "use %s: does not recognise %s", category, it.name)
		}
		if why, bad := metaUnsupported[upper(category)+":"+upper(it.name)]; bad {
			return p.errf(lineno, "use %s is not supported by condor-auth: %s", canonical, why)
		}
		if text == "" {
			p.l.warn(p.source(lineno), "use "+canonical+" ignored: it sets no knob condor-auth reads")
			continue
		}
		if it.hasArgs || hasMetaArgs(text) {
			text = expandMetaArgs(text, it.args)
		}
		line := lineno
		if p.fixedLine > 0 {
			line = p.fixedLine
		}
		sub := &parser{l: p.l, file: p.file, meta: canonical, fixedLine: line, depth: p.depth + 1}
		for _, tl := range strings.Split(text, "\n") {
			if err := sub.statement(strings.TrimSpace(tl), line); err != nil {
				return err
			}
		}
		if err := sub.finish(line); err != nil {
			return err
		}
	}
	return nil
}

// include handles "include [ifexist] [command [into FILE]] : target".
func (p *parser) include(words, target string, lineno int) error {
	var ifExist, command bool
	var into string
	toks := strings.Fields(words)
	t := 0
	if t < len(toks) && (toks[t] == "ifexist" || toks[t] == "ifexists") {
		ifExist = true
		t++
	}
	if t < len(toks) && (toks[t] == "command" || toks[t] == "output") {
		command = true
		t++
		if t < len(toks) && toks[t] == "into" {
			if t+1 >= len(toks) {
				return p.errf(lineno, "unexpected keyword(s) '%s' after include expected filename after keyword 'into'", words)
			}
			into = toks[t+1]
			t += 2
		}
	}
	if t < len(toks) {
		return p.errf(lineno, "unexpected keyword(s) '%s' after include", words)
	}
	expanded, err := p.l.expandNow(target)
	if err != nil {
		return p.errf(lineno, "include %s: %v", target, err)
	}
	if p.depth+1 >= maxNesting {
		return p.errf(lineno, "includes nested too deep")
	}
	if into != "" {
		cache, err := p.l.expandNow(into)
		if err != nil || cache == "" {
			return p.errf(lineno, "destination for 'include into' expanded to '%s'", cache)
		}
		return p.l.includeInto(p, cache, expanded, ifExist, lineno)
	}
	if command || strings.Contains(expanded, "|") {
		return p.l.includeCommand(p, expanded, ifExist, lineno)
	}
	return p.l.includeFile(p, expanded, ifExist, lineno)
}
