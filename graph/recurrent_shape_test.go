package graph

import (
	"fmt"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestRecurrentInferShape pins the fused recurrent ops' output shapes and
// the text of each shape error, for every op of both cells: x (5, 2, 3),
// H 4, so G·H is 16 for the LSTM and 12 for the GRU.
func TestRecurrentInferShape(t *testing.T) {
	type sh = tensor.Shape
	x, lens := sh{5, 2, 3}, sh{2}
	lstm := []sh{x, {16, 3}, {16, 4}, {16}, {16}}
	gru := []sh{x, {12, 3}, {12, 4}, {12}, {12}}
	// with returns shapes with the k-th one replaced.
	with := func(s []sh, k int, v sh) []sh {
		s = append([]sh(nil), s...)
		s[k] = v
		return s
	}
	// bwd is a backward op's inputs: x, Wih, Whh, the forward output
	// and its gradient, each of n elements.
	bwd := func(s []sh, n int) []sh { return []sh{s[0], s[1], s[2], {n}, {n}} }
	plus := func(s []sh, more ...sh) []sh { return append(append([]sh(nil), s...), more...) }
	cases := []struct {
		op   gorgonia.Op
		in   []sh
		want string
	}{
		{LSTM{}, lstm, "(240)"},
		{LSTM{}, with(lstm, 1, sh{16, 2}), "LSTM: x (5, 2, 3), Wih (16, 2), Whh (16, 4), bih (16), bhh (16) do not fit"},
		{LSTM{}, with(lstm, 4, sh{15}), "LSTM: x (5, 2, 3), Wih (16, 3), Whh (16, 4), bih (16), bhh (15) do not fit"},
		{LSTM{}, with(lstm, 0, sh{5, 6}), "LSTM: want x (T,B,I), Wih (4H,I), Whh (4H,H), bih (4H), bhh (4H); got [(5, 6) (16, 3) (16, 4) (16) (16)]"},
		{GRU{}, gru, "(200)"},
		{GRU{}, with(gru, 2, sh{12, 5}), "GRU: x (5, 2, 3), Wih (12, 3), Whh (12, 5) do not fit"},
		{GRU{}, with(gru, 4, sh{11}), "GRU: bias (11) should have 3H = 12 elements"},
		{GRU{}, with(gru, 1, sh{12}), "GRU: want x (T,B,I), Wih (3H,I), Whh (3H,H), bih (3H), bhh (3H); got [(5, 2, 3) (12) (12, 4) (12) (12)]"},
		{GRU{}, gru[:4], "GRU: want 5 inputs, got 4"},
		{LSTMBackward{}, bwd(lstm, 240), "(174)"},
		{LSTMBackward{}, bwd(lstm, 239), "LSTMBackward: output (239) and its gradient (239) should have 240 elements"},
		{LSTMBackward{}, with(bwd(lstm, 240), 1, sh{12, 3}), "LSTM: x (5, 2, 3), Wih (12, 3), Whh (16, 4), bih (16), bhh (16) do not fit"},
		{GRUBackward{}, bwd(gru, 200), "(138)"},
		{GRUBackward{}, with(bwd(gru, 200), 4, sh{201}), "GRUBackward: output (200) and its gradient (201) should have 200 elements"},
		{GRUBackward{}, with(bwd(gru, 200), 1, sh{16, 3}), "GRU: x (5, 2, 3), Wih (16, 3), Whh (12, 4) do not fit"},
		{GRUBackward{}, bwd(gru, 200)[:3], "GRUBackward: want 5 inputs, got 3"},
		{PackedLSTM{}, plus(lstm, lens), "(240)"},
		{PackedLSTM{}, lstm, "PackedLSTM: want 6 inputs, got 5"},
		{PackedLSTM{}, plus(lstm, sh{3}), "PackedLSTM: lengths (3) must be one per sequence of x (5, 2, 3)"},
		{PackedLSTM{}, plus(with(lstm, 3, sh{4}), lens), "LSTM: x (5, 2, 3), Wih (16, 3), Whh (16, 4), bih (4), bhh (16) do not fit"},
		{PackedGRU{}, plus(gru, lens), "(200)"},
		{PackedGRU{}, plus(gru, lens, lens), "PackedGRU: want 6 inputs, got 7"},
		{PackedGRU{}, plus(gru, sh{2, 1}), "PackedGRU: lengths (2, 1) must be one per sequence of x (5, 2, 3)"},
		{PackedGRU{}, plus(with(gru, 3, sh{4}), lens), "GRU: bias (4) should have 3H = 12 elements"},
		{PackedLSTMBackward{}, plus(bwd(lstm, 240), lens), "(174)"},
		{PackedLSTMBackward{}, plus(bwd(lstm, 240), sh{5}), "PackedLSTMBackward: lengths (5) must be one per sequence of x (5, 2, 3)"},
		{PackedLSTMBackward{}, plus(bwd(lstm, 200), lens), "LSTMBackward: output (200) and its gradient (200) should have 240 elements"},
		{PackedLSTMBackward{}, bwd(lstm, 240), "PackedLSTMBackward: want 6 inputs, got 5"},
		{PackedGRUBackward{}, plus(bwd(gru, 200), lens), "(138)"},
		{PackedGRUBackward{}, plus(bwd(gru, 200), sh{}), "PackedGRUBackward: lengths () must be one per sequence of x (5, 2, 3)"},
		{PackedGRUBackward{}, plus(with(bwd(gru, 200), 2, sh{12, 3}), lens), "GRU: x (5, 2, 3), Wih (12, 3), Whh (12, 3) do not fit"},
		{PackedGRUBackward{}, bwd(gru, 200), "PackedGRUBackward: want 6 inputs, got 5"},

		// Every op counts its inputs first, as the GRU's always did:
		// LSTMBackward used to panic on too few, or on a W_hh not a
		// matrix, and LSTM to take six.
		{LSTM{}, lstm[:4], "LSTM: want 5 inputs, got 4"},
		{LSTM{}, plus(lstm, lens), "LSTM: want 5 inputs, got 6"},
		{LSTMBackward{}, bwd(lstm, 240)[:4], "LSTMBackward: want 5 inputs, got 4"},
		{LSTMBackward{}, with(bwd(lstm, 240), 2, sh{16}), "LSTM: want x (T,B,I), Wih (4H,I), Whh (4H,H), bih (4H), bhh (4H); got [(5, 2, 3) (16, 3) (16)]"},
		// Every packed op checks its lengths against x before the rest, as
		// three of the four always did.
		{PackedLSTM{}, plus(with(lstm, 0, sh{5, 2}), lens), "PackedLSTM: lengths (2) must be one per sequence of x (5, 2)"},
	}
	for _, c := range cases {
		ds := make([]gorgonia.DimSizer, len(c.in))
		for i, s := range c.in {
			ds[i] = s
		}
		got, err := c.op.InferShape(ds...)
		msg := fmt.Sprint(got)
		if err != nil {
			msg = err.Error()
		}
		if msg != c.want {
			t.Errorf("%v.InferShape%v:\n got  %s\n want %s", c.op, c.in, msg, c.want)
		}
	}
}
