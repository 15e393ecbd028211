package transcript_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// testOnly are the test-support packages (and their subpackages) that no
// non-test file outside them may import.
var testOnly = []string{"internal/transcript", "internal/testutil"}

// TestOnlyTestsImport: no non-test file of the module outside the
// test-support trees imports them.
func TestOnlyTestsImport(t *testing.T) {
	const module = "github.com/condor-auth/condor-auth/"
	root := filepath.Join("..", "..")
	own := map[string]bool{}
	for _, p := range testOnly {
		own[filepath.Join(root, filepath.FromSlash(p))] = true
	}
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch name := d.Name(); {
			case own[path], name == "testdata", name == "vendor", path != root && strings.HasPrefix(name, "."):
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		files++
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, o := range testOnly {
				if p == module+o || strings.HasPrefix(p, module+o+"/") {
					t.Errorf("%s imports %s: only tests may", path, p)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Errorf("looked at only %d non-test files under %s", files, root)
	}
}
