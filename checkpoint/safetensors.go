package checkpoint

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/safetensors"
)

// Mapping translates between a model's tensors (its parameter names, in
// Ember's layouts) and the tensors of a file written for another framework
// (its names and layouts). ToFile is applied when saving and FromFile when
// loading; FromFile should undo ToFile. A mapping may rename, reshape,
// transpose, split, merge, drop or add tensors; it must not modify the
// buffers it is given (they are the model's parameters when saving), only
// return new ones.
type Mapping interface {
	ToFile(model []Tensor) ([]Tensor, error)
	FromFile(file []Tensor) ([]Tensor, error)
}

// Identity is the mapping that changes nothing: the file holds the
// parameters under their own names and layouts.
var Identity Mapping = identity{}

type identity struct{}

func (identity) ToFile(ts []Tensor) ([]Tensor, error)   { return ts, nil }
func (identity) FromFile(ts []Tensor) ([]Tensor, error) { return ts, nil }

func (identity) fromFileAll(ts []Tensor) ([]Tensor, error, error) { return ts, nil, nil }

// lenientMapping is a mapping that, loading, can go on past the names it
// lists that no tensor has (Identity, Rename, Transpose and Chains of
// them), so that LoadSafetensors can report those names and Restore's full
// list of mismatches together: a user fixing a mapping then sees in one
// run every name it missed and every tensor the file has that nothing
// took.
type lenientMapping interface {
	// fromFileAll is FromFile, except that the error FromFile gives for
	// names no tensor has comes back as misses, beside the other tensors
	// mapped as FromFile would map them. err is any other error, and
	// then nothing is returned.
	fromFileAll(ts []Tensor) (out []Tensor, misses, err error)
}

// Rename maps model names to file names; names it does not list pass
// unchanged both ways. Two model names mapped to one file name, or a model
// name renamed onto another tensor's unchanged name, is an error. So is a
// name it lists that no tensor has (a model name when saving, a file name
// when loading): a misspelt name would otherwise leave its tensor under
// the wrong name without a word. When loading, that error matches
// ErrMismatch, and LoadSafetensors reports it with Restore's list of
// mismatches (the tensors the model still lacks and those the file has
// that nothing took), not instead of it.
type Rename map[string]string

// ToFile renames model tensors to file names.
func (r Rename) ToFile(ts []Tensor) ([]Tensor, error) {
	out, err := renameAll(ts, r)
	if err != nil {
		return nil, err
	}
	if err := unnamed(ts, r, nil, func(from string) string {
		return fmt.Sprintf("checkpoint: Rename maps %s to %s, but no tensor is named %s", from, r[from], from)
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// FromFile renames file tensors back to model names.
func (r Rename) FromFile(ts []Tensor) ([]Tensor, error) {
	out, misses, err := r.fromFileAll(ts)
	if err == nil {
		err = misses
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (r Rename) fromFileAll(ts []Tensor) ([]Tensor, error, error) {
	inv := make(map[string]string, len(r))
	for from, to := range r {
		if prev, dup := inv[to]; dup {
			return nil, nil, fmt.Errorf("checkpoint: Rename maps both %s and %s to %s", prev, from, to)
		}
		inv[to] = from
	}
	out, err := renameAll(ts, inv)
	if err != nil {
		return nil, nil, err
	}
	misses := unnamed(ts, inv, ErrMismatch, func(to string) string {
		return fmt.Sprintf("checkpoint: Rename maps %s to %s, but no tensor read from the file is named %s", inv[to], to, to)
	})
	return out, misses, nil
}

// unnamed is the error for the keys of names that no tensor in ts is
// named, one msg(name) each in sorted order and matching kind (none when
// kind is nil); nil when every key names a tensor.
func unnamed[V any](ts []Tensor, names map[string]V, kind error, msg func(name string) string) error {
	have := make(map[string]bool, len(ts))
	for _, t := range ts {
		have[t.Name] = true
	}
	var missing []string
	for n := range names {
		if !have[n] {
			missing = append(missing, n)
		}
	}
	slices.Sort(missing)
	errs := make([]error, len(missing))
	for i, n := range missing {
		if kind != nil {
			errs[i] = errorf(kind, "%s", msg(n))
		} else {
			errs[i] = errors.New(msg(n))
		}
	}
	return errors.Join(errs...)
}

func renameAll(ts []Tensor, m map[string]string) ([]Tensor, error) {
	out := make([]Tensor, len(ts))
	seen := make(map[string]string, len(ts))
	for i, t := range ts {
		name := t.Name
		if to, ok := m[name]; ok {
			name = to
		}
		if prev, dup := seen[name]; dup {
			return nil, fmt.Errorf("checkpoint: renaming gives two tensors named %s (from %s and %s)", name, prev, t.Name)
		}
		seen[name] = t.Name
		out[i] = Tensor{Name: name, Buf: t.Buf}
	}
	return out, nil
}

// Chain applies mappings in order when saving (the first sees the model's
// tensors) and in reverse order when loading.
func Chain(ms ...Mapping) Mapping { return chain(ms) }

type chain []Mapping

func (c chain) ToFile(ts []Tensor) ([]Tensor, error) {
	var err error
	for _, m := range c {
		if ts, err = m.ToFile(ts); err != nil {
			return nil, err
		}
	}
	return ts, nil
}

func (c chain) FromFile(ts []Tensor) ([]Tensor, error) {
	var err error
	for i := len(c) - 1; i >= 0; i-- {
		if ts, err = c[i].FromFile(ts); err != nil {
			return nil, err
		}
	}
	return ts, nil
}

// fromFileAll goes on past a member's misses through the members that can
// (it stops, with those misses, at one that cannot, or at another error),
// keeping only the first misses: a later member's are mostly their echo
// (a Transpose that does not find the name a Rename failed to give), with
// advice that would mislead.
func (c chain) fromFileAll(ts []Tensor) ([]Tensor, error, error) {
	var misses error
	for i := len(c) - 1; i >= 0; i-- {
		lm, ok := c[i].(lenientMapping)
		if !ok {
			if misses != nil {
				return nil, nil, misses
			}
			var err error
			if ts, err = c[i].FromFile(ts); err != nil {
				return nil, nil, err
			}
			continue
		}
		out, m, err := lm.fromFileAll(ts)
		if err != nil {
			if misses != nil {
				err = misses
			}
			return nil, nil, err
		}
		if misses == nil {
			misses = m
		}
		ts = out
	}
	return ts, misses, nil
}

// MappingFuncs makes a Mapping of two functions. Both must be set: a nil
// one makes its method return an error (a mapping for saving only still
// needs a FromFileFunc for loading).
type MappingFuncs struct {
	ToFileFunc, FromFileFunc func([]Tensor) ([]Tensor, error)
}

// ToFile calls ToFileFunc.
func (m MappingFuncs) ToFile(ts []Tensor) ([]Tensor, error) {
	if m.ToFileFunc == nil {
		return nil, errors.New("checkpoint: MappingFuncs.ToFileFunc is nil")
	}
	return m.ToFileFunc(ts)
}

// FromFile calls FromFileFunc.
func (m MappingFuncs) FromFile(ts []Tensor) ([]Tensor, error) {
	if m.FromFileFunc == nil {
		return nil, errors.New("checkpoint: MappingFuncs.FromFileFunc is nil")
	}
	return m.FromFileFunc(ts)
}

// Transpose swaps the two dimensions of the named matrices both ways (for a
// framework that stores a dense layer's weight as (in, out) where Ember
// stores (out, in)). Names are the model's; apply Transpose before a Rename
// in a Chain. A name that no tensor has is an error (matching ErrMismatch
// when loading): a misspelt name, or a Transpose after the Rename of its
// names, would otherwise leave the matrix untransposed without a word,
// which a square matrix's shape does not reveal.
func Transpose(names ...string) Mapping {
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return transpose(set)
}

// transpose is Transpose's mapping: the same both ways, names kept.
type transpose map[string]bool

func (tr transpose) ToFile(ts []Tensor) ([]Tensor, error)   { return tr.apply(ts, nil) }
func (tr transpose) FromFile(ts []Tensor) ([]Tensor, error) { return tr.apply(ts, ErrMismatch) }

func (tr transpose) fromFileAll(ts []Tensor) ([]Tensor, error, error) {
	misses := tr.unnamed(ts, ErrMismatch)
	out, err := tr.transposeAll(ts)
	if err != nil {
		if misses != nil { // as FromFile, which stops at the misses
			err = misses
		}
		return nil, nil, err
	}
	return out, misses, nil
}

// apply transposes the named tensors; kind is what an unused name's
// error matches (nil for none).
func (tr transpose) apply(ts []Tensor, kind error) ([]Tensor, error) {
	if err := tr.unnamed(ts, kind); err != nil {
		return nil, err
	}
	return tr.transposeAll(ts)
}

// unnamed is the error for the names tr lists that no tensor in ts has.
func (tr transpose) unnamed(ts []Tensor, kind error) error {
	return unnamed(ts, tr, kind, func(n string) string {
		return fmt.Sprintf("checkpoint: Transpose lists %s, but no tensor is named %s "+
			"(Transpose takes the model's names: in a Chain, put it before any Rename)", n, n)
	})
}

// transposeAll transposes the tensors tr names.
func (tr transpose) transposeAll(ts []Tensor) ([]Tensor, error) {
	out := slices.Clone(ts)
	for i, t := range out {
		if !tr[t.Name] {
			continue
		}
		b, err := transposed(t)
		if err != nil {
			return nil, err
		}
		out[i].Buf = b
	}
	return out, nil
}

// nameInFile is the name m's ToFile gives the model's tensor name, where
// m is known to map names one to one (Identity, Rename, Transpose and
// Chains of them); ok is false for any other mapping.
func nameInFile(m Mapping, name string) (fn string, ok bool) {
	switch m := m.(type) {
	case identity, transpose:
		return name, true
	case Rename:
		if to, ok := m[name]; ok {
			return to, true
		}
		return name, true
	case chain:
		for _, c := range m {
			if name, ok = nameInFile(c, name); !ok {
				return "", false
			}
		}
		return name, true
	}
	return "", false
}

func transposed(t Tensor) (*graph.Buf, error) {
	b := t.Buf
	if b == nil || len(b.Shape) != 2 {
		return nil, fmt.Errorf("checkpoint: Transpose: tensor %s is not a matrix", t.Name)
	}
	r, c := b.Shape[0], b.Shape[1]
	out := graph.NewBuf(b.Dtype, c, r)
	for i := range r {
		for j := range c {
			switch b.Dtype {
			case tensor.Float32:
				out.F32[j*r+i] = b.F32[i*c+j]
			case tensor.Float64:
				out.F64[j*r+i] = b.F64[i*c+j]
			default:
				out.I32[j*r+i] = b.I32[i*c+j]
			}
		}
	}
	return out, nil
}

// SaveSafetensors writes params as a safetensors file at path, atomically
// (see Save), after m.ToFile (nil means Identity). metadata becomes the
// file's "__metadata__" (strings only; PyTorch's writers put
// "format": "pt" there, which loaders ignore). No parameters, or a
// mapping that leaves no tensors, is an error rather than a file no model
// could load from. Errors start with "safetensors file <path>:".
func SaveSafetensors(path string, params []*graph.Param, m Mapping, metadata map[string]string) error {
	err := saveSafetensors(path, params, m, metadata)
	if err != nil {
		return fmt.Errorf("safetensors file %s: %w", path, err)
	}
	return nil
}

func saveSafetensors(path string, params []*graph.Param, m Mapping, metadata map[string]string) error {
	if m == nil {
		m = Identity
	}
	if len(params) == 0 {
		return errors.New("no parameters to save")
	}
	for i, p := range params {
		if p == nil || p.Value == nil {
			return fmt.Errorf("parameter %d is nil or has no value", i)
		}
	}
	ts, err := m.ToFile(ParamTensors(params))
	if err != nil {
		return err
	}
	if len(ts) == 0 {
		return fmt.Errorf("the mapping (%T) gave no tensors to save", m)
	}
	enc := make([]safetensors.Tensor, len(ts))
	for i, t := range ts {
		if enc[i], err = safetensors.FromBuf(t.Name, t.Buf); err != nil {
			return err
		}
	}
	return saveWith(path, func(w io.Writer) error { return safetensors.Write(w, enc, metadata) })
}

// ReadSafetensors reads a safetensors file as a File (Kind and Meta empty;
// the file's metadata is returned beside it). Floating-point tensors
// become float64 when stored as F64 and float32 otherwise (F16 and BF16
// widen exactly); BOOL and integer tensors become int32 where every value
// fits. Errors start with "safetensors file <path>:" and match
// safetensors.ErrFormat or ErrTruncated for a bad file (an Ember model
// file given by mistake is named as such), fs.ErrNotExist for a missing
// one.
func ReadSafetensors(path string) (*File, map[string]string, error) {
	sf, err := safetensors.ReadFile(path)
	if err != nil {
		if errors.Is(err, safetensors.ErrFormat) && isModelFile(path) {
			return nil, nil, fmt.Errorf("safetensors file %s: %w", path, errorf(safetensors.ErrFormat,
				"this is an Ember model file, not a safetensors file (read it with checkpoint.Load)"))
		}
		// safetensors.ReadFile's errors start with the path.
		return nil, nil, fmt.Errorf("safetensors file %w", err)
	}
	f := &File{Path: path, label: "safetensors file " + path}
	for _, t := range sf.Tensors {
		dt := tensor.Float32
		switch {
		case t.Dtype == safetensors.F64:
			dt = tensor.Float64
		case t.Dtype.IsInt():
			dt = tensor.Int32
		}
		b, err := t.Buf(dt)
		if err != nil {
			return nil, nil, fmt.Errorf("safetensors file %s: %w", path, err)
		}
		f.Tensors = append(f.Tensors, Tensor{Name: t.Name, Buf: b})
	}
	return f, sf.Metadata, nil
}

// LoadSafetensors reads the safetensors file at path, applies m.FromFile
// (nil means Identity) and restores params from the result by name, as
// Restore does: all or nothing, every mismatch reported. Like PyTorch's
// load_state_dict, a floating-point tensor is converted to its parameter's
// dtype (float64 into a float32 model rounds to nearest). A name that m
// lists and the file lacks (see Rename and Transpose) is reported with
// Restore's list of mismatches, the missing tensors named as m looked for
// them. It returns the file's metadata.
func LoadSafetensors(path string, params []*graph.Param, m Mapping) (map[string]string, error) {
	if m == nil {
		m = Identity
	}
	f, meta, err := ReadSafetensors(path)
	if err != nil {
		return nil, err
	}
	var misses error
	if lm, ok := m.(lenientMapping); ok {
		f.Tensors, misses, err = lm.fromFileAll(f.Tensors)
	} else {
		f.Tensors, err = m.FromFile(f.Tensors)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.where(), err)
	}
	f.inFile = func(name string) string {
		if fn, ok := nameInFile(m, name); ok {
			return fn
		}
		return name
	}
	want := make(map[string]tensor.Dtype, len(params))
	for _, p := range params {
		if p != nil && p.Value != nil {
			want[p.Name] = p.Value.Dtype
		}
	}
	for i, t := range f.Tensors {
		dt, ok := want[t.Name]
		if !ok || t.Buf == nil || t.Buf.Dtype == dt || !isFloatDtype(dt) || !isFloatDtype(t.Buf.Dtype) {
			continue
		}
		b := graph.NewBuf(dt, t.Buf.Shape...)
		for j := range b.Len() {
			b.Set(j, t.Buf.At(j))
		}
		f.Tensors[i].Buf = b
	}
	// A miss refuses the load even where everything else fits: the
	// mapping did not do what it says.
	saved, err := restorable(f, params)
	if misses != nil {
		return nil, errors.Join(fmt.Errorf("%s: %w", f.where(), misses), err)
	}
	if err != nil {
		return nil, err
	}
	if err := restoreFrom(f, params, saved); err != nil {
		return nil, err
	}
	return meta, nil
}

// isModelFile reports whether the file at path starts with the Ember
// model file's magic. It compares the magic itself rather than going
// through decoder.header, which has no check of the magic alone: it reads
// and checks the whole header, and takes a file shorter than the magic
// that starts like it for a truncated model file.
func isModelFile(path string) bool {
	fh, err := os.Open(path)
	if err != nil {
		return false
	}
	defer fh.Close()
	var h [len(magic)]byte
	_, err = io.ReadFull(fh, h[:])
	return err == nil && h == magic
}

func isFloatDtype(dt tensor.Dtype) bool { return dt == tensor.Float32 || dt == tensor.Float64 }

// TensorMap indexes tensors by name, for mappings that look tensors up; a
// repeated name is an error.
func TensorMap(ts []Tensor) (map[string]*graph.Buf, error) {
	m := make(map[string]*graph.Buf, len(ts))
	for _, t := range ts {
		if _, dup := m[t.Name]; dup {
			return nil, fmt.Errorf("checkpoint: two tensors named %s", t.Name)
		}
		m[t.Name] = t.Buf
	}
	return m, nil
}
