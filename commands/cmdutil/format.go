package cmdutil

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// Output formats accepted by -o/--output.
const (
	FormatText = "text"
	FormatJSON = "json"
)

// AddOutputFlag registers -o/--output on cmd, storing into p (default text).
func AddOutputFlag(cmd *cobra.Command, p *string) {
	*p = FormatText
	cmd.Flags().StringVarP(p, "output", "o", FormatText, "output format: text or json")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{FormatText, FormatJSON}, cobra.ShellCompDirectiveNoFileComp
	})
}

// CheckFormat validates an -o value.
func CheckFormat(f string) error {
	switch f {
	case FormatText, FormatJSON:
		return nil
	}
	return Errorf(ExitUsage, "invalid output format %q: use text or json", f)
}

// WriteJSON writes v as indented JSON followed by a newline.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Lifetime is a pflag value accepting a Go duration ("10m", "1h30m") or a
// plain number of seconds ("600"). Unset means "no lifetime given".
type Lifetime struct {
	// Seconds is the parsed value; valid only when Set is true.
	Seconds int64
	// IsSet reports whether the flag was given.
	IsSet bool
}

// String implements pflag.Value.
func (l *Lifetime) String() string {
	if !l.IsSet {
		return ""
	}
	return (time.Duration(l.Seconds) * time.Second).String()
}

// Set implements pflag.Value.
func (l *Lifetime) Set(s string) error {
	secs, err := ParseLifetime(s)
	if err != nil {
		return err
	}
	l.Seconds, l.IsSet = secs, true
	return nil
}

// Type implements pflag.Value.
func (l *Lifetime) Type() string { return "duration" }

// ParseLifetime parses a Go duration or plain seconds, whole seconds only,
// not negative.
func ParseLifetime(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("lifetime %q is negative", s)
		}
		return n, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("lifetime %q is neither a duration (like 10m, 1h30m) nor a number of seconds", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("lifetime %q is negative", s)
	}
	if d%time.Second != 0 {
		return 0, fmt.Errorf("lifetime %q is not a whole number of seconds", s)
	}
	return int64(d / time.Second), nil
}
