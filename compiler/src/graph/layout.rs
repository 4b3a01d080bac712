//! A small layered (Sugiyama-style) layout for the SVG rendering; see
//! docs/decisions/0004-own-graph-layout.md for why it is our own.
//!
//! 1. Break cycles: a depth-first search from node 0 in edge order; edges
//!    to a node still on the stack are "back" edges, left out of layering.
//! 2. Layers: longest path from the sources over the remaining edges.
//! 3. Edges spanning several layers get one virtual point per layer.
//! 4. Order within layers: barycenter sweeps down and up, keeping the
//!    order with the fewest crossings.
//! 5. x: each node pulled to the mean of its neighbours, then the average
//!    of a left-packed and a right-packed placement (both keep the order
//!    and the minimum gap, so their average does too).
//!
//! Everything is index-ordered: same graph, same coordinates.

use std::collections::BTreeSet;

/// Input: node sizes and edges (from, to).
pub struct LayoutInput {
    pub sizes: Vec<(f64, f64)>,
    pub edges: Vec<(usize, usize)>,
}

/// Node centres, and for each edge the points its line passes through
/// (first: the source, last: the target; for back edges and self loops
/// just the two endpoints).
#[derive(Debug, Clone)]
pub struct Layout {
    pub centers: Vec<(f64, f64)>,
    pub paths: Vec<Vec<(f64, f64)>>,
    /// Edges left out of layering (they point up, or to themselves).
    pub back: Vec<bool>,
    pub width: f64,
    pub height: f64,
}

pub const H_GAP: f64 = 36.0;
pub const V_GAP: f64 = 64.0;
pub const MARGIN: f64 = 24.0;

pub fn layout(input: &LayoutInput) -> Layout {
    let n = input.sizes.len();
    let back = back_edges(n, &input.edges);
    // Layer by longest path over forward edges (Kahn, smallest index first).
    let mut rank = vec![0usize; n];
    let mut indeg = vec![0usize; n];
    for (i, &(a, b)) in input.edges.iter().enumerate() {
        if !back[i] && a < n && b < n {
            indeg[b] += 1;
        }
    }
    let out = out_edges(n, &input.edges);
    let mut ready: BTreeSet<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    while let Some(v) = ready.pop_first() {
        for &i in &out[v] {
            let b = input.edges[i].1;
            if !back[i] {
                rank[b] = rank[b].max(rank[v] + 1);
                indeg[b] -= 1;
                if indeg[b] == 0 {
                    ready.insert(b);
                }
            }
        }
    }
    // Virtual points for long edges.
    let mut vrank: Vec<usize> = rank.clone();
    let mut vsize: Vec<(f64, f64)> = input.sizes.clone();
    let mut chains: Vec<Vec<usize>> = Vec::new();
    // adjacency between consecutive layers (u in layer r, w in layer r+1)
    let mut links: Vec<(usize, usize)> = Vec::new();
    for (i, &(a, b)) in input.edges.iter().enumerate() {
        if back[i] || a >= n || b >= n {
            chains.push(vec![a, b]);
            continue;
        }
        let mut chain = vec![a];
        let mut prev = a;
        for r in rank[a] + 1..rank[b] {
            let v = vrank.len();
            vrank.push(r);
            vsize.push((8.0, 8.0));
            links.push((prev, v));
            chain.push(v);
            prev = v;
        }
        links.push((prev, b));
        chain.push(b);
        chains.push(chain);
    }
    let layers_n = vrank.iter().max().map_or(0, |m| m + 1);
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); layers_n];
    let adj = Adj::new(vrank.len(), &links);
    for v in dfs_order(&adj) {
        layers[vrank[v]].push(v);
    }
    order_layers(&mut layers, &adj, &links, &vrank);
    // y per layer
    let mut layer_h = vec![0.0f64; layers_n];
    for (v, &r) in vrank.iter().enumerate() {
        layer_h[r] = layer_h[r].max(vsize[v].1);
    }
    let mut ys = vec![0.0; layers_n];
    let mut y = MARGIN;
    for r in 0..layers_n {
        ys[r] = y + layer_h[r] / 2.0;
        y += layer_h[r] + V_GAP;
    }
    let xs = place_x(&layers, &adj, &vsize);
    let min_left = (0..vrank.len())
        .map(|v| xs[v] - vsize[v].0 / 2.0)
        .fold(f64::INFINITY, f64::min);
    let shift = if min_left.is_finite() {
        MARGIN - min_left
    } else {
        0.0
    };
    let pos: Vec<(f64, f64)> = (0..vrank.len())
        .map(|v| (xs[v] + shift, ys[vrank[v]]))
        .collect();
    let width = (0..vrank.len())
        .map(|v| pos[v].0 + vsize[v].0 / 2.0)
        .fold(0.0, f64::max)
        + MARGIN;
    let height = (y - V_GAP + MARGIN).max(2.0 * MARGIN);
    Layout {
        centers: pos[..n].to_vec(),
        paths: chains
            .iter()
            .map(|c| c.iter().filter_map(|&v| pos.get(v).copied()).collect())
            .collect(),
        back,
        width,
        height,
    }
}

/// For each node, the indices of the edges leaving it, in edge order.
fn out_edges(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); n];
    for (i, &(a, b)) in edges.iter().enumerate() {
        if a < n && b < n {
            out[a].push(i);
        }
    }
    out
}

/// Neighbours between consecutive layers.
struct Adj {
    down: Vec<Vec<usize>>,
    up: Vec<Vec<usize>>,
}

impl Adj {
    fn new(n: usize, links: &[(usize, usize)]) -> Adj {
        let mut down = vec![Vec::new(); n];
        let mut up = vec![Vec::new(); n];
        for &(a, b) in links {
            down[a].push(b);
            up[b].push(a);
        }
        Adj { down, up }
    }

    /// Neighbours in the layer above (`down` sweep) or below.
    fn toward(&self, v: usize, down: bool) -> &[usize] {
        if down { &self.up[v] } else { &self.down[v] }
    }
}

/// Edges closing a cycle in a DFS from node 0 (then every unvisited node),
/// plus self loops.
fn back_edges(n: usize, edges: &[(usize, usize)]) -> Vec<bool> {
    let out = out_edges(n, edges);
    let mut back = vec![false; edges.len()];
    let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        // Iterative DFS: (node, position in its out-edge list).
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(&(v, from)) = stack.last() {
            let mut k = from;
            let mut next = None;
            while let Some(&i) = out[v].get(k) {
                k += 1;
                let b = edges[i].1;
                match state[b] {
                    0 => {
                        next = Some(b);
                        break;
                    }
                    1 => back[i] = true,
                    _ => {}
                }
            }
            if let Some(top) = stack.last_mut() {
                top.1 = k;
            }
            match next {
                Some(b) => {
                    state[b] = 1;
                    stack.push((b, 0));
                }
                None => {
                    state[v] = 2;
                    stack.pop();
                }
            }
        }
    }
    back
}

/// Nodes in depth-first discovery order from node 0 (then the rest).
fn dfs_order(adj: &Adj) -> Vec<usize> {
    let n = adj.down.len();
    let mut seen = vec![false; n];
    let mut out = Vec::with_capacity(n);
    for root in 0..n {
        let mut stack = vec![root];
        while let Some(v) = stack.pop() {
            if seen[v] {
                continue;
            }
            seen[v] = true;
            out.push(v);
            stack.extend(adj.down[v].iter().rev());
        }
    }
    out
}

/// Crossings between consecutive layers: only links leaving the same
/// layer can cross, so pairs are counted per layer.
fn crossings(layers: &[Vec<usize>], links: &[(usize, usize)], rank: &[usize]) -> usize {
    let mut pos = vec![0usize; rank.len()];
    for layer in layers {
        for (i, &v) in layer.iter().enumerate() {
            pos[v] = i;
        }
    }
    let mut by_layer: Vec<Vec<(usize, usize)>> = vec![Vec::new(); layers.len()];
    for &(a, b) in links {
        by_layer[rank[a]].push((pos[a], pos[b]));
    }
    let mut total = 0;
    for group in &by_layer {
        for (i, a) in group.iter().enumerate() {
            for b in &group[i + 1..] {
                if (a.0 < b.0 && a.1 > b.1) || (a.0 > b.0 && a.1 < b.1) {
                    total += 1;
                }
            }
        }
    }
    total
}

fn order_layers(layers: &mut [Vec<usize>], adj: &Adj, links: &[(usize, usize)], rank: &[usize]) {
    let n = rank.len();
    let mut best = layers.to_vec();
    let mut best_c = crossings(layers, links, rank);
    for round in 0..8 {
        let down = round % 2 == 0;
        let mut pos = vec![0f64; n];
        for layer in layers.iter() {
            for (i, &v) in layer.iter().enumerate() {
                pos[v] = i as f64;
            }
        }
        let idx: Vec<usize> = if down {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        for r in idx {
            let mut keyed: Vec<(f64, usize, usize)> = layers[r]
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let nb: Vec<f64> = adj.toward(v, down).iter().map(|&u| pos[u]).collect();
                    let bary = if nb.is_empty() {
                        i as f64
                    } else {
                        nb.iter().sum::<f64>() / nb.len() as f64
                    };
                    (bary, i, v)
                })
                .collect();
            keyed.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
            layers[r] = keyed.iter().map(|k| k.2).collect();
            for (i, &v) in layers[r].iter().enumerate() {
                pos[v] = i as f64;
            }
        }
        let c = crossings(layers, links, rank);
        if c < best_c {
            best_c = c;
            best = layers.to_vec();
        }
    }
    layers.clone_from_slice(&best);
}

fn place_x(layers: &[Vec<usize>], adj: &Adj, size: &[(f64, f64)]) -> Vec<f64> {
    let n = size.len();
    let mut x = vec![0f64; n];
    for layer in layers {
        let mut cur = 0.0;
        for &v in layer {
            x[v] = cur + size[v].0 / 2.0;
            cur += size[v].0 + H_GAP;
        }
    }
    for round in 0..6 {
        let down = round % 2 == 0;
        let idx: Vec<usize> = if down {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        for r in idx {
            let layer = &layers[r];
            let desired: Vec<f64> = layer
                .iter()
                .map(|&v| {
                    let nb: Vec<f64> = adj.toward(v, down).iter().map(|&u| x[u]).collect();
                    if nb.is_empty() {
                        x[v]
                    } else {
                        nb.iter().sum::<f64>() / nb.len() as f64
                    }
                })
                .collect();
            let sep = |i: usize| (size[layer[i]].0 + size[layer[i + 1]].0) / 2.0 + H_GAP;
            let k = layer.len();
            let mut left = desired.clone();
            for i in 1..k {
                left[i] = left[i].max(left[i - 1] + sep(i - 1));
            }
            let mut right = desired.clone();
            for i in (0..k.saturating_sub(1)).rev() {
                right[i] = right[i].min(right[i + 1] - sep(i));
            }
            for i in 0..k {
                x[layer[i]] = (left[i] + right[i]) / 2.0;
            }
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_with_loop_is_layered_top_down() {
        let input = LayoutInput {
            sizes: vec![(40.0, 20.0); 4],
            edges: vec![(0, 1), (1, 2), (2, 1), (2, 3), (0, 3)],
        };
        let l = layout(&input);
        assert!(l.centers[0].1 < l.centers[1].1);
        assert!(l.centers[1].1 < l.centers[2].1);
        assert!(l.centers[2].1 < l.centers[3].1);
        assert_eq!(l.back, vec![false, false, true, false, false]);
        // The long edge 0 → 3 passes through two virtual points.
        assert_eq!(l.paths[4].len(), 4);
        // Nodes of one layer never overlap.
        let again = layout(&input);
        assert_eq!(format!("{:?}", l.centers), format!("{:?}", again.centers));
    }
}
