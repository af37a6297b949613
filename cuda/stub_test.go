//go:build !embercuda && !cudaemu

package cuda

import (
	"errors"
	"testing"
)

func TestStubReportsNotBuilt(t *testing.T) {
	if Enabled() || Backend() != "stub" {
		t.Fatalf("Enabled() = %v, Backend() = %q in a build without tags", Enabled(), Backend())
	}
	const msg = "built without CUDA support (rebuild with -tags embercuda)"
	_, err := Devices()
	if !errors.Is(err, ErrNotBuilt) || err.Error() != msg {
		t.Errorf("Devices: %v", err)
	}
	c, err := NewContext(0)
	if c != nil || !errors.Is(err, ErrNotBuilt) || err.Error() != msg {
		t.Errorf("NewContext: %v, %v", c, err)
	}
}
