package checkpoint

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"math/bits"
	"unicode/utf8"

	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// Version is the format version this build writes and the newest it reads.
const Version = 1

const (
	headerLen = 24
	// frameLen is a section's framing: the uint64 length before the payload
	// and the uint32 CRC after it.
	frameLen   = 8 + 4
	trailerLen = sha256.Size

	maxKindLen = math.MaxUint16
	maxNameLen = math.MaxUint16
	maxRank    = math.MaxUint8
	// maxDescLen bounds a descriptor section, so a corrupt length cannot
	// make us buffer a large payload just to find its CRC wrong.
	maxDescLen = 2 + maxNameLen + 1 + 1 + 8*maxRank
	// minTensorLen is a lower bound on the bytes one tensor takes (two
	// frames, a one-byte name, dtype and rank); it caps a plausible tensor
	// count by the bytes left.
	minTensorLen = 2*frameLen + 2 + 1 + 1 + 1
	// minFileLen is a lower bound on a valid file (header, an info section
	// with an empty kind and no metadata, trailer).
	minFileLen = headerLen + frameLen + 2 + 4 + trailerLen

	// chunkLen is the scratch size for encoding and decoding tensor data:
	// large enough to amortise calls, small enough not to matter in memory.
	chunkLen = 64 << 10
)

// magic starts every model file (see the package doc for why these bytes).
var magic = [8]byte{0x89, 'E', 'M', 'B', '\r', '\n', 0x1a, '\n'}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Error kinds, for errors.Is. Every error Read and Load return for a bad
// file matches exactly one of these.
var (
	// ErrNotModel: the file does not start with the Ember magic (a text or
	// image file given by mistake, say).
	ErrNotModel = errors.New("not an Ember model file")
	// ErrVersion: the file was written in a format version this build does
	// not read (by a newer Ember).
	ErrVersion = errors.New("unsupported format version")
	// ErrKind: the file holds a different kind of model than asked for.
	ErrKind = errors.New("wrong model kind")
	// ErrTruncated: the file is shorter than its header says.
	ErrTruncated = errors.New("truncated")
	// ErrCorrupt: a checksum or a length does not match: the bytes were
	// damaged after writing.
	ErrCorrupt = errors.New("corrupt")
	// ErrInvalid: the checksums match but the content breaks the format
	// rules (invalid JSON metadata, duplicate tensor names, unsupported
	// dtype, implausible sizes): a faulty writer made the file.
	ErrInvalid = errors.New("invalid model file")
	// ErrMismatch: Restore found the file's tensors do not fit the model.
	ErrMismatch = errors.New("model file does not match the model")
	// ErrNoTensor: File.Tensor was asked for a name the file lacks.
	ErrNoTensor = errors.New("no such tensor")
)

// kindError is an error whose text is written in full for the reader, while
// errors.Is still matches its kind.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func errorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// dtypeCode maps the supported dtypes to their code in the file; the second
// result is the element size in bytes, 0 for an unsupported dtype.
func dtypeCode(dt tensor.Dtype) (code uint8, size int) {
	switch dt {
	case tensor.Float32:
		return 1, 4
	case tensor.Float64:
		return 2, 8
	case tensor.Int32:
		return 3, 4
	}
	return 0, 0
}

func codeDtype(code uint8) (dt tensor.Dtype, size int, ok bool) {
	switch code {
	case 1:
		return tensor.Float32, 4, true
	case 2:
		return tensor.Float64, 8, true
	case 3:
		return tensor.Int32, 4, true
	}
	return tensor.Dtype{}, 0, false
}

// dtypeName prints a dtype without panicking on the zero Dtype, whose
// embedded reflect.Type is nil.
func dtypeName(dt tensor.Dtype) string {
	if dt.Type == nil {
		return "<no dtype>"
	}
	return dt.String()
}

// shapeString formats a shape as "(1024,100)"; a scalar is "()".
func shapeString(s []int) string {
	var b bytes.Buffer
	b.WriteByte('(')
	for i, d := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, d)
	}
	b.WriteByte(')')
	return b.String()
}

// numElems is the element count of a shape, and false when a dim is
// negative or the count overflows an int. Any zero dim makes the count 0
// whatever the other dims are, as it does in memory.
func numElems(shape []int) (int, bool) {
	n := uint64(1)
	overflow := false
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d == 0 {
			return 0, true
		}
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > math.MaxInt {
			overflow = true
		}
		n = lo
	}
	if overflow {
		return 0, false
	}
	return int(n), true
}

// bufLen is the length of the buffer's element slice for its dtype.
func bufLen(b *graph.Buf) int {
	switch b.Dtype {
	case tensor.Float32:
		return len(b.F32)
	case tensor.Float64:
		return len(b.F64)
	case tensor.Int32:
		return len(b.I32)
	}
	return 0
}

// plan is a validated, fully sized model file, ready to be written.
type plan struct {
	info  []byte   // info section payload
	descs [][]byte // descriptor section payloads
	bufs  []*graph.Buf
	total int64
}

// makePlan validates everything and marshals the metadata before a single
// byte is written, so bad input never leaves a partial stream behind.
func makePlan(kind string, meta any, tensors []Tensor) (*plan, error) {
	if kind == "" {
		return nil, errors.New("empty model kind")
	}
	if len(kind) > maxKindLen {
		return nil, fmt.Errorf("model kind of %d bytes exceeds %d", len(kind), maxKindLen)
	}
	if !utf8.ValidString(kind) {
		return nil, fmt.Errorf("model kind %q is not valid UTF-8", kind)
	}
	if uint64(len(tensors)) > math.MaxUint32 {
		return nil, fmt.Errorf("%d tensors: at most %d fit in a model file", len(tensors), uint32(math.MaxUint32))
	}
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}

	p := &plan{}
	p.info = binary.LittleEndian.AppendUint16(nil, uint16(len(kind)))
	p.info = append(p.info, kind...)
	p.info = binary.LittleEndian.AppendUint32(p.info, uint32(len(tensors)))
	p.info = append(p.info, metaJSON...)
	p.total = headerLen + frameLen + int64(len(p.info)) + trailerLen

	seen := make(map[string]bool, len(tensors))
	for i, t := range tensors {
		switch {
		case t.Name == "":
			return nil, fmt.Errorf("tensor %d has an empty name", i)
		case len(t.Name) > maxNameLen:
			return nil, fmt.Errorf("tensor %d name of %d bytes exceeds %d", i, len(t.Name), maxNameLen)
		case !utf8.ValidString(t.Name):
			return nil, fmt.Errorf("tensor %d name %q is not valid UTF-8", i, t.Name)
		case seen[t.Name]:
			return nil, fmt.Errorf("duplicate tensor name %q", t.Name)
		case t.Buf == nil:
			return nil, fmt.Errorf("tensor %q has no buffer", t.Name)
		}
		seen[t.Name] = true
		b := t.Buf
		code, size := dtypeCode(b.Dtype)
		if code == 0 {
			return nil, fmt.Errorf("tensor %q: unsupported dtype %s (float32, float64 and int32 are)", t.Name, dtypeName(b.Dtype))
		}
		if len(b.Shape) > maxRank {
			return nil, fmt.Errorf("tensor %q: rank %d exceeds %d", t.Name, len(b.Shape), maxRank)
		}
		n, ok := numElems(b.Shape)
		if !ok || n != bufLen(b) {
			// A Buf built by hand can disagree with itself; writing it would
			// make a file that fails to load, so refuse now.
			return nil, fmt.Errorf("tensor %q: shape %s does not match its %d %s elements", t.Name, shapeString(b.Shape), bufLen(b), dtypeName(b.Dtype))
		}
		d := binary.LittleEndian.AppendUint16(nil, uint16(len(t.Name)))
		d = append(d, t.Name...)
		d = append(d, code, uint8(len(b.Shape)))
		for _, dim := range b.Shape {
			d = binary.LittleEndian.AppendUint64(d, uint64(dim))
		}
		p.descs = append(p.descs, d)
		p.bufs = append(p.bufs, b)
		p.total += 2*frameLen + int64(len(d)) + int64(n)*int64(size)
	}
	return p, nil
}

// encoder writes through a buffer while hashing and counting; the first
// write error sticks, so callers check once at the end.
type encoder struct {
	w   *bufio.Writer
	sum hash.Hash
	n   int64
	err error
}

func (e *encoder) write(p []byte) {
	if e.err != nil {
		return
	}
	_, e.err = e.w.Write(p)
	e.sum.Write(p)
	e.n += int64(len(p))
}

func (e *encoder) section(payload []byte) {
	e.write(binary.LittleEndian.AppendUint64(nil, uint64(len(payload))))
	e.write(payload)
	e.write(binary.LittleEndian.AppendUint32(nil, crc32.Checksum(payload, castagnoli)))
}

// data writes a tensor's elements as a data section, encoding chunk by
// chunk so no second copy of the tensor is made.
func (e *encoder) data(b *graph.Buf, scratch []byte) {
	_, size := dtypeCode(b.Dtype)
	e.write(binary.LittleEndian.AppendUint64(nil, uint64(bufLen(b)*size)))
	var crc uint32
	for off := 0; off < bufLen(b) && e.err == nil; {
		k := min(bufLen(b)-off, len(scratch)/size)
		c := scratch[:k*size]
		switch b.Dtype {
		case tensor.Float32:
			for i, v := range b.F32[off : off+k] {
				binary.LittleEndian.PutUint32(c[4*i:], math.Float32bits(v))
			}
		case tensor.Float64:
			for i, v := range b.F64[off : off+k] {
				binary.LittleEndian.PutUint64(c[8*i:], math.Float64bits(v))
			}
		case tensor.Int32:
			for i, v := range b.I32[off : off+k] {
				binary.LittleEndian.PutUint32(c[4*i:], uint32(v))
			}
		}
		crc = crc32.Update(crc, castagnoli, c)
		e.write(c)
		off += k
	}
	e.write(binary.LittleEndian.AppendUint32(nil, crc))
}

// Write writes a model file to w: kind names the model family, meta is
// marshaled with encoding/json (pass a json.RawMessage for JSON already
// encoded), and tensors are stored in the order given. Everything is
// validated before the first byte is written.
func Write(w io.Writer, kind string, meta any, tensors []Tensor) error {
	if err := write(w, kind, meta, tensors); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

func write(w io.Writer, kind string, meta any, tensors []Tensor) error {
	p, err := makePlan(kind, meta, tensors)
	if err != nil {
		return err
	}
	e := &encoder{w: bufio.NewWriterSize(w, chunkLen), sum: sha256.New()}

	var h [headerLen]byte
	copy(h[:], magic[:])
	binary.LittleEndian.PutUint32(h[8:], Version)
	binary.LittleEndian.PutUint64(h[12:], uint64(p.total))
	binary.LittleEndian.PutUint32(h[20:], crc32.Checksum(h[:20], castagnoli))
	e.write(h[:])
	e.section(p.info)
	scratch := make([]byte, chunkLen)
	for i, d := range p.descs {
		e.section(d)
		e.data(p.bufs[i], scratch)
	}
	e.write(e.sum.Sum(nil))
	if e.err != nil {
		return fmt.Errorf("write: %w", e.err)
	}
	if err := e.w.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if e.n != p.total {
		// The header promised p.total bytes; a file that breaks that promise
		// would fail to load, so report the bug here instead.
		return fmt.Errorf("internal error: wrote %d bytes, planned %d", e.n, p.total)
	}
	return nil
}

// decoder reads a model file as a stream, hashing every byte it consumes.
type decoder struct {
	r       io.Reader
	sum     hash.Hash
	off     int64 // bytes consumed so far
	size    int64 // the file's size, as the caller gave it
	scratch []byte
}

// read fills p from the stream and feeds the whole-file hash.
func (d *decoder) read(p []byte) error {
	n, err := io.ReadFull(d.r, p)
	d.sum.Write(p[:n])
	d.off += int64(n)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errorf(ErrTruncated, "truncated: expected %d bytes, the data ends after %d", d.size, d.off)
	}
	if err != nil {
		return fmt.Errorf("read at offset %d: %w", d.off, err)
	}
	return nil
}

// bodyLeft is how many bytes remain before the trailer.
func (d *decoder) bodyLeft() int64 { return d.size - trailerLen - d.off }

// frameStart reads a section's length and checks it against both the bytes
// left and max before the caller allocates anything for the payload.
func (d *decoder) frameStart(what string, max int64) (int64, error) {
	start := d.off
	if d.bodyLeft() < frameLen {
		return 0, errorf(ErrCorrupt, "corrupt: %s at offset %d: no room for it, %d bytes left", what, start, d.bodyLeft())
	}
	var b [8]byte
	if err := d.read(b[:]); err != nil {
		return 0, err
	}
	n := binary.LittleEndian.Uint64(b[:])
	if left := d.bodyLeft() - 4; n > uint64(left) || n > uint64(max) {
		return 0, errorf(ErrCorrupt, "corrupt: %s at offset %d has implausible length %d (%d bytes left)", what, start, n, left)
	}
	return int64(n), nil
}

// frameEnd reads a section's CRC and compares it with the payload's.
func (d *decoder) frameEnd(what string, start int64, crc uint32) error {
	var b [4]byte
	if err := d.read(b[:]); err != nil {
		return err
	}
	if binary.LittleEndian.Uint32(b[:]) != crc {
		return errorf(ErrCorrupt, "corrupt: checksum mismatch in %s (bytes %d to %d)", what, start, d.off)
	}
	return nil
}

// section reads a whole small section and verifies it, so its payload is
// only ever interpreted once known to be intact.
func (d *decoder) section(what string, max int64) ([]byte, error) {
	start := d.off
	n, err := d.frameStart(what, max)
	if err != nil {
		return nil, err
	}
	p := make([]byte, n)
	if err := d.read(p); err != nil {
		return nil, err
	}
	if err := d.frameEnd(what, start, crc32.Checksum(p, castagnoli)); err != nil {
		return nil, err
	}
	return p, nil
}

// Read reads a model file of size bytes from r, consuming exactly size
// bytes, and verifies it completely. If wantKind is not empty the file must
// hold that kind of model; the kind is checked before any tensor is read.
// Errors match one of the Err kinds of this package (or are r's own).
func Read(r io.Reader, size int64, wantKind string) (*File, error) {
	f, err := read(r, size, wantKind)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	return f, nil
}

func read(r io.Reader, size int64, wantKind string) (*File, error) {
	if size < 0 {
		return nil, fmt.Errorf("negative size %d", size)
	}
	d := &decoder{r: r, sum: sha256.New(), size: size}
	f, count, err := d.info()
	if err != nil {
		return nil, err
	}
	if wantKind != "" && f.Kind != wantKind {
		return nil, errorf(ErrKind, "model kind is %q, expected %q", f.Kind, wantKind)
	}
	if !json.Valid(f.Meta) {
		return nil, errorf(ErrInvalid, "invalid: metadata is not valid JSON")
	}
	if left := d.bodyLeft(); uint64(count) > uint64(left)/minTensorLen {
		return nil, errorf(ErrInvalid, "invalid: implausible tensor count %d for the %d bytes left", count, left)
	}

	d.scratch = make([]byte, min(chunkLen, size))
	seen := make(map[string]bool)
	for i := range int(count) {
		t, err := d.tensor(i)
		if err != nil {
			return nil, err
		}
		if seen[t.Name] {
			return nil, errorf(ErrInvalid, "invalid: duplicate tensor name %q", t.Name)
		}
		seen[t.Name] = true
		f.Tensors = append(f.Tensors, t)
	}

	if left := d.bodyLeft(); left != 0 {
		return nil, errorf(ErrCorrupt, "corrupt: %d unexpected bytes after the last tensor", left)
	}
	want := d.sum.Sum(nil)
	got := make([]byte, trailerLen)
	// The trailer is read past the hash, which must not cover itself.
	if _, err := io.ReadFull(d.r, got); err != nil {
		return nil, errorf(ErrTruncated, "truncated: expected %d bytes, the data ends before the checksum", size)
	}
	if !bytes.Equal(got, want) {
		return nil, errorf(ErrCorrupt, "corrupt: SHA-256 checksum mismatch")
	}
	return f, nil
}

// header reads and checks the fixed header. Its order matters: the magic
// first (a wrong file is not "corrupt"), then the CRC (a damaged version
// field is corruption, not a newer format), then the version, and last the
// declared size against the real one (truncation).
func (d *decoder) header() error {
	if d.size == 0 {
		return errorf(ErrTruncated, "truncated: the file is empty")
	}
	var h [headerLen]byte
	n := min(d.size, headerLen)
	if err := d.read(h[:n]); err != nil {
		return err
	}
	m := min(n, int64(len(magic)))
	if !bytes.Equal(h[:m], magic[:m]) {
		return errorf(ErrNotModel, "not an Ember model file (it starts with %q)", h[:m])
	}
	if n < headerLen {
		return errorf(ErrTruncated, "truncated: %d bytes, not even the %d-byte header", d.size, headerLen)
	}
	if binary.LittleEndian.Uint32(h[20:]) != crc32.Checksum(h[:20], castagnoli) {
		return errorf(ErrCorrupt, "corrupt: header checksum mismatch")
	}
	if v := binary.LittleEndian.Uint32(h[8:]); v != Version {
		return errorf(ErrVersion, "unsupported format version %d (this build reads version %d; was it written by a newer Ember?)", v, Version)
	}
	total := binary.LittleEndian.Uint64(h[12:])
	switch {
	case total > uint64(d.size):
		return errorf(ErrTruncated, "truncated: expected %d bytes, got %d", total, d.size)
	case total < uint64(d.size):
		return errorf(ErrCorrupt, "corrupt: %d bytes, but the header says %d", d.size, total)
	case total < minFileLen:
		return errorf(ErrInvalid, "invalid: the header declares %d bytes, less than the smallest possible file (%d)", total, minFileLen)
	}
	return nil
}

// info reads and checks the header and the info section: the file's
// kind, tensor count and metadata, before any tensor.
func (d *decoder) info() (*File, uint32, error) {
	if err := d.header(); err != nil {
		return nil, 0, err
	}
	info, err := d.section("info section", math.MaxInt64)
	if err != nil {
		return nil, 0, err
	}
	return parseInfo(info)
}

// parseInfo splits the verified info payload into kind, tensor count and
// metadata.
func parseInfo(p []byte) (*File, uint32, error) {
	if len(p) < 2 {
		return nil, 0, errorf(ErrInvalid, "invalid: info section of %d bytes is too short", len(p))
	}
	k := int(binary.LittleEndian.Uint16(p))
	if len(p) < 2+k+4 {
		return nil, 0, errorf(ErrInvalid, "invalid: info section of %d bytes cannot hold a %d-byte kind", len(p), k)
	}
	kind := string(p[2 : 2+k])
	if kind == "" || !utf8.ValidString(kind) {
		return nil, 0, errorf(ErrInvalid, "invalid: model kind %q is empty or not UTF-8", kind)
	}
	count := binary.LittleEndian.Uint32(p[2+k:])
	return &File{Kind: kind, Meta: json.RawMessage(p[2+k+4:])}, count, nil
}

// tensor reads tensor i: its descriptor, then its data straight into a new
// buffer, whose size the descriptor and the bytes left both bound.
func (d *decoder) tensor(i int) (Tensor, error) {
	what := fmt.Sprintf("tensor %d descriptor", i)
	p, err := d.section(what, maxDescLen)
	if err != nil {
		return Tensor{}, err
	}
	name, dt, elemSize, shape, err := parseDesc(i, p)
	if err != nil {
		return Tensor{}, err
	}
	n, ok := numElems(shape)
	if !ok || uint64(n) > math.MaxInt64/uint64(elemSize) {
		return Tensor{}, errorf(ErrInvalid, "invalid: tensor %q has implausible shape %s", name, shapeString(shape))
	}
	what = fmt.Sprintf("tensor %q data", name)
	start := d.off
	length, err := d.frameStart(what, math.MaxInt64)
	if err != nil {
		return Tensor{}, err
	}
	if want := int64(n) * int64(elemSize); length != want {
		return Tensor{}, errorf(ErrCorrupt, "corrupt: %s at offset %d is %d bytes, but %s %s needs %d",
			what, start, length, dtypeName(dt), shapeString(shape), want)
	}
	b := graph.NewBuf(dt, shape...)
	var crc uint32
	for off := 0; off < n; {
		k := min(n-off, len(d.scratch)/elemSize)
		c := d.scratch[:k*elemSize]
		if err := d.read(c); err != nil {
			return Tensor{}, err
		}
		crc = crc32.Update(crc, castagnoli, c)
		switch dt {
		case tensor.Float32:
			for j := range b.F32[off : off+k] {
				b.F32[off+j] = math.Float32frombits(binary.LittleEndian.Uint32(c[4*j:]))
			}
		case tensor.Float64:
			for j := range b.F64[off : off+k] {
				b.F64[off+j] = math.Float64frombits(binary.LittleEndian.Uint64(c[8*j:]))
			}
		case tensor.Int32:
			for j := range b.I32[off : off+k] {
				b.I32[off+j] = int32(binary.LittleEndian.Uint32(c[4*j:]))
			}
		}
		off += k
	}
	if err := d.frameEnd(what, start, crc); err != nil {
		return Tensor{}, err
	}
	return Tensor{Name: name, Buf: b}, nil
}

// parseDesc decodes a verified descriptor payload, which must be used up
// exactly.
func parseDesc(i int, p []byte) (name string, dt tensor.Dtype, elemSize int, shape []int, err error) {
	bad := func(format string, args ...any) error {
		return errorf(ErrInvalid, "invalid: tensor %d descriptor: "+format, append([]any{i}, args...)...)
	}
	if len(p) < 2 {
		return "", dt, 0, nil, bad("%d bytes is too short", len(p))
	}
	k := int(binary.LittleEndian.Uint16(p))
	if len(p) < 2+k+2 {
		return "", dt, 0, nil, bad("%d bytes cannot hold a %d-byte name", len(p), k)
	}
	name = string(p[2 : 2+k])
	if name == "" || !utf8.ValidString(name) {
		return "", dt, 0, nil, bad("name %q is empty or not UTF-8", name)
	}
	code, rank := p[2+k], int(p[2+k+1])
	dt, elemSize, ok := codeDtype(code)
	if !ok {
		return "", dt, 0, nil, bad("tensor %q has unsupported dtype code %d", name, code)
	}
	dims := p[2+k+2:]
	if len(dims) != 8*rank {
		return "", dt, 0, nil, bad("tensor %q of rank %d needs %d bytes of dims, has %d", name, rank, 8*rank, len(dims))
	}
	shape = make([]int, rank)
	for j := range shape {
		v := binary.LittleEndian.Uint64(dims[8*j:])
		if v > math.MaxInt {
			return "", dt, 0, nil, bad("tensor %q has implausible dim %d", name, v)
		}
		shape[j] = int(v)
	}
	return name, dt, elemSize, shape, nil
}
