package cuda

import "github.com/emberml/ember/internal/dropmask"

// The dropout mask the kernels of kernels/dropout.cu draw, on the host:
// element i of a tensor is kept, at (seed, step), when
//
//	x = seed + 0x9E3779B97F4A7C15 * ((step << 32) + i)     (uint64, wrapping)
//	h = splitmix64 finaliser of x
//	(uint32(h) >> 8) * 2^-24 >= p
//
// and kept elements are scaled by DropoutScale(p) = 1/(1-p). The CPU
// kernels of package graph draw the same masks (both use one
// implementation).

// DropoutStride is the golden-ratio constant the dropout key steps by:
// element i of step s is keyed seed + DropoutStride*((s<<32) + i).
const DropoutStride = dropmask.Stride

// DropoutHash is the splitmix64 finaliser of seed + golden*((step<<32) + i).
func DropoutHash(seed, step, i uint64) uint64 { return dropmask.Hash(seed, step, i) }

// DropoutMix is the splitmix64 finaliser applied to a dropout key. A loop
// over consecutive elements can step the key by DropoutStride and call it
// directly (wrapping arithmetic makes that equal to DropoutHash).
func DropoutMix(z uint64) uint64 { return dropmask.Mix(z) }

// DropoutUniform is element i's uniform draw in [0, 1): the low 32 bits of
// DropoutHash shifted right by 8, times 2^-24 (exact in float32).
func DropoutUniform(seed, step, i uint64) float32 { return dropmask.Uniform(seed, step, i) }

// DropoutKeep reports whether dropout with probability p keeps element i at
// (seed, step).
func DropoutKeep(seed, step uint64, i uint64, p float32) bool { return dropmask.Keep(seed, step, i, p) }

// DropoutScale is the factor kept elements are multiplied by: 1/(1-p) in
// float32 arithmetic, and 0 for p >= 1 (everything dropped).
func DropoutScale(p float32) float32 { return dropmask.Scale(p) }
