//! The stage graph: which stage or ending can follow which, by the one rule of where a stage leads
//! ([`Stage::exits`](crate::engine::format::scenario::Stage::exits)), with guards ignored. The checker's reachability, the analysis
//! and calibration read it; the diagram (`graph.rs`) draws the same exits.

use std::collections::{HashMap, VecDeque};

use crate::engine::format::scenario::Scenario;

/// The stage graph, ignoring guards: what can follow what.
pub struct StageGraph<'a> {
    pub ids: Vec<&'a str>,
    pub index: HashMap<&'a str, usize>,
    /// Successors of each stage (indices into `ids`; endings included).
    pub succ: Vec<Vec<usize>>,
    pub stage_count: usize,
}

impl<'a> StageGraph<'a> {
    pub fn of(s: &'a Scenario) -> StageGraph<'a> {
        let ids = nodes(s);
        let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut succ = vec![Vec::new(); ids.len()];
        for (i, st) in s.stages.iter().enumerate() {
            for to in st.exits().map(|e| e.to) {
                if let Some(&j) = index.get(to)
                    && !succ[i].contains(&j)
                {
                    succ[i].push(j);
                }
            }
        }
        StageGraph {
            ids,
            index,
            succ,
            stage_count: s.stages.len(),
        }
    }

    pub fn reachable_from(&self, start: usize) -> Vec<bool> {
        let mut seen = vec![false; self.ids.len()];
        let mut queue = VecDeque::from([start]);
        seen[start] = true;
        while let Some(n) = queue.pop_front() {
            for &m in &self.succ[n] {
                if !seen[m] {
                    seen[m] = true;
                    queue.push_back(m);
                }
            }
        }
        seen
    }

    /// Nodes from which some ending can be reached.
    pub fn can_finish(&self) -> Vec<bool> {
        let mut pred = vec![Vec::new(); self.ids.len()];
        for (i, s) in self.succ.iter().enumerate() {
            for &j in s {
                pred[j].push(i);
            }
        }
        let mut ok = vec![false; self.ids.len()];
        let mut queue: VecDeque<usize> = (self.stage_count..self.ids.len()).collect();
        for &e in &queue {
            ok[e] = true;
        }
        while let Some(n) = queue.pop_front() {
            for &p in &pred[n] {
                if !ok[p] {
                    ok[p] = true;
                    queue.push_back(p);
                }
            }
        }
        ok
    }
}

/// The graph's nodes: every stage id, then every ending id, in the file's order.
pub fn nodes(s: &Scenario) -> Vec<&str> {
    s.stages
        .iter()
        .map(|st| st.id.as_str())
        .chain(s.endings.iter().map(|e| e.id.as_str()))
        .collect()
}
