package cudaexec_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/cudaexec"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/optim"
)

// TestCUDABackendStepMatchesCPU runs the spam model's training step on the
// CPU backend and on the CUDA backend from the same parameters, inputs and
// dropout masks, with a clip norm small enough to clip every step. The
// CUDA step writes the LSTMs' weight gradients into the store from the
// fused backward kernels (no copies), measures the norm in one launch and
// clips inside the optimizer's one launch over the whole block; the norms,
// the gradients left after the step (clipped, as clip_grad_norm_ leaves
// them), the losses and the parameters must agree with the CPU's, and the
// profile must show those kernel counts.
func TestCUDABackendStepMatchesCPU(t *testing.T) {
	ctx := cudaContext(t)
	cpuNet, gpuNet := buildSpamNet(t, 13), buildSpamNet(t, 13)
	plan := func(n *spamNet) *graph.Plan {
		p, err := graph.NewPlan([]*gorgonia.Node{n.loss, n.p}, n.grads, n.g.Binds())
		require.NoError(t, err)
		return p
	}
	const clip = 0.01
	cpuStore, err := graph.CPU.NewStore(cpuNet.params, graph.Update{ClipNorm: clip, Optimizer: optim.NewAdam(1e-2)})
	require.NoError(t, err)
	cpuEx, err := graph.CPU.Compile(plan(cpuNet), cpuStore, cpuNet.grads)
	require.NoError(t, err)
	b := cudaexec.New(ctx).WithGraphs(false)
	gpuStore, err := b.NewStore(gpuNet.params, graph.Update{ClipNorm: clip, Optimizer: optim.NewAdam(1e-2)})
	require.NoError(t, err)
	defer gpuStore.Close()
	gpuEx, err := b.Compile(plan(gpuNet), gpuStore, gpuNet.grads)
	require.NoError(t, err)
	defer gpuEx.Close()
	require.NoError(t, gpuEx.SetProfiling(true))

	for step := 1; step <= 3; step++ {
		ids, y := csBatchData(step)
		require.NoError(t, cpuEx.Input(cpuNet.ids).CopyFrom(ids))
		require.NoError(t, cpuEx.Input(cpuNet.y).CopyFrom(y))
		require.NoError(t, gpuEx.Input(gpuNet.ids).CopyFrom(ids))
		require.NoError(t, gpuEx.Input(gpuNet.y).CopyFrom(y))
		cn, err := cpuEx.Step()
		require.NoError(t, err)
		gn, err := gpuEx.Step()
		require.NoError(t, err)
		require.Greater(t, cn, clip, "the step clips")
		require.InDelta(t, cn, gn, 1e-5*cn, "step %d: norm", step)
		parity(t, "loss", gpuEx.Output(gpuNet.loss), cpuEx.Output(cpuNet.loss))

		cg, err := cpuEx.Grads()
		require.NoError(t, err)
		gg, err := gpuEx.Grads()
		require.NoError(t, err)
		for i := range cg {
			parity(t, "clipped gradient of "+cpuNet.params[i].Name, gg[i], cg[i])
		}
		require.InDelta(t, clip, graph.GlobalNorm(gg), 1e-4*clip, "the gradients left after the step are clipped")
		require.NoError(t, gpuStore.SyncHost())
		for i, p := range cpuNet.params {
			parity(t, p.Name, gpuNet.params[i].Value, p.Value)
		}
	}

	prof := gpuEx.Profile()
	kernels := map[string]float64{}
	for _, o := range prof.Ops {
		kernels[o.Op+"/"+o.Phase] = float64(o.Kernels) / float64(o.Calls)
	}
	t.Logf("kernels per call: %v; per step %d", kernels, prof.Kernels()/prof.Steps)
	require.Equal(t, 1.0, kernels[graph.ProfileClip+"/"+graph.PhaseOptimizer], "the norm is one launch, and no gradient is copied")
	require.Equal(t, 1.0, kernels["Adam/"+graph.PhaseOptimizer], "clipping and the update of every parameter are one launch")
	require.Equal(t, float64(csSteps+5), kernels["LSTMBackward/"+graph.PhaseBackward],
		"one kernel per step, then dx, dW_ih, dW_hh, bias_ih's gradient and its copy for bias_hh")
	require.Equal(t, float64(csSteps+1), kernels["LSTM/"+graph.PhaseForward], "the input projection with both biases, then one kernel per step")
	require.Equal(t, 1.0, kernels["ViewGrad/"+graph.PhaseBackward])
}

// TestCUDAProgramPlacesViewGradients: a weight gradient that is a view of
// a fused backward op's output lives where Options.Place puts it when that
// op writes the part itself and nothing else reads it; when something
// reads the op's whole output (here: it is also an output of the plan), the
// view stays an alias of the output, which the caller copies. Both give the
// same values.
func TestCUDAProgramPlacesViewGradients(t *testing.T) {
	ctx := cudaContext(t)
	ids, y := csBatchData(1)
	var ref *graph.Buf
	for _, wholeOutput := range []bool{false, true} {
		n := buildSpamNet(t, 17) // afresh: the same weights and dropout masks
		wih := -1
		for i, p := range n.params {
			if p.Name == "lstm.weight_ih_l0" {
				wih = i
			}
		}
		require.GreaterOrEqual(t, wih, 0)
		gv := n.grads[wih]
		base, err := graph.NewPlan([]*gorgonia.Node{n.loss}, n.grads, n.binds())
		require.NoError(t, err)
		v := base.Value(gv)
		require.Equal(t, graph.ValueView, v.Kind, "an LSTM's weight gradient is a view of its backward op's output")
		require.IsType(t, graph.LSTMBackward{}, v.Src.Node.Op())
		plan := base
		if wholeOutput {
			plan, err = graph.NewPlan([]*gorgonia.Node{n.loss}, append(n.grads[:len(n.grads):len(n.grads)], v.Src.Node),
				n.binds())
			require.NoError(t, err)
		}
		dst, err := ctx.AllocFloat32(n.params[wih].Value.Len())
		require.NoError(t, err)
		place := func(x *gorgonia.Node) (cuda.Buffer, bool) { return dst, x == gv }
		prog, err := cudaexec.CompilePlan(ctx, plan, cudaexec.Options{Place: place})
		require.NoError(t, err)
		require.Equal(t, !wholeOutput, prog.Placed(gv), "placed unless the whole output is read")
		require.NoError(t, prog.Upload(n.ids, ids))
		require.NoError(t, prog.Upload(n.y, y))
		require.NoError(t, prog.Run())
		got, err := prog.Download(gv)
		require.NoError(t, err)
		if !wholeOutput {
			placed := make([]float32, got.Len())
			require.NoError(t, cuda.Download(ctx, placed, dst))
			require.Equal(t, got.F32, placed, "the placed buffer holds the gradient")
		}
		if ref == nil {
			ref = got
		} else {
			require.Equal(t, ref.F32, got.F32, "the same gradient either way")
		}
		require.NoError(t, prog.Close())
		require.NoError(t, ctx.Free(dst))
	}
}
