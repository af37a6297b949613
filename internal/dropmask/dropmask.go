// Package dropmask is the dropout mask every backend draws, bit for bit
// the same: the CPU kernels of package graph and the CUDA kernels
// (cuda/kernels/dropout.cu, whose host-side twin package cuda exports as
// cuda.DropoutKeep and friends). Element i of a tensor is kept, at
// (seed, step), when
//
//	x = seed + 0x9E3779B97F4A7C15 * ((step << 32) + i)     (uint64, wrapping)
//	h = splitmix64 finaliser of x
//	(uint32(h) >> 8) * 2^-24 >= p
//
// and kept elements are scaled by Scale(p) = 1/(1-p).
package dropmask

// Stride is the golden-ratio constant the dropout key steps by: element i
// of step s is keyed seed + Stride*((s<<32) + i).
const Stride = 0x9E3779B97F4A7C15

// Hash is the splitmix64 finaliser of seed + Stride*((step<<32) + i).
func Hash(seed, step, i uint64) uint64 {
	return Mix(seed + Stride*((step<<32)+i))
}

// Mix is the splitmix64 finaliser applied to a dropout key. A loop over
// consecutive elements can step the key by Stride and call it directly
// (wrapping arithmetic makes that equal to Hash).
func Mix(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xBF58476D1CE4E5B9
	z ^= z >> 27
	z *= 0x94D049BB133111EB
	z ^= z >> 31
	return z
}

// Uniform is element i's uniform draw in [0, 1): the low 32 bits of Hash
// shifted right by 8, times 2^-24 (exact in float32).
func Uniform(seed, step, i uint64) float32 {
	return float32(uint32(Hash(seed, step, i))>>8) * (1.0 / (1 << 24))
}

// Keep reports whether dropout with probability p keeps element i at
// (seed, step).
func Keep(seed, step uint64, i uint64, p float32) bool {
	return Uniform(seed, step, i) >= p
}

// Scale is the factor kept elements are multiplied by: 1/(1-p) in float32
// arithmetic, and 0 for p >= 1 (everything dropped).
func Scale(p float32) float32 {
	if p >= 1 {
		return 0
	}
	return 1 / (1 - p)
}
