// Command reweigh makes the bulk MIPS reweighting determinations of the Quality Payment Program:
// special statuses, PI and EUC exceptions, qualifying-data overrides and the final performance
// category weights, from clinician rosters and submission files to Parquet an analyst can query.
//
//	reweigh run --year 2025 --in DIR --out DIR [--format parquet|csv] [--workers N] [--strict]
//	reweigh query --out DIR [--format table|csv|json|markdown] "SQL"
//	reweigh validate --in DIR
//	reweigh diff --in DIR --from 2024 --to 2025 --out DIR
//
// Exit status: 0 the run finished; 1 it failed and wrote nothing; 2 usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

const usage = `reweigh makes MIPS performance category reweighting determinations.

Usage:
  reweigh run --year 2025 --in DIR --out DIR [--format parquet|csv] [--workers N] [--strict]
              [--quiet] [--log-format text|json] [--cpuprofile FILE] [--memprofile FILE]
  reweigh query --out DIR [--format table|csv|json|markdown] "SQL"
  reweigh explain --out DIR --npi N --tin T [--format text|json]
  reweigh validate --in DIR [--workers N]
  reweigh diff --in DIR --from 2024 --to 2025 --out DIR [--format parquet|csv] [--workers N]
  reweigh import-eligibility FILE.json... --out DIR
  reweigh fixtures --scale N [--seed S] --out DIR [--format parquet|csv] [--workers N]
  reweigh version

Exit status: 0 finished (rejected rows are in the rejects table), 1 failed (nothing written),
2 usage error.
`

// errUsage marks command-line mistakes (exit status 2).
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

func usagef(format string, args ...any) error { return errUsage{fmt.Sprintf(format, args...)} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "run":
		err = cmdRun(ctx, args[1:], stdout, stderr)
	case "query":
		err = cmdQuery(ctx, args[1:], stdout, stderr)
	case "validate":
		err = cmdValidate(ctx, args[1:], stdout, stderr)
	case "diff":
		err = cmdDiff(ctx, args[1:], stdout, stderr)
	case "import-eligibility":
		err = cmdImportEligibility(ctx, args[1:], stdout, stderr)
	case "explain":
		err = cmdExplain(ctx, args[1:], stdout, stderr)
	case "fixtures":
		err = cmdFixtures(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "reweigh %s (%s)\n", version, runtime.Version())
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = usagef("unknown command %q", args[0])
	}
	var u errUsage
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &u):
		fmt.Fprintf(stderr, "reweigh: %s\n\n%s", u.msg, usage)
		return 2
	default:
		fmt.Fprintf(stderr, "reweigh: %s\n", err)
		return 1
	}
}

// parse parses flags that may come before or after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%s", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("reweigh "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
