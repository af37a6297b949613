package cpu

// AdamCoef holds one Adam step's scalars for AdamUpdate, already rounded to
// float32 (the caller computes them in float64, as PyTorch does in Python).
type AdamCoef struct {
	OneMinusBeta1, Beta2, OneMinusBeta2 float32
	StepSize                            float32 // LR/(1−β1^t)
	BC2Sqrt                             float32 // √(1−β2^t)
	Eps                                 float32
	L2                                  float32 // gradient += L2·w (coupled weight decay), or 0
	Decay                               float32 // w *= Decay (decoupled weight decay), or 1
}
