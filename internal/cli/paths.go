package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/emberml/ember/internal/atomicfile"
)

// outputSpec is what Parse checks about an output flag.
type outputSpec struct {
	stdout   bool     // "-" means standard output (Stdout)
	exts     []string // allowed extensions, lower case with the dot; nil: any
	suffixes []string // for a prefix flag: the files written are value+suffix
	replaces func(path string) error
	regular  string // RegularFile's hint: an existing special file is refused
}

// RegularFile makes Parse refuse, before any work, an output flag's path
// that exists and is not a regular file (a device such as /dev/null, a
// FIFO): for a file the command rewrites as it goes and reads back later
// (a training state), which a device would swallow and a FIFO would block
// on at every write. Such a file is never written into or replaced. hint
// says what to give instead: a file name, or an empty value to keep none.
func RegularFile(hint string) Option {
	return func(d *def) {
		if d.output != nil {
			d.output.regular = hint
		}
	}
}

// Ext restricts an output flag's files to these extensions (".png").
func Ext(exts ...string) Option {
	return func(d *def) {
		if d.output != nil {
			for _, e := range exts {
				d.output.exts = append(d.output.exts, strings.ToLower(e))
			}
		}
	}
}

// Replaces has Parse call check with each file an output flag names that
// exists already (a regular file), before any work: its error refuses the
// command line. For a command that must not write one kind of file over
// another, a training state over a model say.
func Replaces(check func(path string) error) Option {
	return func(d *def) {
		if d.output != nil {
			d.output.replaces = check
		}
	}
}

// Stdout marks an output flag whose empty default writes to standard
// output: "-" then says the same, as Unix tools take it, and Parse turns it
// into the empty value, so the command tests one value. Without Stdout,
// "-" is refused (it would write a file named "-").
func Stdout() Option {
	return func(d *def) {
		if d.output != nil {
			d.output.stdout = true
			d.defText = "standard output"
			d.rangeText = "- for standard output"
		}
	}
}

// dashToStdout turns "-" into the empty value for a flag declared with
// Stdout.
func (d *def) dashToStdout() {
	if d.output != nil && d.output.stdout && d.value.String() == "-" {
		_ = d.value.Set("") // a string flag: Set cannot fail
	}
}

// Updated marks an input flag's file as one the command may write back:
// outputs may name it (a training state that a resumed run goes on
// updating, atomically). Other outputs still may not name each other.
func Updated() Option { return func(d *def) { d.updated = true } }

// Input declares a flag naming an input file. A non-empty value must be a
// readable file (not a directory); outputs may not name it.
func (f *FlagSet) Input(name, value, help string, opts ...Option) *string {
	p := new(string)
	*p = value
	d := &def{name: name, help: help, placeholder: "FILE", value: (*stringValue)(p), defText: value, input: p}
	if value == "" {
		d.defText = "none"
	}
	d.check = func() error {
		if *p == "" {
			return nil
		}
		if err := checkInput(*p); err != nil {
			return fmt.Errorf("--%s %s: %w", name, *p, err)
		}
		return nil
	}
	f.add(d, opts)
	return p
}

// Output declares a flag naming a file the command writes. Parse checks,
// before any work, that the directory exists and is writable, that the
// path is not a directory, and that it names no input and no other output.
// An existing device or FIFO (/dev/null, a pipe a reader waits on) is
// accepted if writable, whatever Ext asks: atomicfile.Write writes into
// it. With an empty default an empty value means "do not
// write"; with a non-empty default an empty value is an error.
func (f *FlagSet) Output(name, value, help string, opts ...Option) *string {
	return f.output(name, value, help, nil, opts)
}

// OutputPrefix declares a flag whose value is the prefix of the files
// written: value+suffix for each suffix ("--plot iris" writing
// iris-confusion.png and iris-boundary.png). A value ending in the files'
// extension stands for the same prefix ("--plot iris.png" writes
// iris-confusion.png, not iris.png-confusion.png). Each file is checked as
// an Output; an empty value (the default) writes nothing.
func (f *FlagSet) OutputPrefix(name, help string, suffixes []string, opts ...Option) *string {
	return f.output(name, "", help, suffixes, opts)
}

func (f *FlagSet) output(name, value, help string, suffixes []string, opts []Option) *string {
	p := new(string)
	*p = value
	spec := &outputSpec{suffixes: suffixes}
	d := &def{name: name, help: help, placeholder: "FILE", value: (*stringValue)(p), defText: value, output: spec}
	if suffixes != nil {
		d.placeholder = "PREFIX"
	}
	if value == "" {
		d.defText = "none"
	}
	f.add(d, opts)
	if value != "" {
		d.check = func() error {
			if *p == "" {
				return fmt.Errorf("--%s: empty path (the default is %s)", name, value)
			}
			return nil
		}
	}
	return p
}

// OutputPaths returns the files an output flag's value stands for (one, or
// one per suffix for a prefix flag); none when the value is empty.
func (f *FlagSet) OutputPaths(name string) []string {
	for _, d := range f.defs {
		if d.name == name && d.output != nil {
			return d.outputPaths()
		}
	}
	return nil
}

// trimPrefixExt drops from a prefix flag's value the extension its files
// share (".png" for "-confusion.png" and "-boundary.png"), if it ends in it
// (in any case).
func (d *def) trimPrefixExt() {
	if d.output == nil || len(d.output.suffixes) == 0 {
		return
	}
	ext := filepath.Ext(d.output.suffixes[0])
	for _, s := range d.output.suffixes {
		if filepath.Ext(s) != ext {
			return
		}
	}
	v := d.value.String()
	if ext != "" && len(v) > len(ext) && strings.EqualFold(v[len(v)-len(ext):], ext) {
		_ = d.value.Set(v[:len(v)-len(ext)]) // a string flag: Set cannot fail
	}
}

func (d *def) outputPaths() []string {
	v := d.value.String()
	if v == "" {
		return nil
	}
	if d.output.suffixes == nil {
		return []string{v}
	}
	var out []string
	for _, s := range d.output.suffixes {
		out = append(out, v+s)
	}
	return out
}

// checkPaths checks every output against the inputs (flags and positional
// arguments), the command's own output streams, and the other outputs.
func (f *FlagSet) checkPaths() []error {
	streams := []stream{{"standard output", os.Stdout}, {"standard error", os.Stderr}}
	if out, ok := f.stdout.(*os.File); ok {
		streams[0].file = out
	}
	var inputs []string
	for _, d := range f.defs {
		if d.input != nil && *d.input != "" && !d.updated {
			inputs = append(inputs, *d.input)
		}
	}
	if f.args.Inputs {
		for _, a := range f.parsed {
			if err := checkInput(a); err != nil {
				return []error{fmt.Errorf("%s: %w", a, err)}
			}
			inputs = append(inputs, a)
		}
	}
	var problems []error
	type seen struct{ flag, path string }
	var outs []seen
	for _, d := range f.defs {
		if d.output == nil || len(d.typed) > 1 {
			continue // a flag given twice is reported as such, not its last value
		}
		switch v := d.value.String(); {
		case v == "-":
			problems = append(problems, fmt.Errorf("--%s -: not a file name; to write to standard output, leave --%s out where that is its default (a file named - is ./-)", d.name, d.name))
			continue
		case strings.HasPrefix(v, "-"):
			// The value was forgotten and the next option taken for it.
			problems = append(problems, fmt.Errorf("--%s %s: looks like an option, not a file name (the file goes right after --%s; a file named so is ./%s)", d.name, v, d.name, v))
			continue
		}
		if err := checkPrefix(d); err != nil {
			problems = append(problems, err)
			continue
		}
		for _, path := range d.outputPaths() {
			fi, statErr := os.Stat(path)
			if statErr == nil && d.output.regular != "" && atomicfile.InPlaceFile(fi) {
				problems = append(problems, fmt.Errorf("--%s %s: is %s, not a regular file; %s", d.name, path, specialKind(fi), d.output.regular))
				continue
			}
			if statErr == nil && !SameFile(path, os.DevNull) {
				// The command's messages go there too: a model written
				// into them would be mixed with its text, and, a regular
				// file behind a link such as /dev/stdout, would replace
				// the link rather than the file.
				if i := slices.IndexFunc(streams, func(s stream) bool { return s.is(fi) }); i >= 0 {
					hint := "give a file name"
					if d.output.stdout && i == 0 {
						hint = "for standard output, give - (or leave --" + d.name + " out)"
					}
					problems = append(problems, fmt.Errorf("--%s %s: is this command's %s, where its messages go; %s", d.name, path, streams[i].name, hint))
					continue
				}
			}
			if err := checkOutput(path, d.output.exts, inputs); err != nil {
				problems = append(problems, fmt.Errorf("--%s %s: %w", d.name, path, err))
				continue
			}
			if d.output.replaces != nil {
				if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
					if err := d.output.replaces(path); err != nil {
						problems = append(problems, fmt.Errorf("--%s %s: %w", d.name, path, err))
						continue
					}
				}
			}
			for _, o := range outs {
				if SameFile(o.path, path) && !isCharDevice(path) {
					problems = append(problems, fmt.Errorf("--%s %s: --%s writes the same file", d.name, path, o.flag))
				}
			}
			outs = append(outs, seen{d.name, path})
		}
	}
	return problems
}

// stream is one of a command's own output streams.
type stream struct {
	name string // "standard output"
	file *os.File
}

// is reports whether fi is the stream's file.
func (s stream) is(fi fs.FileInfo) bool {
	sfi, err := s.file.Stat()
	return err == nil && os.SameFile(fi, sfi)
}

// checkPrefix refuses a directory as the value of a prefix flag: "--plot
// out/" would write out/-confusion.png, and "--plot out" out-confusion.png
// beside the directory, not in it. It refuses a device or a FIFO too:
// "--plot /dev/null" means "no charts" to the user, but would create
// /dev/null-confusion.png (or fail, less clearly, on /dev's permissions).
func checkPrefix(d *def) error {
	v := d.value.String()
	if d.output.suffixes == nil || v == "" {
		return nil
	}
	base := filepath.Base(v)
	fi, err := os.Stat(v)
	if strings.HasSuffix(v, string(filepath.Separator)) || base == "." || base == ".." || (err == nil && fi.IsDir()) {
		example := filepath.Join(v, "plot")
		return fmt.Errorf("--%s %s: names a directory; --%s takes a prefix of file names: --%s %s writes %s",
			d.name, v, d.name, d.name, example, example+d.output.suffixes[0])
	}
	if err == nil && atomicfile.InPlaceFile(fi) {
		return fmt.Errorf("--%s %s: is %s, not a prefix; --%s takes a prefix of file names (--%s plot writes plot%s); to write no files, leave --%s out",
			d.name, v, specialKind(fi), d.name, d.name, d.output.suffixes[0], d.name)
	}
	return nil
}

// specialKind names what a file that is neither regular nor a directory
// is, for messages.
func specialKind(fi fs.FileInfo) string {
	switch m := fi.Mode(); {
	case m&fs.ModeCharDevice != 0:
		return "a device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}

// checkInput makes sure path is a readable file.
func checkInput(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return describe(err)
	}
	if fi.IsDir() {
		return errors.New("is a directory, not a file")
	}
	fh, err := os.Open(path)
	if err != nil {
		return describe(err)
	}
	fh.Close()
	return nil
}

// checkOutput makes sure path can be written as atomicfile.Write writes
// it, and names none of inputs: a regular file or a new name needs a
// writable directory (a temporary file there is renamed over it); an
// existing device or FIFO (/dev/null) is written into, so it needs only to
// be writable itself.
func checkOutput(path string, exts []string, inputs []string) error {
	if path == "" {
		return errors.New("empty path")
	}
	if strings.ContainsRune(path, 0) {
		return errors.New("has a NUL byte in its name")
	}
	fi, err := os.Stat(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		return describe(err)
	}
	if err == nil && fi.IsDir() {
		return errors.New("is a directory; give a file name")
	}
	// A device or a FIFO is written into whatever its name (the writers,
	// package plots included, take it as it is): its name is not the user's
	// to choose (/dev/null), so the extension rule is for files only.
	if err == nil && atomicfile.InPlaceFile(fi) {
		if m := fi.Mode(); m&fs.ModeSocket != 0 || (m&fs.ModeDevice != 0 && m&fs.ModeCharDevice == 0) {
			// A socket cannot be opened as a file; a disk would be
			// overwritten from its first byte.
			return fmt.Errorf("is %s; give a file name", specialKind(fi))
		}
		if err := checkWritable(path); err != nil {
			return fmt.Errorf("cannot write it: %w", describe(err))
		}
		return nil
	}
	if exts != nil && !slices.Contains(exts, strings.ToLower(filepath.Ext(path))) {
		return fmt.Errorf("must end in %s", orList(exts))
	}
	if strings.HasSuffix(path, string(filepath.Separator)) {
		return errors.New("names a directory; give a file name")
	}
	if err == nil {
		for _, in := range inputs {
			if ii, err := os.Stat(in); err == nil && os.SameFile(fi, ii) {
				if in == path {
					return errors.New("is an input of this command; writing it would replace the input")
				}
				return fmt.Errorf("is the input %s; writing it would replace the input", in)
			}
		}
	}
	dir := filepath.Dir(path)
	fi, err = os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist", dir)
	case err != nil:
		return describe(err)
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	// Writing is what proves a directory writable (permissions, read-only
	// mounts, ACLs) and a name valid (length, bytes): the temporary file
	// atomicfile.Write will create, created and removed at once.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot write in directory %s: %w", dir, describe(err))
	}
	tmp.Close()
	os.Remove(tmp.Name())
	return nil
}

// isCharDevice reports whether path is a character device (/dev/null), which
// several outputs may name at once: each write goes to the device, none
// replaces another's file.
func isCharDevice(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode()&fs.ModeCharDevice != 0
}

// describe turns an *fs.PathError into its cause in words, the path being
// named by the caller already.
func describe(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("no such file")
	case errors.Is(err, fs.ErrPermission):
		return errors.New("permission denied")
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// SameFile reports whether two paths name one file: the same file on disk,
// or (one of them not there yet) the same absolute path.
func SameFile(a, b string) bool {
	if fa, err := os.Stat(a); err == nil {
		if fb, err := os.Stat(b); err == nil {
			return os.SameFile(fa, fb)
		}
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}
