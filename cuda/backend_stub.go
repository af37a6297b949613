//go:build !embercuda && !cudaemu

package cuda

import "unsafe"

// This build has no device backend (no cuda tag): Devices and NewContext
// return ErrNotBuilt. The backend methods below are never reached.

const backendName = "stub"

type backend struct{}

func driverDevices() ([]DeviceInfo, error) { return nil, ErrNotBuilt }

func driverResultName(Result) string   { return "" }
func driverResultString(Result) string { return "" }

func openBackend(int) (*backend, DeviceInfo, error) { return nil, DeviceInfo{}, ErrNotBuilt }

func (*backend) close() error                                        { return ErrNotBuilt }
func (*backend) sync() error                                         { return ErrNotBuilt }
func (*backend) memInfo() (int64, int64, error)                      { return 0, 0, ErrNotBuilt }
func (*backend) alloc(int64) (uintptr, error)                        { return 0, ErrNotBuilt }
func (*backend) free(uintptr) error                                  { return ErrNotBuilt }
func (*backend) copyHtoD(uintptr, unsafe.Pointer, int64) error       { return ErrNotBuilt }
func (*backend) copyDtoH(unsafe.Pointer, uintptr, int64) error       { return ErrNotBuilt }
func (*backend) copyDtoD(uintptr, uintptr, int64) error              { return ErrNotBuilt }
func (*backend) memsetD32(uintptr, uint32, int64) error              { return ErrNotBuilt }
func (*backend) launch(kernelID, dim3, dim3, []unsafe.Pointer) error { return ErrNotBuilt }
