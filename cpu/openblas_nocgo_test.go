//go:build !(cgo && linux)

package cpu

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNoCgoUsesGonum checks that a build without cgo reports gonum and why.
func TestNoCgoUsesGonum(t *testing.T) {
	require.False(t, current().openblas)
	require.Contains(t, GEMMName(), "gonum (pure Go; ")
	require.Contains(t, GEMMName(), "cgo")
}
