// Command ember runs the engine's shallow models from the command line:
// logistic regression, k-means (and colour palettes), multinomial naive
// Bayes, gradient-boosted trees, and scoring new data with a saved model.
//
//	ember logreg     --data FILE --target COLUMN [...] [--save MODEL]
//	ember kmeans     --data FILE --k 3 [...] [--save MODEL]
//	ember palette    IMAGE [--k 6 ...]
//	ember naivebayes --data FILE [...] [--save MODEL]
//	ember predict    --model MODEL --data FILE [--out FILE|-]
//	ember gbt        --data FILE --target COLUMN [--cv 3 --grid '...'] [...] [--save MODEL]
//	ember score      --model MODEL|XGBOOST.json --data FILE.csv|.parquet [--id COLUMN] [--out FILE|-]
//
// Every subcommand prints its results as text; --json makes the last line of
// output one JSON object with the figures, and --plot writes PNG charts.
// predict and score write their predictions CSV to standard output when
// --out is not given (or is -), and their summary, JSON included, to
// standard error then.
// Flags are checked before any work (see package internal/cli); bad flags
// exit with status 2, failures with 1, and SIGINT/SIGTERM with 130/143.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/emberml/ember/internal/cli"
)

// runFunc runs a subcommand with the arguments after its name. Failures
// are errors; errors matching cli.ErrUsage (bad flags) exit 2, others 1.
type runFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// command is one subcommand.
type command struct {
	summary string
	run     runFunc
	// graceful commands get a context that SIGINT/SIGTERM cancel, and must
	// stop soon after, say what they kept and return; the others are
	// stopped at once by the first signal (temporary files removed).
	graceful bool
}

// commands is filled by each subcommand's file in its init function.
var commands = map[string]command{}

// register adds a subcommand that a signal stops at once.
func register(name, summary string, run runFunc) {
	registerCommand(name, command{summary: summary, run: run})
}

// registerGraceful adds a subcommand that handles SIGINT/SIGTERM itself
// through its context (long training that keeps the best model so far).
func registerGraceful(name, summary string, run runFunc) {
	registerCommand(name, command{summary: summary, run: run, graceful: true})
}

func registerCommand(name string, c command) {
	if _, dup := commands[name]; dup {
		panic("ember: subcommand registered twice: " + name)
	}
	commands[name] = c
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: ember <command> [options]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'ember <command> -h' for a command's options.")
}

// newFlagSet is a subcommand's flag set; usage is the text printed before
// the options on -h.
func newFlagSet(name string, stdout io.Writer, usage string) *cli.FlagSet {
	return cli.NewFlagSet("ember "+name, usage, stdout)
}

func main() {
	name, graceful := "ember", false
	if len(os.Args) > 1 {
		if c, ok := commands[os.Args[1]]; ok {
			name, graceful = "ember "+os.Args[1], c.graceful
		}
	}
	ctx, in := cli.Notify(context.Background(), name, os.Stderr, graceful)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	in.Stop()
	os.Exit(in.ExitCode(code))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ember: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	err := c.run(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, cli.ErrUsage):
		cli.PrintError(stderr, "ember "+args[0], err)
		return 2
	}
	cli.PrintError(stderr, "ember "+args[0], err)
	return 1
}
