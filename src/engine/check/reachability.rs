//! Where the session can go: stages that lead nowhere or cannot be reached, loops with no way out (R30x).

use super::*;

pub(super) fn check_graph(s: &Scenario, cx: &mut Ctx) {
    let g = StageGraph::of(s);
    let Some(&start) = g.index.get(s.start.as_str()) else {
        return;
    };
    if start >= g.stage_count {
        return;
    }
    let reach = g.reachable_from(start);
    let finish = g.can_finish();
    for (i, st) in s.stages.iter().enumerate() {
        let p = format!("stages[{i}]");
        let unguarded_exit = st.transitions.iter().any(|t| t.when.is_none());
        let all_forced = st.forced();
        if st.transitions.is_empty() && !all_forced {
            cx.push(
                Code::R302,
                &format!("{p}.id"),
                format!("stage `{}` leads nowhere and is not an ending", st.id),
            )
            .help = Some("add `transitions: [(to: \"...\")]` or give every option a `next`".into());
        } else if !unguarded_exit && !all_forced {
            cx.push(
                Code::R306,
                &format!("{p}.transitions"),
                format!(
                    "every transition out of `{}` is guarded; when none holds the session cannot go on",
                    st.id
                ),
            )
            .help = Some("end the list with a transition that has no `when`".into());
        }
        if !reach[i] {
            cx.push(
                Code::R301,
                &format!("{p}.id"),
                format!("stage `{}` cannot be reached from the start `{}`", st.id, s.start),
            );
        } else if !finish[i] && !st.transitions.is_empty() && st.targets().all(|(to, _)| g.index.contains_key(to)) {
            // A stage whose way out names an unknown target is already reported as R101.
            let loop_ids: Vec<&str> = g.succ[i].iter().map(|&j| g.ids[j]).collect();
            cx.push(
                Code::R303,
                &format!("{p}.id"),
                format!(
                    "from stage `{}` no path leads to an ending (it loops through {})",
                    st.id,
                    loop_ids.join(", ")
                ),
            );
        }
    }
    guarded_loops(s, &g, &reach, &finish, cx);
    for (k, e) in s.endings.iter().enumerate() {
        let idx = g.stage_count + k;
        if g.index.get(e.id.as_str()) == Some(&idx) && !reach[idx] {
            cx.push(
                Code::R307,
                &format!("endings[{k}].id"),
                format!("no path reaches the ending `{}`", e.id),
            );
        }
    }
}

/// R309: a loop the session goes round while no guard holds. Following each reachable stage's way on when no guard
/// holds (its first transition without `when`) comes back to a stage already passed, and no option on the loop
/// leads out of it: every way out waits on a guard, and if none comes to hold, the session repeats the loop until
/// its step limit. (A loop with no way out at all is R303.)
pub(super) fn guarded_loops(s: &Scenario, g: &StageGraph, reach: &[bool], finish: &[bool], cx: &mut Ctx) {
    let fallback: Vec<Option<(usize, usize)>> = s
        .stages
        .iter()
        .map(|st| {
            let t = st.fallback()?;
            let j = st.transitions.iter().position(|x| std::ptr::eq(x, t))?;
            g.index
                .get(t.to.as_str())
                .map(|&to| (j, to))
                .filter(|&(_, to)| to < g.stage_count)
        })
        .collect();
    // 0 unseen, 1 on the chain being followed, 2 done.
    let mut mark = vec![0u8; g.stage_count];
    for first in 0..g.stage_count {
        if mark[first] != 0 || !reach[first] {
            continue;
        }
        let mut chain = Vec::new();
        let mut at = Some(first);
        while let Some(i) = at {
            if mark[i] != 0 {
                break;
            }
            mark[i] = 1;
            chain.push(i);
            at = fallback[i].map(|(_, to)| to);
        }
        if let Some(i) = at
            && mark[i] == 1
        {
            let looped: Vec<usize> = chain[chain.iter().position(|&c| c == i).unwrap_or(0)..].to_vec();
            // R303 already reports a loop with no way out; an option that leads out is a way the trainee can take.
            let option_out = looped.iter().any(|&k| {
                s.stages[k].choices.iter().any(|o| {
                    o.when.is_none()
                        && o.next
                            .as_deref()
                            .and_then(|n| g.index.get(n))
                            .is_some_and(|to| !looped.contains(to))
                })
            });
            let head = looped.iter().copied().min().unwrap_or(i);
            if !option_out && looped.iter().all(|&k| finish[k]) {
                let j = fallback[head].map_or(0, |(j, _)| j);
                let names: Vec<&str> = looped.iter().map(|&k| s.stages[k].id.as_str()).collect();
                let through = if names.len() > 1 {
                    format!(" (through {})", names.join(", "))
                } else {
                    String::new()
                };
                cx.push(
                    Code::R309,
                    &format!("stages[{head}].transitions[{j}].to"),
                    format!(
                        "stage `{}` comes round again when no guard holds{through}, and every way out of this loop is \
                         guarded: if none comes to hold, the session repeats it until its step limit",
                        s.stages[head].id
                    ),
                )
                .help = Some(
                    "give the loop a way out without `when` (the last transition of one of its stages), or a guard \
                     the loop itself makes true (a counter it raises)"
                        .into(),
                );
            }
        }
        for &c in &chain {
            mark[c] = 2;
        }
    }
}
