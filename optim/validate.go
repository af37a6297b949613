package optim

// Validate reports a hyperparameter outside its range, as Step would
// before updating anything. A device backend that runs the update itself
// checks the optimizer with it before each step.
func (a *Adam) Validate() error { return a.check() }

// Validate reports a hyperparameter outside its range (or an invalid
// Nesterov setting), as Step would before updating anything.
func (s *SGD) Validate() error { return s.check() }
