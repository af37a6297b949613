package stepctx

import (
	"context"
	"errors"
	"testing"
)

func TestArm(t *testing.T) {
	cause := errors.New("stop")
	c := New(cause)
	for range 3 {
		if c.Err() != nil {
			t.Fatal("cancelled before Arm")
		}
	}
	c.Arm(3)
	for i := 1; i <= 2; i++ {
		if err := c.Err(); err != nil {
			t.Fatalf("call %d after Arm(3): %v", i, err)
		}
	}
	if err := c.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("call 3 after Arm(3): %v, want context.Canceled", err)
	}
	if got := context.Cause(c); got != cause {
		t.Fatalf("Cause = %v, want %v", got, cause)
	}
	select {
	case <-c.Done():
	default:
		t.Fatal("Done not closed")
	}

	now := New(cause)
	now.Arm(0)
	if now.Err() == nil {
		t.Fatal("Arm(0) did not cancel at once")
	}
}
