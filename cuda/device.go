package cuda

import "fmt"

// DeviceInfo describes one CUDA device.
type DeviceInfo struct {
	Ordinal       int    // device number for NewContext
	Name          string // e.g. "NVIDIA H100 80GB HBM3"
	Major, Minor  int    // compute capability, e.g. 9, 0
	TotalMemory   int64  // bytes
	SMs           int    // streaming multiprocessors
	DriverVersion int    // CUDA version the driver supports, e.g. 13000 for 13.0
}

// ComputeCapability is "major.minor", e.g. "9.0".
func (d DeviceInfo) ComputeCapability() string { return fmt.Sprintf("%d.%d", d.Major, d.Minor) }

func (d DeviceInfo) String() string {
	return fmt.Sprintf("cuda:%d %s (sm_%d%d, %d SMs, %s, driver CUDA %d.%d)", d.Ordinal, d.Name,
		d.Major, d.Minor, d.SMs, fmtBytes(d.TotalMemory), d.DriverVersion/1000, d.DriverVersion%1000/10)
}

// Enabled reports whether this build has a device backend (the cuda build
// tag, or the cudaemu CPU emulator used to test the kernels without a GPU).
// It says nothing about whether a device is present: see Devices.
func Enabled() bool { return backendName != "stub" }

// Backend names the backend compiled in: "cuda" (-tags embercuda), "emulator"
// (-tags cudaemu: the kernels' CUDA source run on the CPU, for tests) or
// "stub" (no tag: every call returns ErrNotBuilt).
func Backend() string { return backendName }

// Devices lists the CUDA devices. Without a driver, with a driver that fails
// to initialise, or with no device, the error matches ErrNoDevice and reads
// "no CUDA device: <driver error>"; in a build without the cuda tag it is
// ErrNotBuilt.
func Devices() ([]DeviceInfo, error) { return driverDevices() }

func fmtBytes(n int64) string {
	const gib, mib, kib = 1 << 30, 1 << 20, 1 << 10
	switch {
	case n >= gib:
		return fmt.Sprintf("%.2f GiB", float64(n)/gib)
	case n >= mib:
		return fmt.Sprintf("%.2f MiB", float64(n)/mib)
	case n >= kib:
		return fmt.Sprintf("%.2f KiB", float64(n)/kib)
	}
	return fmt.Sprintf("%d B", n)
}
