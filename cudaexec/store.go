package cudaexec

import (
	"errors"
	"fmt"
	"math"

	"gorgonia.org/tensor"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/optim"
)

// store is a model's parameters on the device in one block (llm.c's
// layout): the parameters, then their gradients, then each slot of the
// optimizer's state, each region holding every parameter at the same
// offset (padded to 64 elements, so that each starts 256-byte aligned),
// then the gradient norm and the update's per-step values. Every program
// compiled over the store binds its parameters there and writes its
// gradients there, so the training program, the last batch's and the
// evaluation program share them without copies, and the norm and
// clipping run over one buffer.
type store struct {
	b      *Backend
	params []*graph.Param
	index  map[*graph.Buf]int // parameter by its host Value
	offs   []int              // each parameter's element offset in a region
	region int                // elements per region

	arena     *cuda.Arena
	starts    cuda.Buffer // int32: offs, then region (the updates' parameter table)
	w, g      []cuda.Buffer
	slotNames []string
	slots     [][]cuda.Buffer
	norm      cuda.Buffer

	u      graph.Update
	opt    optim.Optimizer // u.Optimizer, for its step count and state
	update OptimizerUpdate
	clip   float32

	base int64 // byte offset of the regions in the arena

	// The update's per-step values: host (page-locked) and device.
	valsN int
	valsH *cuda.HostBuffer
	valsD cuda.Buffer
}

// maxValues bounds the per-step values an update may ask for (Values).
const maxValues = 1 << 16

const regionAlign = cuda.Alignment / 4 // elements

func (b *Backend) newStore(params []*graph.Param, u graph.Update) (*store, error) {
	if u.ClipNorm < 0 || math.IsNaN(u.ClipNorm) {
		return nil, fmt.Errorf("cudaexec: clip norm %v, want >= 0 (0: no clipping)", u.ClipNorm)
	}
	s := &store{b: b, params: params, index: map[*graph.Buf]int{}, u: u, clip: float32(u.ClipNorm)}
	for i, p := range params {
		if p.Value.Dtype != tensor.Float32 {
			return nil, fmt.Errorf("cudaexec: parameter %s is %v; the CUDA executor runs float32", p.Name, p.Value.Dtype)
		}
		if _, dup := s.index[p.Value]; dup {
			return nil, fmt.Errorf("cudaexec: parameter %s appears twice", p.Name)
		}
		s.index[p.Value] = i
		s.offs = append(s.offs, s.region)
		s.region += (max(p.Value.Len(), 1) + regionAlign - 1) / regionAlign * regionAlign
	}
	var kernel OptimizerFunc
	if u.Optimizer != nil {
		var ok bool
		if s.opt, ok = u.Optimizer.(optim.Optimizer); !ok {
			return nil, fmt.Errorf("cudaexec: optimizer %T does not expose its step count and state (optim.Optimizer)", u.Optimizer)
		}
		if kernel, ok = optimizers.Lookup(u.Optimizer); !ok {
			return nil, fmt.Errorf("cudaexec: optimizer %T has no CUDA update (registered: %v)", u.Optimizer, optimizers.Ops())
		}
		s.slotNames = s.opt.Slots()
	}
	regions := 1
	if u.Optimizer != nil {
		regions = 2 + len(s.slotNames)
	}
	var plan cuda.ArenaPlan
	s.base = plan.AddFloat32(regions * s.region)
	normOff := plan.AddFloat32(1)
	startsOff := plan.AddFloat32(len(params) + 1)
	valsOff := plan.AddFloat32(maxValues)
	arena, err := b.ctx.NewArena(plan.Size())
	if err != nil {
		return nil, fmt.Errorf("cudaexec: parameter block: %w", err)
	}
	s.arena = arena
	fail := func(err error) (*store, error) {
		s.Close()
		return nil, err
	}
	// Zeros everywhere: the padding stays zero (it adds nothing to the
	// norm, and the updates leave zero weights with zero gradients alone).
	if err := b.ctx.Zero(arena.Buffer()); err != nil {
		return fail(err)
	}
	at := func(r, i int) cuda.Buffer {
		return arena.At(s.base+int64(r*s.region+s.offs[i])*4, int64(params[i].Value.Len())*4)
	}
	for i := range params {
		s.w = append(s.w, at(0, i))
	}
	if u.Optimizer != nil {
		for i := range params {
			s.g = append(s.g, at(1, i))
		}
		for k := range s.slotNames {
			var bufs []cuda.Buffer
			for i := range params {
				bufs = append(bufs, at(2+k, i))
			}
			s.slots = append(s.slots, bufs)
		}
		s.norm = arena.At(normOff, 4)
		s.starts = arena.At(startsOff, int64(len(params)+1)*4)
		starts := make([]int32, 0, len(params)+1)
		for _, o := range s.offs {
			starts = append(starts, int32(o))
		}
		if err := cuda.Upload(b.ctx, s.starts, append(starts, int32(s.region))); err != nil {
			return fail(err)
		}
		s.valsD = arena.At(valsOff, maxValues*4)
		if s.valsH, err = b.ctx.AllocHost(maxValues * 4); err != nil {
			return fail(err)
		}
	}
	if err := s.SyncDevice(); err != nil {
		return fail(err)
	}
	if u.Optimizer != nil {
		if err := s.uploadState(); err != nil {
			return fail(err)
		}
		if s.region > math.MaxInt32 {
			return fail(fmt.Errorf("cudaexec: the parameter block's %d elements do not fit the updates' 32-bit sizes", s.region))
		}
		us := &UpdateStep{Optimizer: u.Optimizer, Params: params, W: s.w, G: s.g, Norm: s.norm, Clip: u.ClipNorm,
			Block: s.region, Starts: s.starts, WBlock: s.regionBuf(0), GBlock: s.regionBuf(1), s: s}
		if s.update, err = kernel(us); err != nil {
			return fail(fmt.Errorf("cudaexec: %T: %w", u.Optimizer, err))
		}
		if s.valsN > maxValues {
			return fail(fmt.Errorf("cudaexec: %T's update asks for %d per-step values, at most %d", u.Optimizer, s.valsN, maxValues))
		}
	}
	return s, nil
}

// regionBuf is region r (0 parameters, 1 gradients, 2+k slot k) whole,
// padding included.
func (s *store) regionBuf(r int) cuda.Buffer {
	return s.arena.At(s.base+int64(r*s.region)*4, int64(s.region)*4)
}

func (s *store) slotBufs(name string) []cuda.Buffer {
	for k, n := range s.slotNames {
		if n == name {
			return s.slots[k]
		}
	}
	return nil
}

// values hands out n per-step values; past maxValues it returns scratch
// that newStore then refuses.
func (s *store) values(n int) ([]float32, cuda.Buffer) {
	off := s.valsN
	s.valsN += n
	if s.valsN > maxValues {
		return make([]float32, n), s.valsD.Slice(0, 0)
	}
	return s.valsH.Float32()[off : off+n : off+n], s.valsD.Slice(off, off+n)
}

// prepare writes the values of the step that will be the optimizer's
// step-th and enqueues their upload.
func (s *store) prepare(step int) error {
	if s.update.Prepare != nil {
		s.update.Prepare(step)
	}
	if s.valsN == 0 {
		return nil
	}
	return cuda.UploadAsync(s.b.ctx, s.valsD, s.valsH.Float32()[:s.valsN])
}

func (s *store) Params() []*graph.Param { return s.params }

// uploadState uploads the optimizer's host state, where it has some (a
// resumed run); other parameters start from zeros.
func (s *store) uploadState() error {
	for i, p := range s.params {
		st := s.opt.State(p)
		if st == nil {
			continue
		}
		for k, name := range s.slotNames {
			b := st[name]
			if b == nil || b.Dtype != tensor.Float32 || b.Len() != p.Value.Len() {
				return fmt.Errorf("cudaexec: the optimizer's %s state of %s does not fit the parameter", name, p.Name)
			}
			if err := cuda.Upload(s.b.ctx, s.slots[k][i], b.F32); err != nil {
				return err
			}
		}
	}
	return nil
}

// SyncHost downloads the parameters into their host Values and, once the
// optimizer has stepped, its state into the optimizer.
func (s *store) SyncHost() error {
	for i, p := range s.params {
		if err := cuda.Download(s.b.ctx, p.Value.F32, s.w[i]); err != nil {
			return fmt.Errorf("cudaexec: downloading %s: %w", p.Name, err)
		}
	}
	if s.opt == nil || s.opt.StepCount() == 0 || len(s.slotNames) == 0 {
		return nil
	}
	for i, p := range s.params {
		st := make(map[string]*graph.Buf, len(s.slotNames))
		for k, name := range s.slotNames {
			b := graph.NewBuf(tensor.Float32, p.Value.Shape...)
			if err := cuda.Download(s.b.ctx, b.F32, s.slots[k][i]); err != nil {
				return fmt.Errorf("cudaexec: downloading the %s state of %s: %w", name, p.Name, err)
			}
			st[name] = b
		}
		if err := s.opt.SetState(p, st); err != nil {
			return err
		}
	}
	return nil
}

// SyncDevice uploads the parameters' host Values.
func (s *store) SyncDevice() error {
	for i, p := range s.params {
		if err := cuda.Upload(s.b.ctx, s.w[i], p.Value.F32); err != nil {
			return fmt.Errorf("cudaexec: uploading %s: %w", p.Name, err)
		}
	}
	return nil
}

func (s *store) Close() error {
	var errs []error
	if s.valsH != nil {
		errs = append(errs, s.valsH.Free())
		s.valsH = nil
	}
	if s.arena != nil {
		errs = append(errs, s.arena.Free())
		s.arena = nil
	}
	return errors.Join(errs...)
}

// bind is where the store keeps the parameter whose host Value is host.
func (s *store) bind(host *graph.Buf) (cuda.Buffer, bool) {
	i, ok := s.index[host]
	if !ok {
		return cuda.Buffer{}, false
	}
	return s.w[i], true
}
