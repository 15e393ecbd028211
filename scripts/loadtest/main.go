// Command loadtest drives a running `condor-auth serve` over loopback with
// concurrent operations and reports throughput and latency. It reads the
// HTCondor configuration like the tools (CONDOR_CONFIG), so point it at the
// same configuration as the daemon. Every operation is bounded by -timeout
// and the run stops after -n operations.
//
//	go run ./scripts/loadtest -mode fetch -n 10000 -c 32
//	go run ./scripts/loadtest -mode request -n 1000 -c 8
//	go run ./scripts/loadtest -mode exec -n 200 -c 1 -- condor_token_fetch
//
// Mode exec runs the program after "--" once per operation and times the
// whole process (fork, exec, run, exit, wait) without a shell in between;
// a non-zero exit counts as an error.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/osuser"
)

func main() {
	mode := flag.String("mode", "fetch", "fetch (new session each time), fetch-resume, request (pending token requests) or exec (time the program after --)")
	n := flag.Int("n", 10000, "number of operations")
	conc := flag.Int("c", 32, "concurrent clients")
	timeout := flag.Duration("timeout", 10*time.Second, "bound on each operation")
	total := flag.Duration("max", 5*time.Minute, "bound on the whole run")
	flag.Parse()

	cfg, err := config.Load(config.Options{Subsystem: "TOOL"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	u, _ := osuser.Current()
	newClient := func() (*client.Client, error) {
		return client.New(client.Options{Config: cfg, Uid: os.Getuid(), Euid: os.Geteuid(), Home: u.Home, Now: time.Now, Rand: rand.Reader})
	}
	shared, err := newClient()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *total)
	defer cancel()

	var next, errs atomic.Int64
	lat := make([][]time.Duration, *conc)
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(*n) || ctx.Err() != nil {
					return
				}
				octx, ocancel := context.WithTimeout(ctx, *timeout)
				t0 := time.Now()
				var err error
				switch *mode {
				case "fetch":
					var c *client.Client
					if c, err = newClient(); err == nil { // fresh session cache: a complete new-session fetch
						_, err = c.GetSessionToken(octx, client.Target{Timeout: *timeout}, nil, 0, "")
					}
				case "fetch-resume":
					_, err = shared.GetSessionToken(octx, client.Target{Timeout: *timeout}, nil, 0, "")
				case "exec":
					if flag.NArg() == 0 {
						err = fmt.Errorf("mode exec needs a program after --")
						break
					}
					cmd := exec.CommandContext(octx, flag.Arg(0), flag.Args()[1:]...)
					if out, cerr := cmd.CombinedOutput(); cerr != nil {
						err = fmt.Errorf("%s: %v: %s", flag.Arg(0), cerr, out)
					}
				case "request":
					_, err = shared.StartTokenRequest(octx, client.Target{Timeout: *timeout}, fmt.Sprintf("user%d@loadtest", i), []string{"READ"}, 600, fmt.Sprintf("loadtest-%d", i))
				default:
					err = fmt.Errorf("unknown mode %q", *mode)
				}
				ocancel()
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[int(p*float64(len(all)-1))]
	}
	fmt.Printf("mode=%s ops=%d concurrency=%d errors=%d elapsed=%s rate=%.0f/s p50=%s p99=%s max=%s\n",
		*mode, len(all), *conc, errs.Load(), elapsed.Round(time.Millisecond), float64(len(all))/elapsed.Seconds(),
		pct(0.5).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), pct(1).Round(time.Microsecond))
	if e := firstErr.Load(); e != nil {
		fmt.Printf("first error: %s\n", e)
	}
	if errs.Load() > 0 || len(all) < *n {
		os.Exit(1)
	}
}
