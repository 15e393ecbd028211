package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/server"
)

// ServeOptions are the inputs of `condor-auth serve`.
type ServeOptions struct {
	F *cmdutil.Factory
	// Listen is host:port to listen on (default: COLLECTOR_HOST's).
	Listen string
	// Foreground logs to stderr instead of the log file.
	Foreground bool
	// LocalDir overrides LOCAL_DIR (state, address files, keys).
	LocalDir string
	// LogFile overrides the log file ($(LOG)/CondorAuthLog).
	LogFile string
	// Ready, when set, receives the listening address once serving (tests).
	Ready func(addr string)
}

// shutdownGrace bounds how long in-flight commands may run after SIGTERM.
const shutdownGrace = 10 * time.Second

func newCmdServe(f *cmdutil.Factory) *cobra.Command {
	opts := &ServeOptions{F: f}
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Run the embedded daemon: token issue, token requests and approval, credential store",
		Long: `Run the embedded HTCondor-compatible daemon. It answers the CEDAR commands of the
collector, schedd and credd that the token and credential tools use
(DC_GET_SESSION_TOKEN, the token-request commands, STORE_CRED, collector queries),
so the tools — ours and HTCondor's — work with no HTCondor installed.

It listens on the host:port of COLLECTOR_HOST unless --listen says otherwise, writes
the address files the clients read, creates the POOL signing key when absent, and
keeps pending token requests in a state file so a restart loses nothing.
SIGHUP reloads the configuration; SIGTERM or SIGINT stops it cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return ServeRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Listen, "listen", "", "address to listen on (default: the host:port of COLLECTOR_HOST)")
	cmd.Flags().BoolVarP(&opts.Foreground, "foreground", "f", false, "log to stderr instead of the log file")
	cmd.Flags().StringVar(&opts.LocalDir, "local-dir", "", "use this LOCAL_DIR (state, address files, keys)")
	cmd.Flags().StringVar(&opts.LogFile, "log", "", "log file (default: $(LOG)/CondorAuthLog)")
	return cmd
}

// ServeRun runs the daemon until ctx is cancelled or a stop signal arrives.
func ServeRun(ctx context.Context, opts *ServeOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	load := func() (*config.Config, error) {
		cfg, err := config.Load(cmdutil.ServeConfigOptions)
		if err != nil {
			return nil, err
		}
		if opts.LocalDir != "" {
			abs, err := filepath.Abs(opts.LocalDir)
			if err != nil {
				return nil, err
			}
			cfg.Set("LOCAL_DIR", abs)
		}
		return cfg, nil
	}
	cfg, err := load()
	if err != nil {
		return &cmdutil.ExitError{Code: cmdutil.ExitConfig, Err: err}
	}
	logw, closeLog, err := openLog(opts, cfg)
	if err != nil {
		return &cmdutil.ExitError{Code: cmdutil.ExitConfig, Err: err}
	}
	defer closeLog()

	// Signals are caught before New publishes the address files: a client
	// (or a test) that sees them may send SIGTERM at once, and that must
	// be a clean shutdown rather than the default action.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	srv, err := server.New(server.Options{Config: cfg, Listen: opts.Listen, Logger: logw, Now: opts.F.Now, Rand: opts.F.Rand})
	if err != nil {
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("cannot start: %w", err)}
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ctx) }()
	fmt.Fprintf(logw, "%s serve listening on %s\n", RootName, srv.Addr())
	if opts.Ready != nil {
		opts.Ready(srv.Addr().String())
	}
	for {
		select {
		case err := <-errc:
			if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, server.ErrServerClosed) {
				return cmdutil.Errorf(cmdutil.ExitFailure, "daemon stopped: %v", err)
			}
			return nil
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				cfg, err := load()
				if err == nil {
					err = srv.Reload(cfg)
				}
				if err != nil {
					fmt.Fprintf(logw, "reconfig failed, keeping the old configuration: %v\n", err)
				} else {
					fmt.Fprintf(logw, "configuration reloaded\n")
				}
				continue
			}
			fmt.Fprintf(logw, "got %v, shutting down\n", sig)
			sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			err := srv.Shutdown(sctx)
			cancel()
			if err != nil {
				return cmdutil.Errorf(cmdutil.ExitFailure, "shutdown: %v", err)
			}
			return nil
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			defer cancel()
			return srv.Shutdown(sctx)
		}
	}
}

// openLog returns where the daemon logs: stderr with --foreground, else
// --log or $(LOG)/CondorAuthLog (created 0600).
func openLog(opts *ServeOptions, cfg *config.Config) (io.Writer, func(), error) {
	if opts.Foreground {
		return opts.F.IOStreams.ErrOut, func() {}, nil
	}
	path := opts.LogFile
	if path == "" {
		dir := cfg.Lookup("LOG")
		if dir == "" {
			dir = filepath.Join(cfg.Lookup("LOCAL_DIR"), "log")
		}
		path = filepath.Join(dir, "CondorAuthLog")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, fmt.Errorf("cannot create the log directory: %w", err)
	}
	fh, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open the log file: %w", err)
	}
	return fh, func() { fh.Close() }, nil
}
