package text

import "math/bits"

// numpyArgsort returns the indices that sort v ascending, exactly as
// numpy's default np.argsort (kind="quicksort") orders them in numpy 1.24:
// its scalar introsort (median-of-three quicksort, insertion sort for runs
// of at most 16, heapsort past a depth limit), ported from
// numpy/core/src/npysort/quicksort.cpp (aquicksort_) and heapsort.cpp
// (aheapsort_). The sort is not stable, and which of equal values comes
// first depends on the whole array; scikit-learn's max_features keeps the
// first terms of this order, so reproducing it is what makes a tied
// vocabulary match scikit-learn's. (numpy 1.25 and later may dispatch to
// an AVX-512 argsort on some machines, whose ties fall differently.)
func numpyArgsort(v []int64) []int {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	num := len(idx)
	if num < 2 {
		return idx
	}
	const smallQuicksort = 15 // numpy's SMALL_QUICKSORT: runs of at most 16 are insertion-sorted
	type span struct{ l, r, depth int }
	var stack []span
	pl, pr := 0, num-1
	cdepth := (bits.Len(uint(num)) - 1) * 2 // npy_get_msb(num) * 2
	for {
		if cdepth < 0 {
			aheapsort(v, idx[pl:pr+1])
		} else {
			for pr-pl > smallQuicksort {
				pm := pl + (pr-pl)>>1
				if v[idx[pm]] < v[idx[pl]] {
					idx[pm], idx[pl] = idx[pl], idx[pm]
				}
				if v[idx[pr]] < v[idx[pm]] {
					idx[pr], idx[pm] = idx[pm], idx[pr]
				}
				if v[idx[pm]] < v[idx[pl]] {
					idx[pm], idx[pl] = idx[pl], idx[pm]
				}
				vp := v[idx[pm]]
				pi, pj := pl, pr-1
				idx[pm], idx[pj] = idx[pj], idx[pm]
				for {
					pi++
					for v[idx[pi]] < vp {
						pi++
					}
					pj--
					for vp < v[idx[pj]] {
						pj--
					}
					if pi >= pj {
						break
					}
					idx[pi], idx[pj] = idx[pj], idx[pi]
				}
				pk := pr - 1
				idx[pi], idx[pk] = idx[pk], idx[pi]
				// Push the larger partition, go on with the smaller.
				cdepth--
				if pi-pl < pr-pi {
					stack = append(stack, span{pi + 1, pr, cdepth})
					pr = pi - 1
				} else {
					stack = append(stack, span{pl, pi - 1, cdepth})
					pl = pi + 1
				}
			}
			for i := pl + 1; i <= pr; i++ {
				vi := idx[i]
				x := v[vi]
				j := i
				for j > pl && x < v[idx[j-1]] {
					idx[j] = idx[j-1]
					j--
				}
				idx[j] = vi
			}
		}
		if len(stack) == 0 {
			break
		}
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		pl, pr, cdepth = top.l, top.r, top.depth
	}
	return idx
}

// aheapsort is numpy's aheapsort_ on tosort (indices into v), which numpy
// writes with 1-based indexing (a = tosort - 1).
func aheapsort(v []int64, tosort []int) {
	n := len(tosort)
	a := func(i int) *int { return &tosort[i-1] }
	var i, j, l, tmp int
	for l = n >> 1; l > 0; l-- {
		tmp = *a(l)
		for i, j = l, l<<1; j <= n; {
			if j < n && v[*a(j)] < v[*a(j + 1)] {
				j++
			}
			if v[tmp] < v[*a(j)] {
				*a(i) = *a(j)
				i = j
				j += j
			} else {
				break
			}
		}
		*a(i) = tmp
	}
	for ; n > 1; n-- {
		tmp = *a(n)
		*a(n) = *a(1)
		for i, j = 1, 2; j <= n-1; {
			if j < n-1 && v[*a(j)] < v[*a(j + 1)] {
				j++
			}
			if v[tmp] < v[*a(j)] {
				*a(i) = *a(j)
				i = j
				j += j
			} else {
				break
			}
		}
		*a(i) = tmp
	}
}
