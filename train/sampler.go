package train

import (
	"cmp"
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
)

// Sampler orders the training examples into batches, epoch after epoch:
// Fit asks it for each epoch's order (Config.Sampler; Shuffle by default).
//
// A sampler's state is everything its next order depends on (its random
// generator's state, and for Shuffle the last order): MarshalBinary encodes
// it and UnmarshalBinary restores it into a sampler made the same way
// (same constructor arguments), which then draws the same orders. Saved
// before an epoch's Epoch call, it lets a resumed run replay that epoch's
// order and continue from any step of it.
type Sampler interface {
	// Epoch returns the next epoch's order: a permutation of the examples
	// 0 … n−1 whose consecutive runs of the batch size are the epoch's
	// batches, the remainder (shorter than a batch) last, which Fit
	// trains on only with Config.KeepLast. The slice belongs to the
	// sampler and is valid until its next call.
	Epoch() []int
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}

var (
	_ Sampler = (*Shuffle)(nil)
	_ Sampler = (*Bucket)(nil)
)

// Shuffle is Fit's default sampler: every epoch a uniformly random order of
// the examples (the previous epoch's order shuffled again), as PyTorch's
// DataLoader(shuffle=True).
type Shuffle struct {
	pcg   *rand.PCG
	rng   *rand.Rand
	order []int
}

// NewShuffle makes the shuffling sampler of n examples. Fit's default is
// NewShuffle(n, Config.Seed).
func NewShuffle(n int, seed uint64) *Shuffle {
	s := &Shuffle{pcg: rand.NewPCG(seed, 0x7472616e), order: make([]int, n)}
	s.rng = rand.New(s.pcg)
	for i := range s.order {
		s.order[i] = i
	}
	return s
}

// Epoch shuffles the order and returns it.
func (s *Shuffle) Epoch() []int {
	s.rng.Shuffle(len(s.order), func(i, j int) { s.order[i], s.order[j] = s.order[j], s.order[i] })
	return s.order
}

// MarshalBinary encodes the generator's state and the last order.
func (s *Shuffle) MarshalBinary() ([]byte, error) {
	return marshalSampler("shuffle", s.pcg, s.order)
}

// UnmarshalBinary restores a state from MarshalBinary of a Shuffle of as
// many examples.
func (s *Shuffle) UnmarshalBinary(b []byte) error {
	return unmarshalSampler("shuffle", b, s.pcg, s.order)
}

// Bucket is the length-bucketing sampler for sequences of different
// lengths: every epoch it shuffles the examples, sorts them by length
// (longest first) within chunks of Chunk batches, cuts the chunks into
// batches and shuffles the batches. A batch then holds sequences of
// similar lengths, so the packed recurrent ops (layers' ForwardPacked)
// run about as many steps as its longest sequence has tokens instead of
// the planned maximum, and each batch is sorted longest first, the order
// in which those ops compute no row they do not need. Larger chunks make
// tighter batches and less random ones. The remainder of fewer than a
// batch is the epoch's last batch, sorted too.
type Bucket struct {
	lengths      []int
	batch, chunk int
	pcg          *rand.PCG
	rng          *rand.Rand
	order, next  []int
	batches      []int
}

// DefaultChunk is the number of batches Bucket sorts together when NewBucket
// is given 0: on the SMS Spam Collection (15 tokens per message on average,
// at most 44 kept) it brings a batch's longest message to within about
// 5% of its average length at batch 10 and 64.
const DefaultChunk = 32

// NewBucket makes the bucketing sampler of examples with the given lengths
// (tokens per sequence, padding excluded) into batches of batch, sorting
// chunks of chunk batches (0: DefaultChunk).
func NewBucket(lengths []int, batch, chunk int, seed uint64) (*Bucket, error) {
	if batch < 1 {
		return nil, fmt.Errorf("train: bucketing into batches of %d", batch)
	}
	if chunk == 0 {
		chunk = DefaultChunk
	}
	if chunk < 1 {
		return nil, fmt.Errorf("train: bucketing chunks of %d batches, want at least 1", chunk)
	}
	for i, l := range lengths {
		if l < 0 {
			return nil, fmt.Errorf("train: example %d has length %d", i, l)
		}
	}
	n := len(lengths)
	s := &Bucket{lengths: slices.Clone(lengths), batch: batch, chunk: chunk,
		pcg: rand.NewPCG(seed, 0x6275636b), order: make([]int, n), next: make([]int, n), batches: make([]int, n/batch)}
	s.rng = rand.New(s.pcg)
	return s, nil
}

// BatchSize is the batch size the sampler cuts batches of.
func (s *Bucket) BatchSize() int { return s.batch }

// Epoch returns the next epoch's bucketed order.
func (s *Bucket) Epoch() []int {
	n := len(s.order)
	for i := range s.order {
		s.order[i] = i
	}
	s.rng.Shuffle(n, func(i, j int) { s.order[i], s.order[j] = s.order[j], s.order[i] })
	longestFirst := func(a, b int) int { return cmp.Compare(s.lengths[b], s.lengths[a]) }
	full := n - n%s.batch
	for lo := 0; lo < full; lo += s.chunk * s.batch {
		slices.SortStableFunc(s.order[lo:min(lo+s.chunk*s.batch, full)], longestFirst)
	}
	slices.SortStableFunc(s.order[full:], longestFirst)
	for i := range s.batches {
		s.batches[i] = i
	}
	s.rng.Shuffle(len(s.batches), func(i, j int) { s.batches[i], s.batches[j] = s.batches[j], s.batches[i] })
	for k, b := range s.batches {
		copy(s.next[k*s.batch:(k+1)*s.batch], s.order[b*s.batch:(b+1)*s.batch])
	}
	copy(s.next[full:], s.order[full:])
	s.order, s.next = s.next, s.order
	return s.order
}

// MarshalBinary encodes the generator's state (each epoch's order depends
// on nothing else).
func (s *Bucket) MarshalBinary() ([]byte, error) { return marshalSampler("bucket", s.pcg, nil) }

// UnmarshalBinary restores a state from MarshalBinary of a Bucket.
func (s *Bucket) UnmarshalBinary(b []byte) error { return unmarshalSampler("bucket", b, s.pcg, nil) }

// A sampler's state: its kind, its PCG's state (length-prefixed), and the
// order it keeps, if any (a count, then one uint32 per example).
func marshalSampler(kind string, pcg *rand.PCG, order []int) ([]byte, error) {
	st, err := pcg.MarshalBinary()
	if err != nil {
		return nil, err
	}
	b := append([]byte(kind), 0)
	b = binary.AppendUvarint(b, uint64(len(st)))
	b = append(b, st...)
	b = binary.AppendUvarint(b, uint64(len(order)))
	for _, v := range order {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return b, nil
}

var errSamplerState = errors.New("train: not a sampler state")

func unmarshalSampler(kind string, b []byte, pcg *rand.PCG, order []int) error {
	head := append([]byte(kind), 0)
	if len(b) < len(head) || string(b[:len(head)]) != string(head) {
		return fmt.Errorf("%w of a %s sampler", errSamplerState, kind)
	}
	b = b[len(head):]
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return fmt.Errorf("%w: truncated", errSamplerState)
	}
	st := b[k : k+int(n)]
	b = b[k+int(n):]
	m, k := binary.Uvarint(b)
	if k <= 0 || m != uint64(len(order)) || uint64(len(b)-k) != 4*m {
		return fmt.Errorf("%w: it orders %d examples, this sampler %d", errSamplerState, m, len(order))
	}
	b = b[k:]
	seen := make([]bool, len(order))
	next := make([]int, len(order))
	for i := range next {
		v := int(binary.LittleEndian.Uint32(b[4*i:]))
		if v >= len(order) || seen[v] {
			return fmt.Errorf("%w: its order is not a permutation", errSamplerState)
		}
		seen[v], next[i] = true, v
	}
	if err := pcg.UnmarshalBinary(st); err != nil {
		return fmt.Errorf("%w: %v", errSamplerState, err)
	}
	copy(order, next)
	return nil
}
