package sysmem

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAvailable(t *testing.T) {
	n, ok := Available()
	if runtime.GOOS != "linux" {
		t.Skip("MemAvailable is Linux's")
	}
	require.True(t, ok)
	require.Greater(t, n, uint64(16<<20))
}

func TestFormat(t *testing.T) {
	for n, want := range map[uint64]string{
		0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 300 << 20: "300 MiB", 3 << 30: "3.0 GiB", 1 << 62: "4.0 EiB",
	} {
		require.Equal(t, want, Format(n), n)
	}
}
