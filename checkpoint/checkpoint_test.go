package checkpoint

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// TestSaveAtomic makes Save fail in different ways over an existing model:
// the old file must survive byte for byte and no temporary file may remain.
func TestSaveAtomic(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) // optional, after the old model is saved
		save  func(path string) error
		msg   string
	}{
		{
			name: "metadata fails to marshal",
			save: func(path string) error {
				return Save(path, "ember.test", map[string]any{"f": func() {}}, sampleTensors())
			},
			msg: "metadata: json: unsupported type",
		},
		{
			name: "invalid tensor",
			save: func(path string) error { return Save(path, "ember.test", nil, []Tensor{{"w", nil}}) },
			msg:  `tensor "w" has no buffer`,
		},
		{
			name: "write fails midway",
			save: func(path string) error {
				return saveWith(path, func(w io.Writer) error {
					var full bytes.Buffer
					if err := Write(&full, "ember.other", nil, sampleTensors()); err != nil {
						return err
					}
					if _, err := w.Write(full.Bytes()[:full.Len()/2]); err != nil {
						return err
					}
					return errDiskFull
				})
			},
			msg: "disk full",
		},
		{
			name: "read-only directory",
			setup: func(t *testing.T, dir string) {
				if os.Geteuid() == 0 {
					t.Skip("root ignores directory permissions")
				}
				require.NoError(t, os.Chmod(dir, 0o555))
				t.Cleanup(func() { os.Chmod(dir, 0o755) })
			},
			save: func(path string) error { return Save(path, "ember.other", nil, sampleTensors()) },
			msg:  "create temporary file: open: permission denied",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path, old := writeSample(t, dir)
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			err := tc.save(path)
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.msg)
			if !errors.Is(err, errDiskFull) {
				require.Contains(t, err.Error(), "model file "+path+": ")
			}
			now, rerr := os.ReadFile(path)
			require.NoError(t, rerr)
			require.Equal(t, old, now)
			require.Equal(t, []string{"model.ember"}, dirNames(t, dir))
			_, lerr := Load(path, "ember.test")
			require.NoError(t, lerr)
		})
	}
}

func TestSaveOntoDirectoryLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "model.ember")
	require.NoError(t, os.Mkdir(target, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(target, "keep"), nil, 0o644))
	err := Save(target, "ember.test", nil, sampleTensors())
	require.ErrorContains(t, err, "model file "+target+": rename into place")
	require.Equal(t, []string{"model.ember"}, dirNames(t, dir))
}

func TestSaveReplacesAndKeepsMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.ember")
	require.NoError(t, Save(path, "ember.a", nil, nil))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), fi.Mode().Perm(), "a new file is 0644, not CreateTemp's 0600")

	require.NoError(t, os.Chmod(path, 0o600))
	require.NoError(t, Save(path, "ember.b", nil, sampleTensors()))
	fi, err = os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "replacing keeps the old mode")
	f, err := Load(path, "ember.b")
	require.NoError(t, err)
	require.Len(t, f.Tensors, 4)
	require.Equal(t, []string{"m.ember"}, dirNames(t, dir))
}

func TestSaveMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "m.ember")
	err := Save(path, "ember.test", nil, nil)
	require.ErrorContains(t, err, "model file "+path+": create temporary file: open: no such file or directory")
}

func TestFileTensor(t *testing.T) {
	path, _ := writeSample(t, t.TempDir())
	f, err := Load(path, "")
	require.NoError(t, err)
	many := &File{Path: "many.ember"}
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"} {
		many.Tensors = append(many.Tensors, Tensor{n, f32Buf(nil, 1)})
	}
	tests := []struct {
		name   string
		f      *File
		tensor string
		msg    string // "" means found
	}{
		{"found", f, "lstm.0.wih", ""},
		{"missing", f, "lstm.1.wih", `model file ` + path + `: no tensor "lstm.1.wih" (it has emb, lstm.0.wih, ids, scale)`},
		{"missing among many", many, "z", `model file many.ember: no tensor "z" (it has a, b, c, d, e, f, g, h, i, j and 2 more)`},
		{"empty file, not loaded", &File{}, "w", `checkpoint: no tensor "w" (the file has no tensors)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.f.Tensor(tc.tensor)
			if tc.msg == "" {
				require.NoError(t, err)
				requireBitsEqual(t, sampleTensors()[1].Buf, b)
				return
			}
			require.Nil(t, b)
			require.ErrorIs(t, err, ErrNoTensor)
			require.EqualError(t, err, tc.msg)
		})
	}
}

func TestDecodeMeta(t *testing.T) {
	path, _ := writeSample(t, t.TempDir())
	f, err := Load(path, "ember.test")
	require.NoError(t, err)

	var m sampleMeta
	require.NoError(t, f.DecodeMeta(&m))
	require.Equal(t, sampleMeta{Hidden: 2, Vocab: []string{"a", "b"}}, m)

	// Unknown fields are fine (a newer model version may add some).
	var partial struct{ Hidden int }
	require.NoError(t, f.DecodeMeta(&partial))
	require.Equal(t, 2, partial.Hidden)

	var wrong struct {
		Hidden string `json:"hidden"`
	}
	err = f.DecodeMeta(&wrong)
	require.ErrorContains(t, err, "model file "+path+": metadata: json: cannot unmarshal number")
}

func param(name string, dt tensor.Dtype, shape ...int) *graph.Param {
	return graph.NewParam(name, dt, shape...)
}

func TestRestore(t *testing.T) {
	saved := func() *File {
		w := graph.NewBuf(tensor.Float32, 4, 2)
		for i := range w.F32 {
			w.F32[i] = float32(i + 1)
		}
		b := graph.NewBuf(tensor.Float64, 4)
		copy(b.F64, []float64{-1, -2, -3, -4})
		return &File{Path: "m.ember", Kind: "ember.test", Tensors: []Tensor{{"lstm.0.wih", w}, {"lstm.0.b", b}}}
	}
	tests := []struct {
		name   string
		f      *File
		params []*graph.Param
		msgs   []string // nil: success
	}{
		{"exact fit, any order", saved(), []*graph.Param{
			param("lstm.0.b", tensor.Float64, 4), param("lstm.0.wih", tensor.Float32, 4, 2),
		}, nil},
		{"shape mismatch", saved(), []*graph.Param{
			param("lstm.0.wih", tensor.Float32, 4, 1), param("lstm.0.b", tensor.Float64, 4),
		}, []string{"model file m.ember: tensor lstm.0.wih has shape (4,2), model expects (4,1)"}},
		{"same size, other shape", saved(), []*graph.Param{
			param("lstm.0.wih", tensor.Float32, 2, 4), param("lstm.0.b", tensor.Float64, 4),
		}, []string{"model file m.ember: tensor lstm.0.wih has shape (4,2), model expects (2,4)"}},
		{"dtype mismatch", saved(), []*graph.Param{
			param("lstm.0.wih", tensor.Float32, 4, 2), param("lstm.0.b", tensor.Float32, 4),
		}, []string{"model file m.ember: tensor lstm.0.b has dtype float64, model expects float32"}},
		{"missing tensor", saved(), []*graph.Param{
			param("lstm.0.wih", tensor.Float32, 4, 2), param("lstm.0.b", tensor.Float64, 4), param("out.w", tensor.Float32, 2, 3),
		}, []string{"model file m.ember: tensor out.w is missing (the model expects float32 (2,3))"}},
		{"unknown tensor", saved(), []*graph.Param{
			param("lstm.0.wih", tensor.Float32, 4, 2),
		}, []string{"model file m.ember: unexpected tensor lstm.0.b float64 (4): the model has no such parameter"}},
		{"every problem reported", saved(), []*graph.Param{
			param("lstm.0.wih", tensor.Float32, 8), param("x", tensor.Int32, 1),
		}, []string{
			"model file m.ember: tensor lstm.0.wih has shape (4,2), model expects (8)",
			"model file m.ember: tensor x is missing (the model expects int32 (1))",
			"model file m.ember: unexpected tensor lstm.0.b float64 (4)",
		}},
		{"file read by Read", &File{Tensors: saved().Tensors}, []*graph.Param{
			param("lstm.0.wih", tensor.Float32, 4, 2),
		}, []string{"checkpoint: unexpected tensor lstm.0.b"}},
		{"duplicate in hand-made file", &File{Path: "m.ember", Tensors: append(saved().Tensors, saved().Tensors[1])}, []*graph.Param{
			param("lstm.0.wih", tensor.Float32, 4, 2), param("lstm.0.b", tensor.Float64, 4),
		}, []string{"model file m.ember: tensor lstm.0.b appears twice"}},
		{"inconsistent saved buffer", &File{Path: "m.ember", Tensors: []Tensor{{"w", &graph.Buf{Dtype: tensor.Float32, Shape: tensor.Shape{3}, F32: make([]float32, 2)}}}}, []*graph.Param{
			param("w", tensor.Float32, 3),
		}, []string{"model file m.ember: tensor w holds 2 elements, not what its shape (3) needs"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Restore(tc.f, tc.params)
			if tc.msgs == nil {
				require.NoError(t, err)
				for _, p := range tc.params {
					want, terr := tc.f.Tensor(p.Name)
					require.NoError(t, terr)
					requireBitsEqual(t, want, p.Value)
					require.NotSame(t, want, p.Value, "Restore copies, it does not alias")
				}
				return
			}
			require.ErrorIs(t, err, ErrMismatch)
			for _, m := range tc.msgs {
				require.Contains(t, err.Error(), m)
			}
			// Nothing is copied unless everything fits.
			for _, p := range tc.params {
				for i := range p.Value.Len() {
					require.Zero(t, p.Value.At(i), "param %s was partly restored", p.Name)
				}
			}
		})
	}
}

func TestRestoreBadParams(t *testing.T) {
	f := &File{Path: "m.ember", Tensors: []Tensor{{"w", f32Buf([]int{1}, 1)}}}
	tests := []struct {
		name   string
		f      *File
		params []*graph.Param
		msg    string
	}{
		{"nil file", nil, nil, "checkpoint: Restore of a nil File"},
		{"nil param", f, []*graph.Param{nil}, "model file m.ember: restore: parameter 0 is nil or has no value"},
		{"param without value", f, []*graph.Param{{Name: "w"}}, "parameter 0 is nil or has no value"},
		{"duplicate params", f, []*graph.Param{param("w", tensor.Float32, 1), param("w", tensor.Float32, 1)}, "the model has two parameters named w"},
		{"inconsistent param", f, []*graph.Param{{Name: "w", Value: &graph.Buf{Dtype: tensor.Float32, Shape: tensor.Shape{1}}}}, "parameter w holds 0 elements"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Restore(tc.f, tc.params)
			require.ErrorContains(t, err, tc.msg)
		})
	}
}

// TestSaveLoadRestoreParams is the whole trip a trainer and a server make.
func TestSaveLoadRestoreParams(t *testing.T) {
	params := []*graph.Param{param("emb", tensor.Float32, 5, 3), param("out.b", tensor.Float64, 2)}
	for i := range params[0].Value.F32 {
		params[0].Value.F32[i] = float32(i) / 7
	}
	params[1].Value.F64[1] = -3.5
	path := filepath.Join(t.TempDir(), "m.ember")
	require.NoError(t, Save(path, "ember.test", map[string]int{"hidden": 3}, ParamTensors(params)))

	fresh := []*graph.Param{param("out.b", tensor.Float64, 2), param("emb", tensor.Float32, 5, 3)}
	f, err := Load(path, "ember.test")
	require.NoError(t, err)
	require.NoError(t, Restore(f, fresh))
	requireBitsEqual(t, params[0].Value, fresh[1].Value)
	requireBitsEqual(t, params[1].Value, fresh[0].Value)
}

// TestKind: Kind reads a file's kind from its header and info section
// alone (a file whose tensors are damaged still names its kind), and
// refuses what is not an Ember file.
func TestKind(t *testing.T) {
	dir := t.TempDir()
	path, data := writeSample(t, dir)
	want, err := Load(path, "")
	require.NoError(t, err)
	kind, err := Kind(path)
	require.NoError(t, err)
	require.Equal(t, want.Kind, kind)

	damaged := filepath.Join(dir, "damaged")
	bad := slices.Clone(data)
	bad[len(bad)-40] ^= 0xff
	require.NoError(t, os.WriteFile(damaged, bad, 0o644))
	_, err = Load(damaged, "")
	require.Error(t, err)
	kind, err = Kind(damaged)
	require.NoError(t, err)
	require.Equal(t, want.Kind, kind)

	text := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(text, []byte("hello, not a model\n"), 0o644))
	_, err = Kind(text)
	require.ErrorIs(t, err, ErrNotModel)
	require.ErrorContains(t, err, text)

	_, err = Kind(filepath.Join(dir, "missing"))
	require.ErrorContains(t, err, "no such file")
}

// TestPeek: Peek returns a file's kind and metadata from its header and
// info section alone, without tensors: a file whose tensors are damaged
// still shows them, which Load refuses. A damaged info section or a file
// that is no Ember file is refused, named.
func TestPeek(t *testing.T) {
	dir := t.TempDir()
	path, data := writeSample(t, dir)
	want, err := Load(path, "")
	require.NoError(t, err)
	f, err := Peek(path)
	require.NoError(t, err)
	require.Equal(t, want.Kind, f.Kind)
	require.JSONEq(t, string(want.Meta), string(f.Meta))
	require.Empty(t, f.Tensors)
	require.Equal(t, path, f.Path)

	damaged := filepath.Join(dir, "damaged")
	bad := slices.Clone(data)
	bad[len(bad)-40] ^= 0xff // in the last tensor
	require.NoError(t, os.WriteFile(damaged, bad, 0o644))
	_, err = Load(damaged, "")
	require.ErrorIs(t, err, ErrCorrupt)
	f, err = Peek(damaged)
	require.NoError(t, err)
	require.JSONEq(t, string(want.Meta), string(f.Meta))

	info := slices.Clone(data)
	info[headerLen+8+2] ^= 0xff // in the info section's kind
	require.NoError(t, os.WriteFile(damaged, info, 0o644))
	_, err = Peek(damaged)
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorContains(t, err, "model file "+damaged+": ")

	text := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(text, []byte("hello, not a model\n"), 0o644))
	_, err = Peek(text)
	require.ErrorIs(t, err, ErrNotModel)
	require.ErrorContains(t, err, text)
}
