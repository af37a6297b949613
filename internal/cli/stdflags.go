package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// ParseOnce parses args into fs as fs.Parse does, then refuses every flag
// given more than once with FlagSet.Parse's words ("--epochs given twice
// (5, then 50): give it once"), where fs.Parse alone would keep the last
// value without a word. It is for programs that declare their flags with
// package flag (the benchmarks), so that they follow the rule Ember's
// commands do (see "A flag given twice" in the package comment).
//
// -h returns flag.ErrHelp, the usage printed. Every other error matches
// ErrUsage: one of package flag's own (an unknown flag, a malformed
// value), which fs.Parse has already printed to fs.Output as fs's
// ErrorHandling says, and which then also matches ErrShown (not where
// fs.Output is io.Discard: the caller prints it); or the flags given
// twice, as one error that nothing has printed, one line per flag. Report
// prints what is not yet shown and gives the exit status. fs's flags keep
// their own values and usage: ParseOnce counts their values only while it
// parses.
func ParseOnce(fs *flag.FlagSet, args []string) error {
	var counted []*countedValue
	fs.VisitAll(func(f *flag.Flag) {
		counted = append(counted, &countedValue{Value: f.Value, flag: f})
	})
	// wrap puts the counting values in the flags' place, or (false) their
	// own values back.
	wrap := func(on bool) {
		for _, c := range counted {
			if on {
				c.flag.Value = c
			} else {
				c.flag.Value = c.Value
			}
		}
	}
	wrap(true)
	defer wrap(false)
	// -h prints the usage during Parse: with the flags' own values, so that
	// PrintDefaults names their types and defaults as it would without
	// ParseOnce (it looks at their concrete types).
	usage := fs.Usage
	defer func() { fs.Usage = usage }()
	fs.Usage = func() {
		wrap(false)
		defer wrap(true)
		if usage != nil {
			usage()
			return
		}
		// What package flag prints when Usage is nil.
		if fs.Name() == "" {
			fmt.Fprintf(fs.Output(), "Usage:\n")
		} else {
			fmt.Fprintf(fs.Output(), "Usage of %s:\n", fs.Name())
		}
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		if fs.Output() == io.Discard {
			return usageError{err}
		}
		return usageError{shownError{err}}
	}
	var problems []error
	for _, c := range counted {
		if len(c.typed) > 1 {
			problems = append(problems, givenAgain(c.flag.Name, c.typed))
		}
	}
	if len(problems) == 1 {
		return usageError{problems[0]}
	}
	if len(problems) > 1 {
		return usageError{Problems(problems)}
	}
	return nil
}

// countedValue is a flag's value that keeps every value given to it.
type countedValue struct {
	flag.Value
	flag  *flag.Flag // the flag it counts for
	typed []string
}

func (c *countedValue) Set(s string) error {
	c.typed = append(c.typed, s)
	return c.Value.Set(s)
}

// IsBoolFlag keeps a switch a switch (--json, not --json true).
func (c *countedValue) IsBoolFlag() bool {
	b, ok := c.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// ErrShown matches an error that has already been printed (by package
// flag, with the usage, for ParseOnce's errors of its own), so that Report
// does not print it twice.
var ErrShown = errors.New("already shown")

type shownError struct{ error }

func (e shownError) Is(target error) bool { return target == ErrShown }
func (e shownError) Unwrap() error        { return e.error }

// Usage marks err as a problem with the command line, which a program
// finds after parsing (a value out of range, a stray argument): the result
// matches ErrUsage, so Report exits 2 for it. Usage(nil) is nil.
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}

// ExitStatus is a program's exit status for the error its run returned: 0
// for none or for -h (flag.ErrHelp), 2 for a problem with the command line
// (ErrUsage), as package flag exits, and 1 for a failure of the work.
func ExitStatus(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	}
	return 1
}

// Report writes err to w as PrintError does, "prefix: " before each line,
// unless it is nil, flag.ErrHelp or already shown (ErrShown), and returns
// its ExitStatus: a program that declares its flags with package flag ends
// with os.Exit(cli.Report(os.Stderr, name, run(…))).
func Report(w io.Writer, prefix string, err error) int {
	if err != nil && !errors.Is(err, flag.ErrHelp) && !errors.Is(err, ErrShown) {
		PrintError(w, prefix, err)
	}
	return ExitStatus(err)
}
