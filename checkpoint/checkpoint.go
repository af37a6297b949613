package checkpoint

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/internal/atomicfile"
)

// File is a model file's content.
type File struct {
	// Path is where Load read the file from ("" after Read); errors from
	// File's methods and Restore name it.
	Path string
	// Kind names the model family, e.g. "ember.spamrnn".
	Kind string
	// Meta is the caller's metadata, valid JSON; see DecodeMeta.
	Meta json.RawMessage
	// Tensors are in the order they were saved, with unique names.
	Tensors []Tensor

	// label overrides "model file <Path>" in errors (ReadSafetensors,
	// LoadAs).
	label string
	// inFile gives a model name the name the file holds it under, for
	// Restore's messages (LoadSafetensors through a renaming Mapping);
	// nil: the same.
	inFile func(string) string
}

// shown is how Restore's messages name the tensor the model calls name:
// by the file's name for it, with the model's beside it where they differ
// (its dtype and shape are then as the mapping read it: transposed, say).
func (f *File) shown(name string) string {
	if f.inFile == nil {
		return name
	}
	if fn := f.inFile(name); fn != name {
		return fmt.Sprintf("%s (read as the model's %s)", fn, name)
	}
	return name
}

// Tensor is one named tensor of a model file.
type Tensor struct {
	Name string
	Buf  *graph.Buf
}

// ParamTensors lists parameters as tensors to save, sharing their buffers.
func ParamTensors(params []*graph.Param) []Tensor {
	ts := make([]Tensor, len(params))
	for i, p := range params {
		ts[i] = Tensor{Name: p.Name, Buf: p.Value}
	}
	return ts
}

// Save writes a model file to path atomically: the file is written to a
// temporary file in the same directory (named ".<base>.tmp-*"), synced and
// renamed over path, so path holds either its old content or the complete
// new file, never a partial one. On error the temporary file is removed.
// A new file gets mode 0644; replacing a file keeps that file's mode.
// See Write for kind, meta and tensors.
func Save(path string, kind string, meta any, tensors []Tensor) error {
	return SaveAs(path, "model file", kind, meta, tensors)
}

// SaveAs is Save for a file that is not a model (a training state, say):
// its errors start with noun and the path ("training state file
// run.state: ...") instead of "model file".
func SaveAs(path, noun, kind string, meta any, tensors []Tensor) error {
	err := saveWith(path, func(w io.Writer) error { return write(w, kind, meta, tensors) })
	if err != nil {
		return fmt.Errorf("%s %s: %w", noun, path, err)
	}
	return nil
}

// saveWith is Save's atomic replace, with the content writer separate so
// tests can make a write fail midway.
func saveWith(path string, writeTo func(io.Writer) error) error {
	return atomicfile.Write(path, writeTo)
}

// Load reads and fully verifies the model file at path (see Read). If
// wantKind is not empty, the file must hold that kind of model. Every error
// starts with "model file <path>:" and says what is wrong.
func Load(path string, wantKind string) (*File, error) {
	return LoadAs(path, "model file", wantKind)
}

// LoadAs is Load for a file that is not a model (a training state, say):
// its errors, and those of the File's methods, start with noun and the
// path instead of "model file".
func LoadAs(path, noun, wantKind string) (*File, error) {
	f, err := load(path, wantKind)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", noun, path, err)
	}
	f.label = noun + " " + path
	return f, nil
}

func load(path, wantKind string) (*File, error) {
	fh, size, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	f, err := read(bufio.NewReaderSize(fh, chunkLen), size, wantKind)
	if err != nil {
		return nil, err
	}
	f.Path = path
	return f, nil
}

// openRegular opens path for reading, refusing a directory or a device,
// which has no meaningful size to check against; it returns the size.
// Its errors drop the path of an *fs.PathError (Load's errors start with
// it) but keep the operation, which tells open from stat.
func openRegular(path string) (*os.File, int64, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, 0, atomicfile.UnwrapPath(err)
	}
	fi, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, 0, atomicfile.UnwrapPath(err)
	}
	if !fi.Mode().IsRegular() {
		fh.Close()
		return nil, 0, fmt.Errorf("not a regular file (mode %s)", fi.Mode())
	}
	return fh, fi.Size(), nil
}

// Kind returns the model kind of the Ember file at path, reading only its
// header and info section (checked as Load checks them): for a command
// that must not write one kind of file over another. A file that is not
// an Ember file gives an error matching ErrNotModel.
func Kind(path string) (string, error) {
	f, err := peek(path)
	if err != nil {
		return "", fmt.Errorf("model file %s: %w", path, err)
	}
	return f.Kind, nil
}

// Peek reads only the header and the info section of the Ember file at
// path (checked as Load checks them, each against its CRC): the kind and
// the metadata, without the tensors, which it leaves unread and unverified
// (the File has none). It tells what a file is, and what its metadata
// records, at a cost that does not grow with the tensors: a training state
// of gigabytes is not read to say it is no model. Errors are Load's.
func Peek(path string) (*File, error) {
	return PeekAs(path, "model file")
}

// PeekAs is Peek for a file that is not a model: its errors start with
// noun and the path, as LoadAs's.
func PeekAs(path, noun string) (*File, error) {
	f, err := peek(path)
	if err == nil && !json.Valid(f.Meta) {
		err = errorf(ErrInvalid, "invalid: metadata is not valid JSON")
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", noun, path, err)
	}
	f.Path, f.label = path, noun+" "+path
	return f, nil
}

// peek reads the header and the info section of the file at path.
func peek(path string) (*File, error) {
	fh, size, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	d := &decoder{r: bufio.NewReader(fh), sum: sha256.New(), size: size}
	f, _, err := d.info()
	return f, err
}

// where prefixes errors about f.
func (f *File) where() string {
	if f.label != "" {
		return f.label
	}
	if f.Path == "" {
		return "checkpoint"
	}
	return "model file " + f.Path
}

// DecodeMeta unmarshals the metadata into v, as json.Unmarshal does. Unknown
// fields are ignored, so files from a newer model version with extra
// metadata still load.
func (f *File) DecodeMeta(v any) error {
	if err := json.Unmarshal(f.Meta, v); err != nil {
		return fmt.Errorf("%s: metadata: %w", f.where(), err)
	}
	return nil
}

// Tensor returns the named tensor's buffer (shared, not copied), or an
// ErrNoTensor error naming the tensor and the ones the file does have.
func (f *File) Tensor(name string) (*graph.Buf, error) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t.Buf, nil
		}
	}
	return nil, fmt.Errorf("%s: %w", f.where(), errorf(ErrNoTensor, "no tensor %q (%s)", name, f.nameList()))
}

// nameList describes the file's tensors for an error, keeping it short.
func (f *File) nameList() string {
	const show = 10
	if len(f.Tensors) == 0 {
		return "the file has no tensors"
	}
	var names []string
	for _, t := range f.Tensors[:min(len(f.Tensors), show)] {
		names = append(names, t.Name)
	}
	s := "it has " + strings.Join(names, ", ")
	if len(f.Tensors) > show {
		s += fmt.Sprintf(" and %d more", len(f.Tensors)-show)
	}
	return s
}

// Restore copies the file's tensors into params by name. It first checks
// that every parameter has a tensor of the same dtype and shape and that the
// file has no tensor the model lacks, and copies nothing unless all of it
// holds, so a mismatched file never leaves a model half-restored. All
// mismatches are reported (joined), each matching ErrMismatch.
func Restore(f *File, params []*graph.Param) error {
	if f == nil {
		return errors.New("checkpoint: Restore of a nil File")
	}
	saved, err := restorable(f, params)
	if err != nil {
		return err
	}
	return restoreFrom(f, params, saved)
}

// restorable is Restore's check, copying nothing: every mismatch (joined),
// or the file's tensors by name.
func restorable(f *File, params []*graph.Param) (map[string]*graph.Buf, error) {
	var errs []error
	mismatch := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %w", f.where(), errorf(ErrMismatch, format, args...)))
	}

	saved := make(map[string]*graph.Buf, len(f.Tensors))
	for _, t := range f.Tensors {
		if _, dup := saved[t.Name]; dup {
			mismatch("tensor %s appears twice", f.shown(t.Name))
		}
		saved[t.Name] = t.Buf
	}

	used := make(map[string]bool, len(params))
	var missing []string
	for i, p := range params {
		if p == nil || p.Value == nil {
			return nil, fmt.Errorf("%s: restore: parameter %d is nil or has no value", f.where(), i)
		}
		if used[p.Name] {
			return nil, fmt.Errorf("%s: restore: the model has two parameters named %s", f.where(), p.Name)
		}
		used[p.Name] = true
		want := p.Value
		got, ok := saved[p.Name]
		switch {
		case !ok:
			missing = append(missing, p.Name)
			mismatch("tensor %s is missing (the model expects %s %s)", f.shown(p.Name), dtypeName(want.Dtype), shapeString(want.Shape))
		case got == nil:
			mismatch("tensor %s has no buffer", f.shown(p.Name))
		case got.Dtype != want.Dtype:
			mismatch("tensor %s has dtype %s, model expects %s", f.shown(p.Name), dtypeName(got.Dtype), dtypeName(want.Dtype))
		case !slices.Equal(got.Shape, want.Shape):
			mismatch("tensor %s has shape %s, model expects %s", f.shown(p.Name), shapeString(got.Shape), shapeString(want.Shape))
		case !consistent(got):
			mismatch("tensor %s holds %d elements, not what its shape %s needs", f.shown(p.Name), bufLen(got), shapeString(got.Shape))
		case !consistent(want):
			return nil, fmt.Errorf("%s: restore: parameter %s holds %d elements, not what its shape %s needs", f.where(), p.Name, bufLen(want), shapeString(want.Shape))
		}
	}
	for _, t := range f.Tensors {
		if !used[t.Name] {
			desc := "(no buffer)"
			if t.Buf != nil {
				desc = dtypeName(t.Buf.Dtype) + " " + shapeString(t.Buf.Shape)
			}
			mismatch("unexpected tensor %s %s: the model has no such parameter", f.shown(t.Name), desc)
		}
	}
	if len(errs) > 0 {
		if hint := singleBiasHint(f, missing); hint != "" {
			errs = append([]error{fmt.Errorf("%s: %w", f.where(), errorf(ErrMismatch, "%s", hint))}, errs...)
		}
		return nil, errors.Join(errs...)
	}
	return saved, nil
}

// restoreFrom copies saved, which restorable has checked, into params.
func restoreFrom(f *File, params []*graph.Param, saved map[string]*graph.Buf) error {
	for _, p := range params {
		if err := p.Value.CopyFrom(saved[p.Name]); err != nil {
			return fmt.Errorf("%s: restore %s: %w", f.where(), p.Name, err)
		}
	}
	return nil
}

// consistent reports whether a buffer's data slice fits its shape and dtype.
func consistent(b *graph.Buf) bool {
	n, ok := numElems(b.Shape)
	_, size := dtypeCode(b.Dtype)
	return ok && size != 0 && n == bufLen(b)
}
