// Package safetensors reads and writes the safetensors format, the tensor
// file of Hugging Face's safetensors library and the usual way to move
// weights between PyTorch and other engines without pickle.
//
// A file is an 8-byte little-endian header length N, N bytes of JSON, then
// the tensors' raw little-endian bytes back to back:
//
//	{"__metadata__": {"k": "v", ...},                       (optional, strings only)
//	 "emb.weight": {"dtype": "F32", "shape": [V, D], "data_offsets": [begin, end]},
//	 ...}
//
// Offsets count from the first byte after the header; the tensors tile the
// data section exactly, row-major, with no gaps. Read checks all of that
// before it returns anything (header size and UTF-8, duplicate names, known
// dtypes, shapes against byte counts with overflow checks, contiguous
// offsets, the file's length): every error matches ErrFormat or
// ErrTruncated with errors.Is and says what is wrong. Allocation stays
// proportional to the file's size whatever its header claims.
//
// Write lays tensors out as the reference implementation does (largest
// element first, then by name, so that every tensor is aligned to its
// element size) and pads the header with spaces to a multiple of 8 bytes.
// The reference reader accepts what Write produces, and Read accepts any
// file laid out by the specification (the reference writer's included).
//
// Why not github.com/nlpodyssey/safetensors: it is unreleased (pseudo-versions
// only, last change February 2025, no README), parses only a byte slice
// holding the whole file, gives untyped errors that name neither file nor
// field, lets a duplicate tensor name through (the last one silently wins),
// treats a scalar's shape [] as zero elements in NewTensorView, and leaves
// the conversion to Go slices (the part a caller needs) to the caller. The
// format is small enough that a reader with the guarantees above is less code
// than the adapter around that module would be.
//
// Tensor.Buf converts to Ember's graph.Buf: F64, F32, F16 and BF16 to
// float32 or float64; BOOL and the integer dtypes to int32 where every value
// fits. FromBuf goes the other way for float32, float64 and int32 buffers.
package safetensors
