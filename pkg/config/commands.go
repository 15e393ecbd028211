package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// errCommandsDisabled is returned for command sources without
// Options.AllowCommands.
var errCommandsDisabled = errors.New("running programs from the configuration is disabled (condor-auth reads configuration commands only when explicitly allowed)")

// includeFile handles "include [ifexist] : file".
func (l *loader) includeFile(p *parser, path string, ifExist bool, lineno int) error {
	data, err := l.readFile(path)
	if err != nil {
		if ifExist {
			return nil
		}
		return p.errf(lineno, "include: can't open file %s: %v", path, unwrapPath(err))
	}
	if err := l.countSource(p, lineno); err != nil {
		return err
	}
	l.c.files = append(l.c.files, path)
	return (&parser{l: l, file: path, depth: p.depth + 1}).run(data)
}

// includeCommand handles "include : cmd |" and "include command : cmd".
func (l *loader) includeCommand(p *parser, cmd string, ifExist bool, lineno int) error {
	data, name, err := l.runSource(cmd)
	if err != nil {
		if ifExist && !errors.Is(err, errCommandsDisabled) {
			return nil
		}
		return p.errf(lineno, "include %s: %v", strings.TrimSpace(cmd), err)
	}
	if err := l.countSource(p, lineno); err != nil {
		return err
	}
	l.c.files = append(l.c.files, name)
	return (&parser{l: l, file: name, depth: p.depth + 1}).run(data)
}

// includeInto handles "include command into FILE : cmd": FILE caches the
// command's output; it is read when it exists, otherwise the command runs
// and its output is written to FILE first.
func (l *loader) includeInto(p *parser, cache, cmd string, ifExist bool, lineno int) error {
	if isCommandSource(cache) {
		return p.errf(lineno, "destination for 'include into' may not be a script")
	}
	if _, err := os.Stat(cache); err == nil {
		return l.includeFile(p, cache, false, lineno)
	}
	data, _, err := l.runSource(cmd)
	if err != nil {
		if ifExist && !errors.Is(err, errCommandsDisabled) {
			return nil
		}
		return p.errf(lineno, "include into %s: %v", cache, err)
	}
	if err := writeCache(cache, []byte(data)); err != nil {
		return p.errf(lineno, "include into %s: %v", cache, err)
	}
	return l.includeFile(p, cache, false, lineno)
}

func (l *loader) countSource(p *parser, lineno int) error {
	l.sources++
	if l.sources > maxSources {
		return p.errf(lineno, "more than %d configuration sources", maxSources)
	}
	return nil
}

// writeCache writes an "include into" cache file atomically.
func writeCache(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".config-include-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// runSource runs a command source and returns its output and the name
// HTCondor gives the source ("cmd args |").
func (l *loader) runSource(src string) (data, name string, err error) {
	cmd := strings.TrimRight(src, " ")
	if strings.Contains(cmd, "|") {
		if !strings.HasSuffix(cmd, "|") {
			return "", "", errors.New("not a valid command, | must be at the end")
		}
		cmd = strings.TrimRight(cmd, " |")
	}
	name = cmd + " |"
	if !l.opts.AllowCommands {
		return "", name, fmt.Errorf("refusing to run %q: %w", cmd, errCommandsDisabled)
	}
	argv, err := splitArgs(cmd)
	if err != nil {
		return "", name, err
	}
	if len(argv) == 0 {
		return "", name, errors.New("empty command")
	}
	run := l.opts.RunCommand
	if run == nil {
		run = l.exec
	}
	out, err := run(argv)
	if err != nil {
		return "", name, fmt.Errorf("command %q failed: %w", cmd, err)
	}
	if len(out) > maxFileSize {
		return "", name, fmt.Errorf("command %q produced more than %d bytes", cmd, maxFileSize)
	}
	return string(out), name, nil
}

// exec runs argv with the configured environment and returns its stdout.
func (l *loader) exec(argv []string) ([]byte, error) {
	c := exec.Command(argv[0], argv[1:]...)
	if l.opts.Env != nil {
		c.Env = l.opts.Env
	}
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("%w: %s", err, msg)
		}
		return nil, err
	}
	return out, nil
}

// splitArgs splits a command line: words separated by blanks, or, when the
// whole line is double-quoted (HTCondor's "V2" syntax), words where single
// quotes group blanks and a doubled single quote is a literal one.
func splitArgs(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return strings.Fields(s), nil
	}
	s = s[1 : len(s)-1]
	var args []string
	var cur strings.Builder
	inArg, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' && quoted && i+1 < len(s) && s[i+1] == '\'':
			cur.WriteByte('\'')
			i++
		case c == '\'':
			quoted, inArg = !quoted, true
		case isSpace(c) && !quoted:
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if quoted {
		return nil, errors.New("unterminated single quote in command")
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args, nil
}

// unwrapPath drops the "open <path>:" prefix of a *fs.PathError.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
