package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emberml/ember/internal/atomicfile"
)

// Error kinds, for errors.Is. Every error Read returns for a bad file
// matches one of them.
var (
	// ErrFormat: the bytes break the format (header length, JSON, dtype,
	// shape, offsets, duplicate names): not a safetensors file, or a faulty
	// writer made it.
	ErrFormat = errors.New("not a valid safetensors file")
	// ErrTruncated: the file ends before the data its header describes.
	ErrTruncated = errors.New("truncated safetensors file")
)

// MaxHeaderLen is the largest JSON header Read accepts, the reference
// implementation's limit.
const MaxHeaderLen = 100_000_000

// MetadataKey is the reserved header entry holding string metadata.
const MetadataKey = "__metadata__"

// Dtype is a safetensors element type, as written in the header.
type Dtype string

// The dtypes of the specification. Read accepts all of them (float8 ones
// can be listed and copied as bytes but not converted to a graph.Buf).
const (
	BOOL    Dtype = "BOOL"
	U8      Dtype = "U8"
	I8      Dtype = "I8"
	F8E5M2  Dtype = "F8_E5M2"
	F8E4M3  Dtype = "F8_E4M3"
	I16     Dtype = "I16"
	U16     Dtype = "U16"
	F16     Dtype = "F16"
	BF16    Dtype = "BF16"
	I32     Dtype = "I32"
	U32     Dtype = "U32"
	F32     Dtype = "F32"
	F64     Dtype = "F64"
	I64     Dtype = "I64"
	U64     Dtype = "U64"
	invalid Dtype = ""
)

// Size is the element size in bytes, 0 for an unknown dtype.
func (d Dtype) Size() int {
	switch d {
	case BOOL, U8, I8, F8E5M2, F8E4M3:
		return 1
	case I16, U16, F16, BF16:
		return 2
	case I32, U32, F32:
		return 4
	case F64, I64, U64:
		return 8
	}
	return 0
}

// Tensor is one named tensor: its dtype, its row-major shape (empty for a
// scalar) and its elements as little-endian bytes.
type Tensor struct {
	Name  string
	Dtype Dtype
	Shape []int
	Data  []byte
}

// Len is the number of elements its shape holds.
func (t Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// check validates a tensor given to Write.
func (t Tensor) check() error {
	switch {
	case t.Name == "":
		return errors.New("safetensors: a tensor has an empty name")
	case t.Name == MetadataKey:
		return fmt.Errorf("safetensors: %q is reserved for metadata, not a tensor name", MetadataKey)
	case !utf8.ValidString(t.Name):
		return fmt.Errorf("safetensors: tensor name %q is not valid UTF-8", t.Name)
	case t.Dtype.Size() == 0:
		return fmt.Errorf("safetensors: tensor %s: unknown dtype %q", t.Name, t.Dtype)
	}
	n, ok := numElems(t.Shape)
	if !ok {
		return fmt.Errorf("safetensors: tensor %s: invalid shape %v", t.Name, t.Shape)
	}
	if want, ok := mulOK(n, uint64(t.Dtype.Size())); !ok || want != uint64(len(t.Data)) {
		return fmt.Errorf("safetensors: tensor %s: %s %v needs %d bytes, has %d", t.Name, t.Dtype, t.Shape, want, len(t.Data))
	}
	return nil
}

// File is a safetensors file's content.
type File struct {
	// Metadata is the header's "__metadata__" (nil when absent).
	Metadata map[string]string
	// Tensors are in the order of their data in the file.
	Tensors []Tensor
}

// Tensor returns the named tensor.
func (f *File) Tensor(name string) (Tensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// Names lists the tensors' names in file order.
func (f *File) Names() []string {
	names := make([]string, len(f.Tensors))
	for i, t := range f.Tensors {
		names[i] = t.Name
	}
	return names
}

// ReadFile reads and checks the safetensors file at path. Errors start with
// the path; errors.Is matches a missing file against fs.ErrNotExist.
func ReadFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, atomicfile.UnwrapPath(err))
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, atomicfile.UnwrapPath(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (mode %s)", path, fi.Mode())
	}
	f, err := Read(bufio.NewReaderSize(fh, 64<<10), fi.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// Read reads a safetensors file of size bytes from r and checks it
// completely (see the package doc). Nothing beyond size is read.
func Read(r io.Reader, size int64) (*File, error) {
	if size < 8 {
		return nil, formatf("%d bytes: shorter than the 8-byte header length", size)
	}
	var lenBuf [8]byte
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		return nil, readErr(err, "header length")
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeaderLen {
		// Every text file, and most files of other formats, ends here:
		// their first bytes make an absurd length. Say what matters first.
		return nil, formatf("not a safetensors file: it starts with %q, which as a header length is %d bytes, over the limit of %d",
			lenBuf[:], n, MaxHeaderLen)
	}
	if n > uint64(size-8) {
		return nil, truncf("header length %d but only %d bytes follow", n, size-8)
	}
	header := make([]byte, n)
	if _, err := io.ReadFull(r, header); err != nil {
		return nil, readErr(err, "header")
	}
	meta, infos, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	// The tensors must tile the data section: sorted by offset, each starts
	// where the previous one ended, and the last ends at the file's end.
	order := make([]int, len(infos))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ia, ib := &infos[order[a]], &infos[order[b]]
		return ia.begin < ib.begin || (ia.begin == ib.begin && ia.end < ib.end)
	})
	var end uint64
	for _, i := range order {
		t := &infos[i]
		if t.begin != end {
			if t.begin < end {
				return nil, formatf("tensor %s: data_offsets [%d, %d] overlap the previous tensor's data (ending at %d)", t.name, t.begin, t.end, end)
			}
			return nil, formatf("tensor %s: data_offsets [%d, %d] leave a gap after byte %d", t.name, t.begin, t.end, end)
		}
		end = t.end
	}
	if data := uint64(size) - 8 - n; end != data {
		if end > data {
			return nil, truncf("the header describes %d bytes of tensor data, the file holds %d", end, data)
		}
		return nil, formatf("the header describes %d bytes of tensor data, the file holds %d (extra bytes at the end)", end, data)
	}
	f := &File{Metadata: meta, Tensors: make([]Tensor, 0, len(infos))}
	for _, i := range order {
		t := infos[i]
		buf := make([]byte, t.end-t.begin)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, readErr(err, "tensor "+t.name)
		}
		f.Tensors = append(f.Tensors, Tensor{Name: t.name, Dtype: t.dtype, Shape: t.shape, Data: buf})
	}
	return f, nil
}

type tensorInfo struct {
	name       string
	dtype      Dtype
	shape      []int
	begin, end uint64
}

// parseHeader walks the header's top-level object token by token, so that
// duplicate names are caught (decoding into a map would keep the last).
func parseHeader(h []byte) (map[string]string, []tensorInfo, error) {
	if !utf8.Valid(h) {
		return nil, nil, formatf("the header is not valid UTF-8")
	}
	body := bytes.TrimRight(h, " ")
	if len(body) == 0 || body[0] != '{' {
		return nil, nil, formatf("the header does not start with a JSON object (first bytes %q)", clip(string(h), 16))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, nil, formatf("header JSON: %v", err)
	}
	var meta map[string]string
	var infos []tensorInfo
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, formatf("header JSON: %v", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, nil, formatf("header JSON: unexpected %v", tok)
		}
		if seen[name] {
			return nil, nil, formatf("the header names %q twice", clip(name, 60))
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, formatf("header JSON, entry %q: %v", clip(name, 60), err)
		}
		if name == MetadataKey {
			if meta, err = parseMeta(raw); err != nil {
				return nil, nil, err
			}
			continue
		}
		info, err := parseInfo(name, raw)
		if err != nil {
			return nil, nil, err
		}
		infos = append(infos, info)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, formatf("header JSON: %v", err)
	}
	if dec.More() || dec.InputOffset() != int64(len(body)) {
		return nil, nil, formatf("header JSON: unexpected bytes after the object")
	}
	return meta, infos, nil
}

func parseMeta(raw json.RawMessage) (map[string]string, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, formatf("%s must be an object of strings", MetadataKey)
	}
	meta := make(map[string]string, len(m))
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			return nil, formatf("%s[%q] is %v, not a string", MetadataKey, clip(k, 60), v)
		}
		meta[k] = s
	}
	return meta, nil
}

func parseInfo(name string, raw json.RawMessage) (tensorInfo, error) {
	var v struct {
		Dtype   *string       `json:"dtype"`
		Shape   []json.Number `json:"shape"`
		Offsets []json.Number `json:"data_offsets"`
	}
	info := tensorInfo{name: name}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return info, formatf("tensor %s: want {\"dtype\", \"shape\", \"data_offsets\"}: %v", clip(name, 60), err)
	}
	switch {
	case v.Dtype == nil:
		return info, formatf("tensor %s: no dtype", clip(name, 60))
	case v.Shape == nil:
		return info, formatf("tensor %s: no shape", clip(name, 60))
	case len(v.Offsets) != 2:
		return info, formatf("tensor %s: data_offsets must be two numbers [begin, end]", clip(name, 60))
	}
	info.dtype = Dtype(*v.Dtype)
	if info.dtype.Size() == 0 {
		return info, formatf("tensor %s: unknown dtype %q", clip(name, 60), clip(*v.Dtype, 20))
	}
	n := uint64(1)
	for _, d := range v.Shape {
		u, err := strconv.ParseUint(d.String(), 10, 63)
		if err != nil || u > math.MaxInt {
			return info, formatf("tensor %s: shape %v: dimensions must be integers from 0 to 2^63-1", clip(name, 60), v.Shape)
		}
		var ok bool
		if n, ok = mulOK(n, u); !ok {
			return info, formatf("tensor %s: shape %v has too many elements", clip(name, 60), v.Shape)
		}
		info.shape = append(info.shape, int(u))
	}
	if info.shape == nil {
		info.shape = []int{}
	}
	for i, o := range v.Offsets {
		u, err := strconv.ParseUint(o.String(), 10, 64)
		if err != nil {
			return info, formatf("tensor %s: data_offsets %v: want two byte offsets", clip(name, 60), v.Offsets)
		}
		if i == 0 {
			info.begin = u
		} else {
			info.end = u
		}
	}
	bytes, ok := mulOK(n, uint64(info.dtype.Size()))
	if !ok || info.end < info.begin || info.end-info.begin != bytes {
		return info, formatf("tensor %s: %s %v takes %d bytes, but data_offsets [%d, %d] span %d",
			clip(name, 60), info.dtype, info.shape, bytes, info.begin, info.end, int64(info.end-info.begin))
	}
	return info, nil
}

// Write writes tensors and optional string metadata as a safetensors file.
// Tensors are laid out by descending element size, then by name (the
// reference implementation's order, which keeps every tensor aligned); the
// header lists the metadata first, then the tensors in that order. Names
// must be unique and non-empty, and each tensor's Data must hold exactly
// its shape's elements.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	seen := make(map[string]bool, len(tensors))
	for _, t := range tensors {
		if err := t.check(); err != nil {
			return err
		}
		if seen[t.Name] {
			return fmt.Errorf("safetensors: tensor name %s appears twice", t.Name)
		}
		seen[t.Name] = true
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("safetensors: metadata %q is not valid UTF-8", k)
		}
	}
	order := slices.Clone(tensors)
	sort.SliceStable(order, func(i, j int) bool {
		si, sj := order[i].Dtype.Size(), order[j].Dtype.Size()
		if si != sj {
			return si > sj
		}
		return order[i].Name < order[j].Name
	})

	var h bytes.Buffer
	h.WriteByte('{')
	first := true
	entry := func(key string, value any) error {
		if !first {
			h.WriteByte(',')
		}
		first = false
		if err := writeJSON(&h, key); err != nil {
			return err
		}
		h.WriteByte(':')
		return writeJSON(&h, value)
	}
	if len(metadata) > 0 {
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var m bytes.Buffer
		m.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				m.WriteByte(',')
			}
			if err := writeJSON(&m, k); err != nil {
				return err
			}
			m.WriteByte(':')
			if err := writeJSON(&m, metadata[k]); err != nil {
				return err
			}
		}
		m.WriteByte('}')
		if err := entry(MetadataKey, json.RawMessage(m.Bytes())); err != nil {
			return err
		}
	}
	var off uint64
	for _, t := range order {
		end := off + uint64(len(t.Data))
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		err := entry(t.Name, struct {
			Dtype   Dtype     `json:"dtype"`
			Shape   []int     `json:"shape"`
			Offsets [2]uint64 `json:"data_offsets"`
		}{t.Dtype, shape, [2]uint64{off, end}})
		if err != nil {
			return err
		}
		off = end
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(h.Len()))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return err
	}
	if _, err := w.Write(h.Bytes()); err != nil {
		return err
	}
	for _, t := range order {
		if _, err := w.Write(t.Data); err != nil {
			return err
		}
	}
	return nil
}

// writeJSON appends v's JSON without HTML escaping (names like "a<b" stay
// as they are, as the reference writer leaves them) and without a newline.
func writeJSON(b *bytes.Buffer, v any) error {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("safetensors: header: %w", err)
	}
	b.Write(bytes.TrimSuffix(tmp.Bytes(), []byte("\n")))
	return nil
}

// numElems multiplies a shape's dimensions, reporting a negative dimension
// or overflow.
func numElems(shape []int) (uint64, bool) {
	n := uint64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		var ok bool
		if n, ok = mulOK(n, uint64(d)); !ok {
			return 0, false
		}
	}
	return n, n <= math.MaxInt
}

func mulOK(a, b uint64) (uint64, bool) {
	hi, lo := bits.Mul64(a, b)
	return lo, hi == 0
}

func formatf(format string, args ...any) error {
	return &kindError{kind: ErrFormat, msg: fmt.Sprintf(format, args...)}
}

func truncf(format string, args ...any) error {
	return &kindError{kind: ErrTruncated, msg: fmt.Sprintf(format, args...)}
}

func readErr(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return truncf("the file ends inside the %s", what)
	}
	return fmt.Errorf("reading the %s: %w", what, err)
}

// kindError is an error whose text is written in full for the reader while
// errors.Is still matches its kind.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return "safetensors: " + e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// clip shortens s for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.ToValidUTF8(s[:cut], "?") + "…"
}
