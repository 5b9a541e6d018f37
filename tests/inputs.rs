//! Generated and mutated files thrown at load, check, play, analyze and graph: no panic, every command finishes
//! (bounded step counts, no timing), and every error has a place unless it concerns the whole file. The fuzz
//! target (`fuzz/`) does the same for longer, with coverage guiding it.

use std::sync::Arc;

use proptest::prelude::*;
use rapport::engine::load;
use rapport::engine::load::diagnostic::Code;
use rapport::engine::play::session::Session;

use crate::common;

/// The seeds: every shipped scenario (load, check, graph, a short play) and the small fixtures (analyze too).
fn seeds() -> Vec<(String, bool)> {
    let mut v: Vec<(String, bool)> = common::shipped()
        .iter()
        .map(|p| (std::fs::read_to_string(p).expect("shipped"), false))
        .collect();
    for f in ["minimal.ron", "two_people.ron", "robustness/base_minimal.ron"] {
        v.push((std::fs::read_to_string(common::fixture(f)).expect("fixture"), true));
    }
    v
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace one byte (kept UTF-8 by replacing a whole character with an ASCII byte).
    Byte(usize, u8),
    /// Delete a range of characters.
    Delete(usize, usize),
    /// Duplicate a line.
    DupLine(usize),
    /// Replace the n-th number with a hostile one.
    Number(usize, &'static str),
    /// Replace the n-th quoted string (an id, a reference, a text) with another.
    Text(usize, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), prop::sample::select(b"()[]{},:\"0 xX-".to_vec())).prop_map(|(i, b)| Mutation::Byte(i, b)),
        (any::<usize>(), 1usize..40).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<usize>().prop_map(Mutation::DupLine),
        (
            any::<usize>(),
            prop::sample::select(vec!["NaN", "inf", "-inf", "1e309", "-5.0", "127", "1e30", "0"])
        )
            .prop_map(|(i, n)| Mutation::Number(i, n)),
        (
            any::<usize>(),
            prop::sample::select(vec![
                "\"\"",
                "\"open\"",
                "\"good\"",
                "\"\u{200b}\"",
                "\"a\u{0}b\"",
                "\"x\""
            ])
        )
            .prop_map(|(i, t)| Mutation::Text(i, t)),
    ]
}

fn apply(src: &str, m: &Mutation) -> String {
    let chars: Vec<char> = src.chars().collect();
    let n = chars.len().max(1);
    match *m {
        Mutation::Byte(i, b) => {
            let mut c = chars;
            if !c.is_empty() {
                c[i % n] = b as char;
            }
            c.into_iter().collect()
        }
        Mutation::Delete(i, k) => {
            let i = i % n;
            chars[..i]
                .iter()
                .chain(chars[(i + k).min(chars.len())..].iter())
                .collect()
        }
        Mutation::DupLine(i) => {
            let lines: Vec<&str> = src.lines().collect();
            let k = i % lines.len().max(1);
            let mut out = Vec::with_capacity(lines.len() + 1);
            for (j, l) in lines.iter().enumerate() {
                out.push(*l);
                if j == k {
                    out.push(*l);
                }
            }
            out.join("\n")
        }
        Mutation::Number(i, with) => replace_nth(src, i, with, |s, at| {
            let b = s.as_bytes();
            if !b[at].is_ascii_digit() || (at > 0 && (b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_')) {
                return None;
            }
            let end = (at..b.len())
                .find(|&j| !(b[j].is_ascii_digit() || b[j] == b'.'))
                .unwrap_or(b.len());
            Some(end)
        }),
        Mutation::Text(i, with) => replace_nth(src, i, with, |s, at| {
            if s.as_bytes()[at] != b'"' {
                return None;
            }
            s[at + 1..].find('"').map(|e| at + e + 2)
        }),
    }
}

/// Replaces the i-th (modulo their count) token that `token` recognises (it returns the token's end).
fn replace_nth(src: &str, i: usize, with: &str, token: impl Fn(&str, usize) -> Option<usize>) -> String {
    let starts: Vec<(usize, usize)> = (0..src.len())
        .filter(|&a| src.is_char_boundary(a))
        .filter_map(|a| token(src, a).map(|e| (a, e)))
        .collect();
    if starts.is_empty() {
        return src.to_owned();
    }
    let (a, e) = starts[i % starts.len()];
    format!("{}{with}{}", &src[..a], &src[e.min(src.len())..])
}

fn run_all(src: &str, small: bool) {
    let lib = common::lib();
    let l = if small {
        load::load_scenario_calibrated(src, "mutant.ron", &lib, None)
    } else {
        load::load_scenario_str(src, "mutant.ron", &lib.catalog, None)
    };
    for d in &l.diagnostics {
        if d.is_error() && d.code != Code::R001 && d.code != Code::R006 {
            assert!(d.line > 0 && d.column > 0, "an error without a place: {d}");
        }
    }
    let _ = load::load_catalog_str(src, "mutant.ron");
    let Some(s) = l.clean().cloned() else { return };
    let _ = rapport::engine::author::diagram::dot(&s);
    let _ = rapport::engine::author::diagram::mermaid(&s);
    if small {
        let _ = rapport::engine::author::analysis::analyze(&s, &lib);
    }
    // A random play, bounded: the session's own step limit stops a loop; the count here bounds the test.
    let Ok(mut session) = Session::new(&lib, Arc::clone(&s), 7) else {
        return;
    };
    let limit = if small { session.step_limit() + 1 } else { 12 };
    for k in 0..limit {
        if session.ended().is_some() {
            break;
        }
        let open: Vec<String> = session.available().iter().map(|o| o.id.clone()).collect();
        let Some(pick) = open.get(k % open.len().max(1)).cloned() else {
            break;
        };
        if session.choose(&pick).is_err() {
            break;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, max_shrink_iters: 64, ..ProptestConfig::default() })]

    #[test]
    fn mutated_scenarios_never_panic_and_every_error_has_a_place(
        pick in any::<usize>(),
        muts in prop::collection::vec(mutation(), 1..4),
    ) {
        let seeds = seeds();
        let (src, small) = &seeds[pick % seeds.len()];
        let mut text = src.clone();
        for m in &muts {
            text = apply(&text, m);
        }
        run_all(&text, *small);
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
        run_all(&src, true);
    }
}
