package graph

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func ulpsOff(got float32, want float64) float64 {
	if want == 0 {
		return math.Abs(float64(got))
	}
	ulp := math.Abs(float64(math.Nextafter32(float32(want), float32(math.Inf(1)))) - float64(float32(want)))
	return math.Abs(float64(got)-want) / ulp
}

func TestFastMathAccuracy(t *testing.T) {
	worst := map[string]float64{}
	for x := -30.0; x <= 30; x += 0.00173 {
		xf := float32(x)
		worst["exp"] = math.Max(worst["exp"], ulpsOff(expf(xf), math.Exp(float64(xf))))
		worst["sigmoid"] = math.Max(worst["sigmoid"], ulpsOff(sigmoidf(xf), 1/(1+math.Exp(-float64(xf)))))
		worst["tanh"] = math.Max(worst["tanh"], ulpsOff(tanhf(xf), math.Tanh(float64(xf))))
	}
	// tanh loses a few bits to 1−e just above the series' range.
	bound := map[string]float64{"exp": 4, "sigmoid": 4, "tanh": 8}
	for name, w := range worst {
		require.LessOrEqualf(t, w, bound[name], "%s is %g ulps off at worst", name, w)
	}
	// Extremes stay finite and saturate.
	require.Equal(t, float32(1), sigmoidf(1000))
	require.Equal(t, float32(0), sigmoidf(-1000)*1e30*0)
	require.Less(t, sigmoidf(-1000), float32(1e-37))
	require.Equal(t, float32(1), tanhf(50))
	require.Equal(t, float32(-1), tanhf(-50))
	require.Equal(t, float32(1e-6), tanhf(1e-6))
	require.False(t, math.IsInf(float64(expf(100)), 0))
}

func BenchmarkSigmoidf(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i-2048) / 300
	}
	y := make([]float32, len(x))
	b.SetBytes(int64(4 * len(x)))
	for i := 0; i < b.N; i++ {
		sigmoidVec(y, x)
	}
}
