package stepctx

import (
	"context"
	"errors"
	"fmt"
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

func TestArmWhen(t *testing.T) {
	c := New(errors.New("stop"))
	w := c.ArmWhen("epoch 1/3", 2)
	fmt.Fprint(w, "epoch 1")
	if c.Err() != nil || c.Err() != nil {
		t.Fatal("cancelled before the mark was written")
	}
	fmt.Fprint(w, "/3 done\n") // the mark across two writes
	if c.Err() != nil {
		t.Fatal("cancelled at the first check after the mark, want the second")
	}
	if c.Err() == nil {
		t.Fatal("not cancelled at the second check after the mark")
	}
	if got := w.String(); got != "epoch 1/3 done\n" {
		t.Fatalf("String() = %q", got)
	}
}
