package cli

import (
	"flag"
	"fmt"
)

// ParseOnce parses args into fs as fs.Parse does, then refuses every flag
// given more than once with FlagSet.Parse's words ("--epochs given twice
// (5, then 50): give it once"), where fs.Parse alone would keep the last
// value without a word. It is for programs that declare their flags with
// package flag (the benchmarks), so that they follow the rule Ember's
// commands do (see "A flag given twice" in the package comment).
//
// An error of package flag's own (an unknown flag, a malformed value, -h
// with flag.ErrHelp) is returned as fs.Parse returns it, already printed
// to fs.Output as fs's ErrorHandling says; the flags given twice are
// returned as one error that matches ErrUsage and that nothing has
// printed, one line per flag. fs's flags keep their own values and usage:
// ParseOnce counts their values only while it parses.
func ParseOnce(fs *flag.FlagSet, args []string) error {
	var counted []*countedValue
	orig := map[*flag.Flag]flag.Value{}
	fs.VisitAll(func(f *flag.Flag) {
		c := &countedValue{Value: f.Value, name: f.Name}
		orig[f] = f.Value
		counted = append(counted, c)
		f.Value = c
	})
	restore := func() {
		for f, v := range orig {
			f.Value = v
		}
	}
	defer restore()
	// -h prints the usage during Parse: with the flags' own values, so that
	// PrintDefaults names their types and defaults as it would without
	// ParseOnce (it looks at their concrete types).
	usage := fs.Usage
	defer func() { fs.Usage = usage }()
	fs.Usage = func() {
		wrapped := map[*flag.Flag]flag.Value{}
		for f := range orig {
			wrapped[f] = f.Value
		}
		restore()
		defer func() {
			for f, v := range wrapped {
				f.Value = v
			}
		}()
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
		return err
	}
	var problems []error
	for _, c := range counted {
		if len(c.typed) > 1 {
			problems = append(problems, givenAgain(c.name, c.typed))
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
	name  string
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
