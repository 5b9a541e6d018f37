//! `rapport graph`, `rapport analyze` and `rapport new`: the authoring commands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rapport::engine::analysis::{self, Analysis};
use rapport::engine::{Library, graph, scaffold};

use super::play::load_clean;
use super::{Format, GraphFormat};

pub fn graph(lib: &Library, file: &Path, format: GraphFormat) -> ExitCode {
    let Some(s) = load_clean(lib, file) else {
        return ExitCode::from(1);
    };
    match format {
        GraphFormat::Dot => print!("{}", graph::dot(&s)),
        GraphFormat::Mermaid => print!("{}", graph::mermaid(&s)),
    }
    ExitCode::SUCCESS
}

pub fn analyze(lib: &Library, file: &Path, format: Format) -> ExitCode {
    let Some(s) = load_clean(lib, file) else {
        return ExitCode::from(1);
    };
    let a = analysis::analyze(&s, &lib.catalog, &lib.weights);
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&a).unwrap_or_default()),
        Format::Human => print_analysis(&a),
    }
    ExitCode::SUCCESS
}

fn print_analysis(a: &Analysis) {
    println!(
        "{}: {} stages, {} options, {} endings, {} words",
        a.scenario, a.stages, a.options, a.endings, a.words
    );
    println!(
        "reachable: {} of {} stages; endings {}",
        a.reachable_stages,
        a.stages,
        a.reachable_endings.join(", ")
    );
    if !a.unreachable_stages.is_empty() {
        println!("unreachable stages: {}", a.unreachable_stages.join(", "));
    }
    if a.path_count == u128::MAX {
        println!("choice paths: more than 10^38");
    } else {
        println!("choice paths: {}", a.path_count);
    }
    println!("\nshortest path to each ending:");
    for (e, p) in &a.shortest {
        println!("  {e}: {} ({} stages)", p.join(" -> "), p.len() - 1);
    }
    match &a.exact {
        Some(x) => {
            println!(
                "\nevery path played with the session engine (seed 1): {} plays",
                x.paths
            );
            println!(
                "  best  {:.1}/100 -> {}  via {}",
                x.best.score,
                x.best.ending,
                x.best.choices.join(", ")
            );
            println!(
                "  worst {:.1}/100 -> {}  via {}",
                x.worst.score,
                x.worst.ending,
                x.worst.choices.join(", ")
            );
            let s = &x.spread;
            println!(
                "  spread: min {:.1}, quartiles {:.1} / {:.1} / {:.1}, max {:.1}",
                s.min, s.p25, s.median, s.p75, s.max
            );
            let ends: Vec<String> = x.endings.iter().map(|(e, n)| format!("{e} {n}")).collect();
            println!("  plays per ending: {}", ends.join(", "));
            if !x.dominated.is_empty() {
                println!("  options never better than another at their stage:");
                for d in &x.dominated {
                    println!("    {} at {}: always below {}", d.option, d.stage, d.by);
                }
            }
        }
        None => {
            println!("\nestimated over the stage graph at the intake state (too many paths to play each):");
            if let Some(b) = &a.best {
                println!(
                    "  best  {:.1}/100 -> {} via {} choices",
                    b.score,
                    b.ending,
                    b.choices.len()
                );
            }
            if let Some(w) = &a.worst {
                println!(
                    "  worst {:.1}/100 -> {} via {} choices",
                    w.score,
                    w.ending,
                    w.choices.len()
                );
            }
            if let Some(s) = &a.option_spread {
                println!(
                    "  option scores: min {:.1}, quartiles {:.1} / {:.1} / {:.1}, max {:.1}",
                    s.min, s.p25, s.median, s.p75, s.max
                );
            }
            for d in a.dominated.iter().take(20) {
                println!(
                    "  {} at {}: below {} and leads to the same place",
                    d.option, d.stage, d.by
                );
            }
        }
    }
    if !a.warnings.is_empty() {
        println!("\nwarnings:");
        for w in &a.warnings {
            println!("  - {w}");
        }
    }
}

pub fn new(name: &str, dir: &Path) -> ExitCode {
    let file: PathBuf = dir.join(format!("{name}.ron"));
    if file.exists() {
        eprintln!("{} exists already; choose another name", file.display());
        return ExitCode::from(2);
    }
    if let Err(e) = std::fs::create_dir_all(dir).and_then(|_| std::fs::write(&file, scaffold::scenario(name))) {
        eprintln!("cannot write {}: {e}", file.display());
        return ExitCode::from(1);
    }
    println!(
        "wrote {}: check it with `rapport check {}`",
        file.display(),
        file.display()
    );
    ExitCode::SUCCESS
}
