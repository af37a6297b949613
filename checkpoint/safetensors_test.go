package checkpoint

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/safetensors"
)

func seqParam(name string, dt tensor.Dtype, shape ...int) *graph.Param {
	p := graph.NewParam(name, dt, shape...)
	for i := range p.Value.Len() {
		p.Value.Set(i, float64(i)+0.25)
	}
	return p
}

func TestSafetensorsRoundTripWithMapping(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	w := seqParam("dense.weight", tensor.Float32, 2, 3)
	b := seqParam("dense.bias", tensor.Float32, 2)
	m := Chain(Transpose("dense.weight"), Rename{"dense.weight": "fc/kernel", "dense.bias": "fc/bias"})
	require.NoError(t, SaveSafetensors(path, []*graph.Param{w, b}, m, map[string]string{"format": "pt"}))
	require.Equal(t, []float32{0.25, 1.25, 2.25, 3.25, 4.25, 5.25}, w.Value.F32, "saving leaves the parameters alone")

	// The file holds the mapped names and layouts.
	sf, err := safetensors.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, []string{"fc/bias", "fc/kernel"}, sf.Names())
	k, _ := sf.Tensor("fc/kernel")
	require.Equal(t, []int{3, 2}, k.Shape)
	kb, err := k.Buf(tensor.Float32)
	require.NoError(t, err)
	require.Equal(t, []float32{0.25, 3.25, 1.25, 4.25, 2.25, 5.25}, kb.F32)
	require.Equal(t, map[string]string{"format": "pt"}, sf.Metadata)

	// Loading undoes the mapping, into float64 parameters too (converted).
	w2, b2 := graph.NewParam("dense.weight", tensor.Float64, 2, 3), graph.NewParam("dense.bias", tensor.Float64, 2)
	meta, err := LoadSafetensors(path, []*graph.Param{w2, b2}, m)
	require.NoError(t, err)
	require.Equal(t, "pt", meta["format"])
	require.Equal(t, []float64{0.25, 1.25, 2.25, 3.25, 4.25, 5.25}, w2.Value.F64)
	require.Equal(t, []float64{0.25, 1.25}, b2.Value.F64)

	// Identity (nil) keeps names.
	require.NoError(t, SaveSafetensors(path, []*graph.Param{w}, nil, nil))
	sf, err = safetensors.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, []string{"dense.weight"}, sf.Names())
}

func TestLoadSafetensorsIsAllOrNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	a, b := seqParam("a", tensor.Float32, 2), seqParam("b", tensor.Float32, 3)
	require.NoError(t, SaveSafetensors(path, []*graph.Param{a, b}, nil, nil))

	a2, c := graph.NewParam("a", tensor.Float32, 2), graph.NewParam("c", tensor.Float32, 3)
	_, err := LoadSafetensors(path, []*graph.Param{a2, c}, nil)
	require.ErrorIs(t, err, ErrMismatch)
	msg := err.Error()
	require.Contains(t, msg, "safetensors file "+path+": tensor c is missing")
	require.Contains(t, msg, "unexpected tensor b float32 (3)")
	require.Equal(t, []float32{0, 0}, a2.Value.F32, "nothing restored")

	wrong := graph.NewParam("b", tensor.Float32, 4)
	_, err = LoadSafetensors(path, []*graph.Param{a2, wrong}, nil)
	require.ErrorContains(t, err, "tensor b has shape (3), model expects (4)")

	// An int32 parameter is not filled from floats.
	ints := graph.NewParam("b", tensor.Int32, 3)
	_, err = LoadSafetensors(path, []*graph.Param{a2, ints}, nil)
	require.ErrorContains(t, err, "tensor b has dtype float32, model expects int32")
}

func TestReadSafetensorsBadFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.model")
	a := seqParam("a", tensor.Float32, 2)
	require.NoError(t, Save(path, "k", nil, ParamTensors([]*graph.Param{a})))
	_, err := LoadSafetensors(path, []*graph.Param{a}, nil)
	require.ErrorIs(t, err, safetensors.ErrFormat, "an Ember model file is not a safetensors file")
	require.True(t, strings.HasPrefix(err.Error(), "safetensors file "+path+": "), err.Error())

	require.ErrorContains(t, err, "this is an Ember model file, not a safetensors file (read it with checkpoint.Load)")

	text := filepath.Join(dir, "notes.safetensors")
	require.NoError(t, os.WriteFile(text, []byte("hello world, this is not a safetensors file\n"), 0o644))
	_, err = LoadSafetensors(text, []*graph.Param{a}, nil)
	require.ErrorIs(t, err, safetensors.ErrFormat)
	require.ErrorContains(t, err, "safetensors file "+text+": safetensors: not a safetensors file: it starts with \"hello wo\"")

	missing := filepath.Join(dir, "missing")
	_, err = LoadSafetensors(missing, []*graph.Param{a}, nil)
	require.ErrorIs(t, err, os.ErrNotExist)
	require.EqualError(t, err, "safetensors file "+missing+": open: no such file or directory")

	good := filepath.Join(dir, "g.safetensors")
	require.NoError(t, SaveSafetensors(good, []*graph.Param{a}, nil, nil))
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(good, data[:len(data)-2], 0o644))
	_, err = LoadSafetensors(good, []*graph.Param{a}, nil)
	require.ErrorIs(t, err, safetensors.ErrTruncated)
}

func TestMappingErrors(t *testing.T) {
	a, b := seqParam("a", tensor.Float32, 2), seqParam("b", tensor.Float32, 2)
	_, err := Rename{"a": "b"}.ToFile(ParamTensors([]*graph.Param{a, b}))
	require.ErrorContains(t, err, "two tensors named b")
	_, err = Rename{"a": "x", "b": "x"}.FromFile(nil)
	require.ErrorContains(t, err, "maps both")
	_, err = Transpose("a").ToFile(ParamTensors([]*graph.Param{a}))
	require.ErrorContains(t, err, "tensor a is not a matrix")

	path := filepath.Join(t.TempDir(), "m.safetensors")
	boom := errors.New("boom")
	fail := MappingFuncs{ToFileFunc: func([]Tensor) ([]Tensor, error) { return nil, boom }}
	require.ErrorIs(t, SaveSafetensors(path, []*graph.Param{a}, fail, nil), boom)
	_, err = os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist, "a failed save leaves no file")
	require.ErrorContains(t, SaveSafetensors(path, []*graph.Param{nil}, nil, nil), "parameter 0 is nil")
}

func TestChainOrder(t *testing.T) {
	// Saving renames a→b, then b→c; loading must undo c→b, then b→a.
	m := Chain(Rename{"a": "b"}, Rename{"b": "c"})
	ts, err := m.ToFile([]Tensor{{Name: "a"}})
	require.NoError(t, err)
	require.Equal(t, "c", ts[0].Name)
	ts, err = m.FromFile(ts)
	require.NoError(t, err)
	require.Equal(t, "a", ts[0].Name)
	idx, err := TensorMap([]Tensor{{Name: "x"}, {Name: "y"}})
	require.NoError(t, err)
	require.Len(t, idx, 2)
	_, err = TensorMap([]Tensor{{Name: "x"}, {Name: "x"}})
	require.Error(t, err)
}

// TestLoadSafetensorsNamesFileTensors: a mismatch through a renaming
// mapping names the tensor as the file holds it, the model's name beside
// it; a tensor whose name the mapping keeps is named once.
func TestLoadSafetensorsNamesFileTensors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	m := Chain(Transpose("dense.weight"), Rename{"dense.weight": "fc.weight"})
	w, b := seqParam("dense.weight", tensor.Float32, 2, 3), seqParam("dense.bias", tensor.Float32, 2)
	require.NoError(t, SaveSafetensors(path, []*graph.Param{w, b}, m, nil))
	w2, b2 := graph.NewParam("dense.weight", tensor.Float32, 4, 3), graph.NewParam("dense.bias", tensor.Float32, 4)
	_, err := LoadSafetensors(path, []*graph.Param{w2, b2}, m)
	require.ErrorIs(t, err, ErrMismatch)
	require.ErrorContains(t, err, "tensor fc.weight (read as the model's dense.weight) has shape (2,3), model expects (4,3)")
	require.ErrorContains(t, err, "tensor dense.bias has shape (2), model expects (4)")

	extra := graph.NewParam("extra", tensor.Float32, 1)
	require.NoError(t, SaveSafetensors(path, []*graph.Param{w, b, extra}, m, nil))
	_, err = LoadSafetensors(path, []*graph.Param{w, b}, m)
	require.ErrorContains(t, err, "unexpected tensor extra float32 (1)")
}

// TestMappingNamesNoTensorHas: a name Transpose or Rename lists that no
// tensor has (misspelt, or the mappings chained in the wrong order) is an
// error both ways, naming it; when loading it matches ErrMismatch and
// nothing is restored. A square matrix is the case shapes cannot catch.
func TestMappingNamesNoTensorHas(t *testing.T) {
	dir := t.TempDir()
	w, b := seqParam("fc.weight", tensor.Float32, 3, 3), seqParam("fc.bias", tensor.Float32, 3)
	params := []*graph.Param{w, b}
	for _, c := range []struct {
		name string
		m    Mapping
		msg  string
	}{
		{"Transpose misspelt", Transpose("fc.wieght"), "Transpose lists fc.wieght, but no tensor is named fc.wieght"},
		{"Transpose after Rename", Chain(Rename{"fc.weight": "dense/kernel"}, Transpose("fc.weight")),
			"Transpose lists fc.weight, but no tensor is named fc.weight (Transpose takes the model's names: in a Chain, put it before any Rename)"},
		{"Rename misspelt", Rename{"fc.wieght": "dense/kernel"}, "Rename maps fc.wieght to dense/kernel, but no tensor is named fc.wieght"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "save.safetensors")
			err := SaveSafetensors(path, params, c.m, nil)
			require.ErrorContains(t, err, c.msg)
			_, statErr := os.Stat(path)
			require.ErrorIs(t, statErr, os.ErrNotExist, "no file written")
		})
	}

	// Loading: the file's weight is stored transposed; a misspelt
	// Transpose would load it as it lies, transposed.
	path := filepath.Join(dir, "t.safetensors")
	require.NoError(t, SaveSafetensors(path, params, Transpose("fc.weight"), nil))
	w2, b2 := graph.NewParam("fc.weight", tensor.Float32, 3, 3), graph.NewParam("fc.bias", tensor.Float32, 3)
	_, err := LoadSafetensors(path, []*graph.Param{w2, b2}, Transpose("fc.wieght"))
	require.ErrorIs(t, err, ErrMismatch)
	require.ErrorContains(t, err, "safetensors file "+path+": checkpoint: Transpose lists fc.wieght, but no tensor is named fc.wieght")
	require.Equal(t, make([]float32, 9), w2.Value.F32, "nothing restored")

	// A Rename whose file name the file lacks.
	renamed := filepath.Join(dir, "r.safetensors")
	require.NoError(t, SaveSafetensors(renamed, params, Rename{"fc.weight": "dense/kernel"}, nil))
	_, err = LoadSafetensors(renamed, []*graph.Param{w2, b2}, Rename{"fc.weight": "dense/kernal"})
	require.ErrorIs(t, err, ErrMismatch)
	require.ErrorContains(t, err, "Rename maps fc.weight to dense/kernal, but no tensor read from the file is named dense/kernal")
	require.Equal(t, make([]float32, 9), w2.Value.F32, "nothing restored")
}

func TestSaveSafetensorsRefusesNothingToSave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	a := seqParam("a", tensor.Float32, 2)
	require.EqualError(t, SaveSafetensors(path, nil, nil, nil), "safetensors file "+path+": no parameters to save")
	require.ErrorContains(t, SaveSafetensors(path, []*graph.Param{}, nil, nil), "no parameters to save")
	dropAll := MappingFuncs{
		ToFileFunc:   func([]Tensor) ([]Tensor, error) { return nil, nil },
		FromFileFunc: func(ts []Tensor) ([]Tensor, error) { return ts, nil },
	}
	require.ErrorContains(t, SaveSafetensors(path, []*graph.Param{a}, dropAll, nil), "the mapping (checkpoint.MappingFuncs) gave no tensors to save")
	_, err := os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist)
}

// TestMappingFuncsNilFunc: a nil function is an error, not a nil
// dereference.
func TestMappingFuncsNilFunc(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	a := seqParam("a", tensor.Float32, 2)
	require.ErrorContains(t, SaveSafetensors(path, []*graph.Param{a}, MappingFuncs{}, nil), "checkpoint: MappingFuncs.ToFileFunc is nil")
	require.NoError(t, SaveSafetensors(path, []*graph.Param{a}, nil, nil))
	toOnly := MappingFuncs{ToFileFunc: func(ts []Tensor) ([]Tensor, error) { return ts, nil }}
	_, err := LoadSafetensors(path, []*graph.Param{a}, toOnly)
	require.ErrorContains(t, err, "checkpoint: MappingFuncs.FromFileFunc is nil")
}

// TestLoadSafetensorsRenameMissListsAll: a load through a Rename whose
// file names the file lacks reports, beside the Rename's own complaint,
// Restore's full list (each missing tensor under the name the mapping
// looked for, each tensor the file has that nothing took), as a plain load
// does, so one run shows everything the mapping needs; nothing is
// restored, even where the rest of the tensors would fit.
func TestLoadSafetensorsRenameMissListsAll(t *testing.T) {
	dir := t.TempDir()
	w, b := seqParam("fc.weight", tensor.Float32, 3, 3), seqParam("fc.bias", tensor.Float32, 3)
	path := filepath.Join(dir, "r.safetensors")
	require.NoError(t, SaveSafetensors(path, []*graph.Param{w, b},
		Rename{"fc.weight": "dense/kernel", "fc.bias": "dense/bias"}, nil))

	w2, b2 := graph.NewParam("fc.weight", tensor.Float32, 3, 3), graph.NewParam("fc.bias", tensor.Float32, 3)
	_, err := LoadSafetensors(path, []*graph.Param{w2, b2}, Rename{"fc.weight": "dense/kernal", "fc.bias": "dense/bais"})
	require.ErrorIs(t, err, ErrMismatch)
	msg := err.Error()
	for _, want := range []string{
		"safetensors file " + path + ": checkpoint: Rename maps fc.bias to dense/bais, but no tensor read from the file is named dense/bais",
		"checkpoint: Rename maps fc.weight to dense/kernal, but no tensor read from the file is named dense/kernal",
		"safetensors file " + path + ": tensor dense/kernal (read as the model's fc.weight) is missing (the model expects float32 (3,3))",
		"safetensors file " + path + ": tensor dense/bais (read as the model's fc.bias) is missing (the model expects float32 (3))",
		"safetensors file " + path + ": unexpected tensor dense/kernel float32 (3,3): the model has no such parameter",
		"safetensors file " + path + ": unexpected tensor dense/bias float32 (3): the model has no such parameter",
	} {
		require.Contains(t, msg, want)
	}
	require.Equal(t, make([]float32, 9), w2.Value.F32, "nothing restored")

	// Through a Chain: the Transpose, seeing no fc.weight after the failed
	// rename, adds no complaint of its own (its advice would mislead).
	_, err = LoadSafetensors(path, []*graph.Param{w2, b2},
		Chain(Transpose("fc.weight"), Rename{"fc.weight": "dense/kernal", "fc.bias": "dense/bias"}))
	require.ErrorIs(t, err, ErrMismatch)
	msg = err.Error()
	require.Contains(t, msg, "tensor dense/kernal (read as the model's fc.weight) is missing (the model expects float32 (3,3))")
	require.Contains(t, msg, "unexpected tensor dense/kernel float32 (3,3)")
	require.NotContains(t, msg, "Transpose lists")
	require.NotContains(t, msg, "dense/bias", "the bias renamed as it should")

	// A Rename miss with nothing else wrong still restores nothing: the
	// file's fc.weight was not renamed, and the mapping said it would be.
	plain := filepath.Join(dir, "p.safetensors")
	require.NoError(t, SaveSafetensors(plain, []*graph.Param{w, b}, nil, nil))
	_, err = LoadSafetensors(plain, []*graph.Param{w2, b2}, Rename{"fc.weight": "dense/kernel"})
	require.ErrorIs(t, err, ErrMismatch)
	require.EqualError(t, err, "safetensors file "+plain+": checkpoint: Rename maps fc.weight to dense/kernel, but no tensor read from the file is named dense/kernel")
	require.Equal(t, make([]float32, 9), w2.Value.F32, "nothing restored")
}
