package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// FlagSet is a command's flags, each declared with its bounds, checked
// together by Parse. Declare flags with the typed methods; each returns a
// pointer to the value, which holds the default until Parse.
type FlagSet struct {
	name   string // "spamrnn train", in messages
	head   string // usage text printed before the options
	stdout io.Writer
	fs     *flag.FlagSet
	defs   []*def
	args   ArgSpec
	checks []func() error
	parsed []string // positional arguments after Parse
}

// ArgSpec describes the positional arguments a command takes. The zero
// value takes none.
type ArgSpec struct {
	Name     string // placeholder in messages, e.g. "IMAGE" or "TEXT"
	Min, Max int    // counts allowed; Max < 0 means no limit
	// Inputs marks the arguments as input files: Parse checks they exist
	// and refuses outputs that name them.
	Inputs bool
	// Interleaved lets options follow arguments ("ember palette photo.png
	// --k 5"); off, the first argument ends the options, as in package flag.
	Interleaved bool
}

// def is one declared flag.
type def struct {
	name        string
	help        string
	placeholder string
	defText     string // the default as the help states it
	rangeText   string // the allowed values as the help states them
	value       flag.Value
	given       string       // the value as typed (or given to Default), trimmed; "" for the default
	typed       []string     // every value the command line gave, untrimmed, in order: more than one is an error
	parseErr    error        // a malformed value given on the command line
	check       func() error // the value's own check, after parsing
	required    bool
	notEmpty    string // NotEmpty's noun: an empty value given is an error
	isSet       bool
	input       *string
	updated     bool // an input the command may write back (Updated)
	output      *outputSpec
}

// Option adjusts a flag's declaration.
type Option func(*def)

// DefaultText is how the help describes the default, for defaults whose
// value alone says little (an empty path meaning "the embedded corpus").
func DefaultText(s string) Option { return func(d *def) { d.defText = s } }

// Placeholder names the value in the help ("FILE", "N").
func Placeholder(s string) Option { return func(d *def) { d.placeholder = s } }

// Required makes an empty value an error ("--data is required").
func Required() Option { return func(d *def) { d.required = true } }

// NotEmpty makes an empty (or blank) value given on the command line an
// error, for flags whose empty default means something ("every other
// column") that an empty value typed on purpose (--features "", a shell
// variable left unset) is unlikely to mean. what names what to give
// instead: "a column", "the feature columns".
func NotEmpty(what string) Option { return func(d *def) { d.notEmpty = what } }

// NewFlagSet starts a command's flags. name appears in messages ("spamrnn
// train"); usage is printed before the options on -h, which prints to
// stdout.
func NewFlagSet(name, usage string, stdout io.Writer) *FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // Parse reports; package flag would print too
	fs.Usage = func() {}
	return &FlagSet{name: name, head: usage, stdout: stdout, fs: fs}
}

// Name is the command name given to NewFlagSet.
func (f *FlagSet) Name() string { return f.name }

// Args sets the positional arguments the command takes.
func (f *FlagSet) Args(spec ArgSpec) { f.args = spec }

// Arg returns the positional arguments after Parse.
func (f *FlagSet) Arg() []string { return f.parsed }

// Check adds a check of several flags together (say, "--test and
// --test-frac exclude each other"), run by Parse after the flags' own
// checks; its error is reported with theirs.
func (f *FlagSet) Check(fn func() error) { f.checks = append(f.checks, fn) }

// IsSet reports whether the flag was given on the command line.
func (f *FlagSet) IsSet(name string) bool {
	for _, d := range f.defs {
		if d.name == name {
			return d.isSet
		}
	}
	return false
}

func (f *FlagSet) add(d *def, opts []Option) {
	for _, o := range opts {
		o(d)
	}
	if slices.ContainsFunc(f.defs, func(o *def) bool { return o.name == d.name }) {
		panic("cli: flag --" + d.name + " declared twice in " + f.name)
	}
	f.defs = append(f.defs, d)
	f.fs.Var(recorder{d}, d.name, d.help)
}

// recorder lets Parse go on past a malformed value, so that every problem
// is reported at once: the error is kept for Parse, the value unchanged.
type recorder struct{ d *def }

func (r recorder) String() string {
	if r.d == nil || r.d.value == nil {
		return ""
	}
	return r.d.value.String()
}

func (r recorder) Set(s string) error {
	r.d.isSet = true
	r.d.typed = append(r.d.typed, s)
	r.d.given = strings.TrimSpace(s)
	if err := r.d.value.Set(s); err != nil && r.d.parseErr == nil {
		r.d.parseErr = fmt.Errorf("--%s %q: %w", r.d.name, s, err)
	}
	return nil
}

func (r recorder) IsBoolFlag() bool {
	b, ok := r.d.value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// shown is the value for a message about it: as the user typed it
// ("1e400", "0x10"), not as parsed ("+Inf", "16"), which they may not
// recognise; the default as its String form.
func (d *def) shown() string {
	if d.given != "" {
		return d.given
	}
	return d.value.String()
}

// givenAgain is the error for a flag given more than once, with every
// value in the order given: "--epochs given twice (5, then 50): give it
// once".
func (d *def) givenAgain() error { return givenAgain(d.name, d.typed) }

// givenAgain is the error for flag name given the values typed, more than
// one, in order; ParseOnce reports with it too, so that both read alike.
func givenAgain(name string, typed []string) error {
	vals := make([]string, len(typed))
	for i, v := range typed {
		vals[i] = quoteIfNeeded(v)
	}
	times := "twice"
	if len(vals) > 2 {
		times = strconv.Itoa(len(vals)) + " times"
	}
	list := strings.Join(vals[:len(vals)-1], ", ") + ", then " + vals[len(vals)-1]
	return fmt.Errorf("--%s given %s (%s): give it once", name, times, list)
}

// quoteIfNeeded quotes a value that would not read as one value in a list
// ("", one with spaces or commas); others are shown as typed.
func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n\r,\"'()") || strconv.Quote(s) != `"`+s+`"` {
		return strconv.Quote(s)
	}
	return s
}

// Int declares an integer flag allowed from min to max inclusive.
func (f *FlagSet) Int(name string, value, min, max int, help string, opts ...Option) *int {
	p := new(int)
	*p = value
	d := &def{name: name, help: help, placeholder: "N", value: (*intValue)(p),
		defText: strconv.Itoa(value), rangeText: intRange(min, max)}
	d.check = func() error {
		if *p < min || *p > max {
			return fmt.Errorf("--%s %s: must be %s", name, d.shown(), intRange(min, max))
		}
		return nil
	}
	f.add(d, opts)
	return p
}

func intRange(min, max int) string {
	switch {
	case max == math.MaxInt:
		return fmt.Sprintf("at least %d", min)
	case min == max:
		return fmt.Sprintf("exactly %d", min)
	}
	return fmt.Sprintf("%d to %d", min, max)
}

type intValue int

// intBase trims s and gives strconv the base of a whole number as Go
// writes them (0x10, 1_000), except that a leading zero does not make it
// octal: "--epochs 010" is 10, as a user typing it means, not 8.
func intBase(s string) (string, int, int) {
	s = strings.TrimSpace(s)
	digits := strings.TrimLeft(s, "+-")
	if len(digits) > 1 && digits[0] == '0' && strings.Trim(digits, "0123456789") == "" {
		return s, 10, strconv.IntSize
	}
	return s, 0, strconv.IntSize
}

// intBase64 is intBase for 64-bit values (seeds).
func intBase64(s string) (string, int, int) {
	s, base, _ := intBase(s)
	return s, base, 64
}

func (v *intValue) String() string { return strconv.Itoa(int(*v)) }
func (v *intValue) Set(s string) error {
	n, err := strconv.ParseInt(intBase(s))
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return errors.New("out of range")
		}
		return errors.New("not a whole number")
	}
	*v = intValue(n)
	return nil
}

// Uint64 declares an unsigned flag that takes any value (seeds); the help
// states the range as the other numeric flags do.
func (f *FlagSet) Uint64(name string, value uint64, help string, opts ...Option) *uint64 {
	p := new(uint64)
	*p = value
	f.add(&def{name: name, help: help, placeholder: "N", value: (*uint64Value)(p),
		defText: strconv.FormatUint(value, 10), rangeText: "a whole number from 0 up"}, opts)
	return p
}

type uint64Value uint64

func (v *uint64Value) String() string { return strconv.FormatUint(uint64(*v), 10) }
func (v *uint64Value) Set(s string) error {
	n, err := strconv.ParseUint(intBase64(s))
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return errors.New("out of range (0 to 18446744073709551615)")
		}
		return errors.New("not a whole number from 0 up")
	}
	*v = uint64Value(n)
	return nil
}

// Range is the set of values a Float flag allows: from Min to Max, each
// bound excluded when its Open field is set. NaN and ±Inf are never
// allowed; an infinite bound means no bound on that side.
type Range struct {
	Min, Max         float64
	MinOpen, MaxOpen bool
}

// AtLeast is [x, ∞).
func AtLeast(x float64) Range { return Range{Min: x, Max: math.Inf(1)} }

// Above is (x, ∞).
func Above(x float64) Range { return Range{Min: x, MinOpen: true, Max: math.Inf(1)} }

// Between is [lo, hi].
func Between(lo, hi float64) Range { return Range{Min: lo, Max: hi} }

// Contains reports whether x is a finite number in r.
func (r Range) Contains(x float64) bool {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return false
	}
	if x < r.Min || (r.MinOpen && x == r.Min) {
		return false
	}
	return !(x > r.Max || (r.MaxOpen && x == r.Max))
}

// String describes r in words: "above 0", "at least 0", "from 0 to 1, 1
// excluded".
func (r Range) String() string {
	lo, hi := !math.IsInf(r.Min, -1), !math.IsInf(r.Max, 1)
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	switch {
	case lo && !hi && r.MinOpen:
		return "above " + g(r.Min)
	case lo && !hi:
		return "at least " + g(r.Min)
	case !lo && hi && r.MaxOpen:
		return "below " + g(r.Max)
	case !lo && hi:
		return "at most " + g(r.Max)
	case !lo && !hi:
		return "any finite number"
	}
	s := "from " + g(r.Min) + " to " + g(r.Max)
	switch {
	case r.MinOpen && r.MaxOpen:
		s += ", both excluded"
	case r.MinOpen:
		s += ", " + g(r.Min) + " excluded"
	case r.MaxOpen:
		s += ", " + g(r.Max) + " excluded"
	}
	return s
}

// Float declares a floating-point flag allowed in r (never NaN or ±Inf).
func (f *FlagSet) Float(name string, value float64, r Range, help string, opts ...Option) *float64 {
	p := new(float64)
	*p = value
	d := &def{name: name, help: help, placeholder: "X", value: (*floatValue)(p),
		defText: strconv.FormatFloat(value, 'g', -1, 64), rangeText: r.String()}
	d.check = func() error {
		if !r.Contains(*p) {
			if math.IsNaN(*p) || math.IsInf(*p, 0) {
				if math.IsInf(r.Min, -1) && math.IsInf(r.Max, 1) {
					return fmt.Errorf("--%s %s: must be a finite number", name, d.shown())
				}
				return fmt.Errorf("--%s %s: must be a finite number, %s", name, d.shown(), r)
			}
			return fmt.Errorf("--%s %s: must be %s", name, d.shown(), r)
		}
		return nil
	}
	f.add(d, opts)
	return p
}

type floatValue float64

func (v *floatValue) String() string { return strconv.FormatFloat(float64(*v), 'g', -1, 64) }
func (v *floatValue) Set(s string) error {
	x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return errors.New("not a number")
	}
	// ParseFloat gives ±Inf for "1e999" with ErrRange: the range check
	// then reports it as not finite.
	*v = floatValue(x)
	return nil
}

// Bool declares a switch (--json, or --json=false).
func (f *FlagSet) Bool(name string, value bool, help string, opts ...Option) *bool {
	p := new(bool)
	*p = value
	f.add(&def{name: name, help: help, value: (*boolValue)(p), defText: strconv.FormatBool(value)}, opts)
	return p
}

type boolValue bool

func (v *boolValue) String() string   { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) IsBoolFlag() bool { return true }
func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true or false")
	}
	*v = boolValue(b)
	return nil
}

// String declares a free-text flag (a column name, a label).
func (f *FlagSet) String(name, value, help string, opts ...Option) *string {
	p := new(string)
	*p = value
	d := &def{name: name, help: help, placeholder: "TEXT", value: (*stringValue)(p), defText: value}
	if value == "" {
		d.defText = "none"
	}
	f.add(d, opts)
	return p
}

type stringValue string

func (v *stringValue) String() string     { return string(*v) }
func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }

// Choice declares a flag that takes one of choices (exact match).
func (f *FlagSet) Choice(name, value string, choices []string, help string, opts ...Option) *string {
	p := new(string)
	*p = value
	d := &def{name: name, help: help, placeholder: strings.Join(choices, "|"), value: (*stringValue)(p),
		defText: value}
	d.check = func() error {
		if !slices.Contains(choices, *p) {
			return fmt.Errorf("--%s %q: want %s", name, *p, orList(choices))
		}
		return nil
	}
	f.add(d, opts)
	return p
}

// Custom declares a flag whose value check is check (for values such as
// "cuda:N" that are neither a plain choice nor a number); it runs with the
// others in Parse, and its error is reported as "--name VALUE: error".
func (f *FlagSet) Custom(name, value, placeholder, help string, check func(string) error, opts ...Option) *string {
	p := new(string)
	*p = value
	d := &def{name: name, help: help, placeholder: placeholder, value: (*stringValue)(p), defText: value}
	d.check = func() error {
		if err := check(*p); err != nil {
			return fmt.Errorf("--%s %q: %w", name, *p, err)
		}
		return nil
	}
	f.add(d, opts)
	return p
}

func orList(s []string) string {
	switch len(s) {
	case 0:
		return "nothing"
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// Parse parses args and checks every flag, argument and output path. It
// returns flag.ErrHelp after -h/--help (the usage printed to stdout), or
// an error with one line per problem.
func (f *FlagSet) Parse(args []string) error {
	var pos []string
	rest := args
	for {
		if err := f.fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.PrintUsage(f.stdout)
				return flag.ErrHelp
			}
			// Unknown flags, and a missing value after the last flag.
			return f.problem(fmt.Errorf("%v (see %s -h)", strings.Replace(err.Error(), " -", " --", 1), f.name))
		}
		r := f.fs.Args()
		if !f.args.Interleaved || len(r) == 0 {
			pos = append(pos, r...)
			break
		}
		// After a literal "--" everything is an argument.
		if n := len(rest) - len(r); n > 0 && rest[n-1] == "--" {
			pos = append(pos, r...)
			break
		}
		pos = append(pos, r[0])
		rest = r[1:]
	}
	f.parsed = pos
	for _, d := range f.defs {
		d.trimPrefixExt()
		d.dashToStdout()
	}
	return f.problem(f.checkAll()...)
}

// checkAll checks every flag, argument and output path, then the checks
// of several flags together.
func (f *FlagSet) checkAll() []error {
	var problems []error
	for _, d := range f.defs {
		switch {
		case len(d.typed) > 1:
			// Which value was meant is the user's to say: not the last one
			// silently, nor the first, whatever each one's own checks say.
			problems = append(problems, d.givenAgain())
		case d.parseErr != nil:
			problems = append(problems, d.parseErr)
		case d.required && d.value.String() == "":
			problems = append(problems, fmt.Errorf("--%s is required", d.name))
		case d.notEmpty != "" && d.isSet && strings.TrimSpace(d.value.String()) == "":
			leave := fmt.Sprintf("leave --%s out", d.name)
			if d.defText != "none" {
				leave += " (default: " + d.defText + ")"
			}
			problems = append(problems, fmt.Errorf("--%s %q is empty: give %s, or %s", d.name, d.value.String(), d.notEmpty, leave))
		case d.check != nil:
			if err := d.check(); err != nil {
				problems = append(problems, err)
			}
		}
	}
	if err := f.checkArgs(); err != nil {
		problems = append(problems, err)
	}
	problems = append(problems, f.checkPaths()...)
	if len(problems) == 0 {
		for _, c := range f.checks {
			if err := c(); err != nil {
				problems = append(problems, err)
			}
		}
	}
	return problems
}

// Value is the flag's value as its String form: the parsed value, or the
// default ("" for a flag never declared).
func (f *FlagSet) Value(name string) string {
	for _, d := range f.defs {
		if d.name == name {
			return d.value.String()
		}
	}
	return ""
}

// Default gives the flags that the command line did not set the values
// in values (by flag name), as if they were their defaults: values a
// command learns only after Parse, such as the settings of a run it
// resumes. It then checks every flag, argument and output path again, as
// Parse does, and returns Parse's kind of error. Flags set on the command
// line keep their values and IsSet stays false for the others. Naming an
// undeclared flag is a programmer error: Default panics.
func (f *FlagSet) Default(values map[string]string) error {
	for name, v := range values {
		i := slices.IndexFunc(f.defs, func(d *def) bool { return d.name == name })
		if i < 0 {
			panic("cli: Default of undeclared flag --" + name + " in " + f.name)
		}
		d := f.defs[i]
		if d.isSet {
			continue
		}
		d.given = strings.TrimSpace(v)
		if err := d.value.Set(v); err != nil {
			d.parseErr = fmt.Errorf("--%s %q: %w", name, v, err)
		}
	}
	return f.problem(f.checkAll()...)
}

func (f *FlagSet) checkArgs() error {
	a, n := f.args, len(f.parsed)
	name := a.Name
	if name == "" {
		name = "argument"
	}
	switch {
	case a.Max == 0 && n > 0:
		return fmt.Errorf("unexpected argument %q: %s takes options only (an option's value goes right after it; see %s -h)",
			f.parsed[0], f.name, f.name)
	case n < a.Min && a.Min == 1:
		return fmt.Errorf("no %s given", name)
	case n < a.Min:
		return fmt.Errorf("want at least %d %s arguments, got %d", a.Min, name, n)
	case a.Max > 0 && n > a.Max && a.Max == 1:
		return fmt.Errorf("one %s at a time, got %d: %s", name, n, strings.Join(f.parsed, " "))
	case a.Max > 0 && n > a.Max:
		return fmt.Errorf("at most %d %s arguments, got %d", a.Max, name, n)
	}
	return nil
}

// Problems is several problems found at once, one per line.
type Problems []error

func (p Problems) Error() string {
	lines := make([]string, len(p))
	for i, e := range p {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.Is and errors.As see each problem.
func (p Problems) Unwrap() []error { return p }

// ErrUsage matches (errors.Is) every error Parse returns for the command
// line itself, so commands can exit 2 for those, as package flag does, and
// 1 for failures of the work.
var ErrUsage = errors.New("usage error")

type usageError struct{ error }

func (e usageError) Is(target error) bool { return target == ErrUsage }
func (e usageError) Unwrap() error        { return e.error }

func (f *FlagSet) problem(errs ...error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return usageError{errs[0]}
	}
	return usageError{Problems(errs)}
}

// Problem returns a command's own problems with its command line, found
// after Parse (the flags given against a file the command has read), as
// Parse returns problems: one line each, matching ErrUsage; nil for none.
func (f *FlagSet) Problem(errs ...error) error { return f.problem(errs...) }

// PrintUsage writes the usage text and every option with its range and
// default, under a heading that says each is given at most once.
func (f *FlagSet) PrintUsage(w io.Writer) {
	fmt.Fprint(w, f.head)
	if !strings.HasSuffix(f.head, "\n") {
		fmt.Fprintln(w)
	}
	if len(f.defs) == 0 {
		return
	}
	// The rule Parse enforces, where the user reads the options.
	fmt.Fprintln(w, "\noptions (each at most once):")
	for _, d := range f.defs {
		name, help := flag.UnquoteUsage(f.fs.Lookup(d.name))
		if name == "" || name == "value" {
			name = d.placeholder
		} else {
			// A `word` quoted in the help names the value: FILE, COLUMN.
			name = strings.ToUpper(name)
		}
		if _, isBool := d.value.(*boolValue); isBool {
			name = ""
		}
		line := "  --" + d.name
		if name != "" {
			line += " " + name
		}
		var notes []string
		if d.rangeText != "" {
			notes = append(notes, d.rangeText)
		}
		if d.required {
			notes = append(notes, "required")
		} else {
			notes = append(notes, "default "+d.defText)
		}
		fmt.Fprintf(w, "%s\n    \t%s (%s)\n", line, help, strings.Join(notes, "; "))
	}
}

// PrintError writes err to w with prefix before each of its lines
// ("spamrnn train: --epochs 0: must be 1 to 100000").
func PrintError(w io.Writer, prefix string, err error) {
	for _, line := range strings.Split(strings.TrimRight(err.Error(), "\n"), "\n") {
		fmt.Fprintf(w, "%s: %s\n", prefix, line)
	}
}
