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

func (*backend) close() error                                   { return ErrNotBuilt }
func (*backend) sync() error                                    { return ErrNotBuilt }
func (*backend) kernelImage() string                            { return "" }
func (*backend) memInfo() (int64, int64, error)                 { return 0, 0, ErrNotBuilt }
func (*backend) alloc(int64) (uintptr, error)                   { return 0, ErrNotBuilt }
func (*backend) free(uintptr) error                             { return ErrNotBuilt }
func (*backend) copyHtoD(uintptr, unsafe.Pointer, int64) error  { return ErrNotBuilt }
func (*backend) copyDtoH(unsafe.Pointer, uintptr, int64) error  { return ErrNotBuilt }
func (*backend) copyDtoD(uintptr, uintptr, int64) error         { return ErrNotBuilt }
func (*backend) memsetD32(uintptr, uint32, int64) error         { return ErrNotBuilt }
func (*backend) launch(kernelID, dim3, dim3, *kargs) error      { return ErrNotBuilt }
func (*backend) hostAlloc(int64) (unsafe.Pointer, error)        { return nil, ErrNotBuilt }
func (*backend) hostFree(unsafe.Pointer) error                  { return ErrNotBuilt }
func (*backend) captureBegin() error                            { return ErrNotBuilt }
func (*backend) captureEnd() (uintptr, int, error)              { return 0, 0, ErrNotBuilt }
func (*backend) graphLaunch(uintptr) error                      { return ErrNotBuilt }
func (*backend) graphDestroy(uintptr) error                     { return ErrNotBuilt }
func (*backend) eventCreate() (uintptr, error)                  { return 0, ErrNotBuilt }
func (*backend) eventRecord(uintptr) error                      { return ErrNotBuilt }
func (*backend) eventElapsed(uintptr, uintptr) (float32, error) { return 0, ErrNotBuilt }
func (*backend) eventDestroy(uintptr) error                     { return ErrNotBuilt }
func (*backend) loadModule(string, []byte, []string) (moduleHandle, error) {
	return nil, ErrNotBuilt
}
func (*backend) launchModule(moduleHandle, int, dim3, dim3, *kargs) error { return ErrNotBuilt }
func (*backend) unloadModule(moduleHandle) error                          { return ErrNotBuilt }
