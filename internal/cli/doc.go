// Package cli is the command-line machinery Ember's commands share
// (cmd/spamrnn, cmd/ember): every flag is declared once, with its bounds and
// the default its help states, and checked with all the others before any
// work starts; output paths are checked (writable, not an input) before
// work starts too; SIGINT and SIGTERM stop a command cleanly with the shell's
// exit status (130, 143); and JSON results never fail on a NaN.
//
// # Declaring a command's flags
//
//	fs := cli.NewFlagSet("spamrnn train", "usage: spamrnn train [options]\n\nTrains ...\n", stdout)
//	data := fs.Input("data", "", "training data", cli.DefaultText("the embedded demo corpus"))
//	epochs := fs.Int("epochs", 10, 1, 100_000, "training epochs")
//	dropout := fs.Float("dropout", 0.5, cli.Range{Min: 0, Max: 1, MaxOpen: true}, "dropout between layers")
//	out := fs.Output("out", "spam.model", "where to save the model")
//	plot := fs.Output("plot", "", "training-curve PNG", cli.Ext(".png"))
//	if err := fs.Parse(args); err != nil {
//		return err // flag.ErrHelp after -h (usage printed to stdout): exit 0
//	}
//
// Cross-flag rules go in fs.Check(func() error) (fs.IsSet tells a flag given
// from a default); values with their own syntax ("cuda:N") in fs.Custom;
// positional arguments are declared with fs.Args(ArgSpec{...}), input
// files among them checked like Input flags. Errors from Parse match
// ErrUsage: commands exit 2 for them (as package flag does) and 1 for
// failures of the work, printing each line with PrintError.
//
// Parse reports every problem at once, one line each (a malformed number,
// a value out of range, NaN or Inf, an unknown choice, a missing input
// file, an output in a missing or read-only directory, an output that names
// an input or another output, a stray argument), before the command does
// anything. A flag's help line always ends with its range and its default.
// Zero is an ordinary value: it is in or out of a flag's range like any
// other, never a hidden "use the default"; where a special value is wanted
// (--patience 0: never stop early) the help says so.
//
// # A flag given twice
//
// Every flag is given at most once: Parse refuses a second one, naming the
// flag and its values in order ("--epochs given twice (5, then 50): give
// it once"), where package flag would silently keep the last. Twice is
// nearly always a mistake (a command line edited from the shell's history,
// a script that appends its own override), and which value was meant is
// the user's to say. The rule has no exceptions:
//
//   - No flag accumulates. Flags of several values (--features a,b,
//     --class-weight x:2,y:3, --grid 'max_depth=3,4;lr=0.1,0.2') take their
//     whole list in one value, separated as the help says. Accumulating
//     them would turn an appended override into a silent union, the very
//     mistake this rule is for, and give a list two spellings.
//   - A switch given twice is refused too, even with the same value
//     (--json --json): it costs nothing to delete, one rule is easier to
//     know than one with an exception, and a repeated switch is the same
//     sign of an edited or generated command line; --json --json=false
//     would have to be refused anyway.
//
// Every command's -h says so, heading its options "options (each at most
// once)". A flag given twice is reported instead of its value's own
// problems and its output path's, since neither value is known to be the
// one meant. Values a command supplies after Parse ([FlagSet.Default]) are
// not "given" and never clash. Programs that declare their flags with
// package flag instead (the benchmarks) follow the same rule, in the same
// words, by parsing with [ParseOnce].
//
// Checks that depend on the data (a model's memory against the machine's,
// a split's minimum size) are the command's own, after loading and before
// training; package internal/sysmem helps with the first.
//
// # Outputs
//
// Output paths are checked by Parse and written with package
// internal/atomicfile, so a failed or interrupted write never leaves a
// partial file and never replaces a good one. An output that names an
// existing device or FIFO is written into instead, whatever extension [Ext]
// asks ("--out /dev/null" and "--plot /dev/null" discard); a prefix flag
// ([FlagSet.OutputPrefix]) refuses one, as it names no file itself, and so
// does an output declared [RegularFile] (a training state, rewritten as
// the command goes and read back later). A socket or a disk is refused,
// and so is the file the command's own standard output or error goes to
// (/dev/stdout: the output would be mixed with its messages), /dev/null
// aside. One declared with [Stdout] takes "-" for standard output.
//
// # Signals
//
// [Notify] installs the handler: in graceful mode (long training) the first
// SIGINT or SIGTERM cancels the returned context, so the command can stop
// after the current step, keep what it has and say so; a second signal
// quits at once. Otherwise the first signal quits at once. Quitting at once
// removes the temporary files of writes in progress (the destinations keep
// their old content) and says what this process had written before
// (atomicfile.Completed). The context's cause names the signal
// ([InterruptSignal]), so a command returns [ExitCode] of it: the shell
// sees 130 after SIGINT and 143 after SIGTERM. Tests cancel a context with
// cause Interrupted{Signal: ...} to play a signal.
//
// # JSON
//
// [WriteJSON] encodes results as encoding/json does, except that a NaN or
// infinite number becomes null and its JSON path is listed, with the
// reason, under "null_reasons".
package cli
