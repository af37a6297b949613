package cuda

import "fmt"

// Alignment is the byte alignment of every buffer the package hands out
// (cuMemAlloc's own alignment, and the Arena's sub-buffers).
const Alignment = 256

// Buffer is a span of device memory: a device address and a length in bytes.
// It is a plain value (copy it freely); it does not own the memory, which
// belongs to the Context allocation or Arena it came from. Kernels see it as
// float32 (or int32 for token ids): Len is Bytes/4.
type Buffer struct {
	ptr   uintptr
	bytes int64
}

// Ptr is the device address (CUdeviceptr).
func (b Buffer) Ptr() uintptr { return b.ptr }

// Bytes is the length in bytes.
func (b Buffer) Bytes() int64 { return b.bytes }

// Len is the length in 4-byte elements (float32 or int32).
func (b Buffer) Len() int { return int(b.bytes / 4) }

// IsNil reports whether b is the zero Buffer (no memory). Optional kernel
// arguments (e.g. an LSTM's initial cell state) take a nil Buffer for zeros.
func (b Buffer) IsNil() bool { return b.ptr == 0 }

// Slice is the sub-buffer of elements [from, to) (4-byte elements), like a
// Go slice expression; it panics when out of range.
func (b Buffer) Slice(from, to int) Buffer {
	if from < 0 || to < from || int64(to)*4 > b.bytes {
		panic(fmt.Sprintf("cuda: Buffer.Slice(%d, %d) out of range for %d elements", from, to, b.Len()))
	}
	return Buffer{ptr: b.ptr + uintptr(from)*4, bytes: int64(to-from) * 4}
}

// ByteSlice is the sub-buffer of n bytes starting at byte off; it panics when
// out of range.
func (b Buffer) ByteSlice(off, n int64) Buffer {
	if off < 0 || n < 0 || off+n > b.bytes {
		panic(fmt.Sprintf("cuda: Buffer.ByteSlice(%d, %d) out of range for %d bytes", off, n, b.bytes))
	}
	return Buffer{ptr: b.ptr + uintptr(off), bytes: n}
}

func (b Buffer) String() string { return fmt.Sprintf("Buffer(0x%x, %d bytes)", b.ptr, b.bytes) }

// AlignUp rounds n up to a multiple of Alignment.
func AlignUp(n int64) int64 { return (n + Alignment - 1) &^ (Alignment - 1) }

// ArenaPlan adds up the sizes of the buffers a planned graph needs, so that
// one Arena of Size bytes can hold them all. Add returns the byte offset each
// buffer will have; an Arena hands out the same offsets when asked for the
// same sizes in the same order (or use Arena.At with the planned offsets).
type ArenaPlan struct{ size int64 }

// Add reserves n bytes (rounded up to Alignment) and returns their offset.
func (p *ArenaPlan) Add(n int64) int64 {
	off := p.size
	p.size += AlignUp(n)
	return off
}

// AddFloat32 reserves n float32s and returns their byte offset.
func (p *ArenaPlan) AddFloat32(n int) int64 { return p.Add(int64(n) * 4) }

// Size is the total bytes reserved.
func (p *ArenaPlan) Size() int64 { return p.size }

// Arena is one device allocation, made once (per planned graph), from which
// Alloc hands out Alignment-aligned sub-buffers by bumping an offset. Reset
// (or ResetTo a Mark) makes the space reusable, e.g. for the next batch;
// buffers handed out before are then to be considered dead. Only Free
// releases device memory. An Arena is not safe for concurrent use.
type Arena struct {
	ctx  *Context
	base Buffer
	used int64
	peak int64
}

// NewArena allocates one block of bytes (rounded up to Alignment) on the device.
func (c *Context) NewArena(bytes int64) (*Arena, error) {
	if bytes <= 0 {
		return nil, invalid("arena", "size %d bytes", bytes)
	}
	b, err := c.Alloc(AlignUp(bytes))
	if err != nil {
		return nil, err
	}
	return &Arena{ctx: c, base: b}, nil
}

// Alloc returns the next n bytes (n > 0), aligned to Alignment. When they do
// not fit, the error matches ErrArenaFull and says how much was asked for
// and what is left.
func (a *Arena) Alloc(n int64) (Buffer, error) {
	if n <= 0 {
		return Buffer{}, invalid("arena alloc", "size %d bytes", n)
	}
	if a.base.IsNil() {
		return Buffer{}, &Error{Call: "arena alloc", Err: ErrClosed, Detail: "arena freed"}
	}
	need := AlignUp(n)
	if a.used+need > a.base.bytes {
		return Buffer{}, &Error{Call: fmt.Sprintf("arena alloc %d bytes", n), Err: ErrArenaFull,
			Detail: fmt.Sprintf("requested %s; %s of %s used, %s free", fmtBytes(n), fmtBytes(a.used),
				fmtBytes(a.base.bytes), fmtBytes(a.base.bytes-a.used))}
	}
	b := Buffer{ptr: a.base.ptr + uintptr(a.used), bytes: n}
	a.used += need
	if a.used > a.peak {
		a.peak = a.used
	}
	return b, nil
}

// AllocFloat32 returns room for n float32s.
func (a *Arena) AllocFloat32(n int) (Buffer, error) { return a.Alloc(int64(n) * 4) }

// At is the sub-buffer of n bytes at byte offset off (an ArenaPlan offset);
// it does not move the Alloc offset. It panics when out of range or when off
// is not aligned.
func (a *Arena) At(off, n int64) Buffer {
	if off%Alignment != 0 {
		panic(fmt.Sprintf("cuda: Arena.At offset %d not aligned to %d", off, Alignment))
	}
	return a.base.ByteSlice(off, n)
}

// Mark is the current Alloc offset, for ResetTo.
func (a *Arena) Mark() int64 { return a.used }

// ResetTo rewinds the Alloc offset to a Mark: buffers allocated after it are dead.
func (a *Arena) ResetTo(mark int64) {
	if mark < 0 || mark > a.used {
		panic(fmt.Sprintf("cuda: Arena.ResetTo(%d) outside [0, %d]", mark, a.used))
	}
	a.used = mark
}

// Reset rewinds the Arena to empty: every buffer handed out is dead.
func (a *Arena) Reset() { a.used = 0 }

// Used is the bytes handed out since the last Reset; Peak the most ever; Cap the size.
func (a *Arena) Used() int64 { return a.used }
func (a *Arena) Peak() int64 { return a.peak }
func (a *Arena) Cap() int64  { return a.base.bytes }

// Buffer is the whole block.
func (a *Arena) Buffer() Buffer { return a.base }

// Free releases the block (after the stream's pending work); the Arena is
// unusable afterwards. Freeing twice is a no-op.
func (a *Arena) Free() error {
	if a.base.IsNil() {
		return nil
	}
	err := a.ctx.Free(a.base)
	a.base = Buffer{}
	a.used = 0
	return err
}
