package optim

import (
	"fmt"
	"math"

	"github.com/emberml/ember/graph"
)

// Group gives some parameters their own learning rate and weight decay: an
// entry of torch.optim's param_groups. AddGroup on an optimizer makes one,
// starting from the optimizer's own LR and WeightDecay; change its fields
// before or between steps (a schedule sets each group's LR, as PyTorch's
// schedulers do). Parameters in no group use the optimizer's fields, so
// they form the default group. Only LR and WeightDecay vary by group; the
// other settings (betas, eps, momentum, decoupled decay) are the
// optimizer's.
//
// The usual use leaves biases (and, often, embeddings) out of weight decay:
//
//	opt := optim.NewAdam(1e-3)
//	opt.WeightDecay = 1e-2
//	opt.AddGroup(biases...).WeightDecay = 0
type Group struct {
	LR, WeightDecay float64
	params          []*graph.Param
}

// Params lists the group's parameters (the group's own slice: do not modify).
func (g *Group) Params() []*graph.Param { return g.params }

// groups is an optimizer's parameter groups and the index from parameter
// to group that Step reads without allocating.
type groups struct {
	list []*Group
	of   map[*graph.Param]*Group
}

// add makes a group; a parameter already in a group, or nil, is a
// programmer error (PyTorch raises for the first, too).
func (gs *groups) add(opt string, lr, wd float64, params []*graph.Param) *Group {
	g := &Group{LR: lr, WeightDecay: wd, params: append([]*graph.Param(nil), params...)}
	if gs.of == nil {
		gs.of = make(map[*graph.Param]*Group)
	}
	for i, p := range params {
		if p == nil {
			panic(fmt.Sprintf("optim: %s.AddGroup: parameter %d is nil", opt, i))
		}
		if _, dup := gs.of[p]; dup {
			panic(fmt.Sprintf("optim: %s.AddGroup: parameter %q is already in a group", opt, p.Name))
		}
	}
	for _, p := range params {
		gs.of[p] = g
	}
	gs.list = append(gs.list, g)
	return g
}

// hyper returns p's learning rate and weight decay: its group's, or def's.
func (gs *groups) hyper(p *graph.Param, lr, wd float64) (float64, float64) {
	if g := gs.of[p]; g != nil {
		return g.LR, g.WeightDecay
	}
	return lr, wd
}

// check validates every group's hyperparameters (naming the group only on
// failure, so that a valid step allocates nothing).
func (gs *groups) check(opt string) error {
	for i, g := range gs.list {
		for _, h := range [2]struct {
			name string
			v    float64
		}{{"LR", g.LR}, {"WeightDecay", g.WeightDecay}} {
			if checkHyper(opt, h.name, h.v, 0, math.Inf(1)) != nil {
				return checkHyper(opt, fmt.Sprintf("group %d %s", i, h.name), h.v, 0, math.Inf(1))
			}
		}
	}
	return nil
}
