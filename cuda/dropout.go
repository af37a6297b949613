package cuda

// The dropout mask, shared bit for bit by the device kernels (dropout.cu)
// and the CPU backend: element i of a tensor is kept, at (seed, step), when
//
//	x = seed + 0x9E3779B97F4A7C15 * ((step << 32) + i)     (uint64, wrapping)
//	h = splitmix64 finaliser of x
//	(uint32(h) >> 8) * 2^-24 >= p
//
// and kept elements are scaled by DropoutScale(p) = 1/(1-p).

// DropoutStride is the golden-ratio constant the dropout key steps by:
// element i of step s is keyed seed + DropoutStride*((s<<32) + i).
const DropoutStride = 0x9E3779B97F4A7C15

// DropoutHash is the splitmix64 finaliser of seed + golden*((step<<32) + i).
func DropoutHash(seed, step, i uint64) uint64 {
	return DropoutMix(seed + DropoutStride*((step<<32)+i))
}

// DropoutMix is the splitmix64 finaliser applied to a dropout key. A loop
// over consecutive elements can step the key by DropoutStride and call it
// directly (wrapping arithmetic makes that equal to DropoutHash).
func DropoutMix(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xBF58476D1CE4E5B9
	z ^= z >> 27
	z *= 0x94D049BB133111EB
	z ^= z >> 31
	return z
}

// DropoutUniform is element i's uniform draw in [0, 1): the low 32 bits of
// DropoutHash shifted right by 8, times 2^-24 (exact in float32).
func DropoutUniform(seed, step, i uint64) float32 {
	return float32(uint32(DropoutHash(seed, step, i))>>8) * (1.0 / (1 << 24))
}

// DropoutKeep reports whether dropout with probability p keeps element i at
// (seed, step).
func DropoutKeep(seed, step uint64, i uint64, p float32) bool {
	return DropoutUniform(seed, step, i) >= p
}

// DropoutScale is the factor kept elements are multiplied by: 1/(1-p) in
// float32 arithmetic, and 0 for p >= 1 (everything dropped).
func DropoutScale(p float32) float32 {
	if p >= 1 {
		return 0
	}
	return 1 / (1 - p)
}
