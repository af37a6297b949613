package graph

import "math"

// Float32 transcendentals for the LSTM's gate arithmetic, which evaluates
// five of them per hidden unit and step: inlinable, branch-light versions
// accurate to a few ulps (tests check them against float64 math).

const (
	ln2Hi  = 0.693359375
	ln2Lo  = -2.12194440e-4
	log2e  = 1.44269504088896341
	expMax = 88.3762626647949
	expMin = -87.3365447505531
)

// expf is e^x by Cody–Waite range reduction (x = n·ln2 + r, |r| ≤ ln2/2)
// and a degree-6 Taylor polynomial for e^r (error below 2^-23 relative).
func expf(x float32) float32 {
	if x > expMax {
		x = expMax
	} else if x < expMin {
		x = expMin
	}
	t := x * log2e
	var n int32
	if t >= 0 {
		n = int32(t + 0.5)
	} else {
		n = int32(t - 0.5)
	}
	fn := float32(n)
	r := x - fn*ln2Hi - fn*ln2Lo
	p := 1 + r*(1+r*(0.5+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	return p * math.Float32frombits(uint32(n+127)<<23)
}

// sigmoidf is 1/(1+e^(−x)); the clamp in expf keeps it finite.
func sigmoidf(x float32) float32 { return 1 / (1 + expf(-x)) }

// tanhf is tanh(x): an odd Taylor series near zero, where (1−e)/(1+e) would
// lose relative accuracy, and the exponential form elsewhere.
func tanhf(x float32) float32 {
	a := x
	if a < 0 {
		a = -a
	}
	if a < 0.1 {
		x2 := x * x
		return x * (1 + x2*(-1.0/3+x2*(2.0/15+x2*(-17.0/315+x2*(62.0/2835)))))
	}
	e := expf(-2 * a)
	t := (1 - e) / (1 + e)
	if x < 0 {
		return -t
	}
	return t
}
