//! `rapport graph`, `rapport analyze` and `rapport new`: the authoring commands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rapport::engine::author::analysis::{self, Analysis, Method};
use rapport::engine::{Library, author::diagram, author::scaffold};

use super::{Format, GraphFormat};
use super::{load_clean, load_reporting};

pub fn graph(lib: &Library, file: &Path, format: GraphFormat) -> ExitCode {
    let Some(s) = load_clean(lib, file) else {
        return ExitCode::from(1);
    };
    match format {
        GraphFormat::Dot => print!("{}", diagram::dot(&s)),
        GraphFormat::Mermaid => print!("{}", diagram::mermaid(&s)),
    }
    ExitCode::SUCCESS
}

pub fn analyze(lib: &Library, file: &Path, format: Format) -> ExitCode {
    let Some(s) = load_reporting(lib, file, format == Format::Json) else {
        return ExitCode::from(1);
    };
    let a = analysis::analyze(&s, lib);
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
        summary(&a.reachable_endings, ", ")
    );
    if !a.unreachable_stages.is_empty() {
        println!("unreachable stages: {}", summary(&a.unreachable_stages, ", "));
    }
    if a.path_count == u128::MAX {
        println!("choice paths: more than 10^38");
    } else {
        println!("choice paths: {}", a.path_count);
    }
    println!("\nshortest path to each ending:");
    for p in &a.shortest {
        println!(
            "  {}: {} ({} stages)",
            p.ending,
            summary(&p.stages, " -> "),
            p.stages.len().saturating_sub(1)
        );
    }
    match &a.plays {
        Some(x) => {
            match &x.method {
                Method::Every { seed } => {
                    println!(
                        "\nevery path played with the session engine (seed {seed}): {} plays",
                        x.paths
                    );
                }
                Method::Sampled { plays, seed, why } => println!(
                    "\na sample of {plays} plays with the session engine (seeds from {seed}): the engine's best play, \
                     the greedy worst and random plays; bounds, not every path ({why})"
                ),
            }
            let split = |p: &rapport::engine::author::analysis::ScoredPath| {
                p.widest_split
                    .map_or(String::new(), |w| format!(" (widest split alliance {w:.2})"))
            };
            println!(
                "  best  {:.1}/100 -> {}{}  via {}",
                x.best.score,
                x.best.ending,
                split(&x.best),
                summary(&x.best.choices, ", ")
            );
            println!(
                "  worst {:.1}/100 -> {}{}  via {}",
                x.worst.score,
                x.worst.ending,
                split(&x.worst),
                summary(&x.worst.choices, ", ")
            );
            let s = &x.spread;
            println!(
                "  spread: min {:.1}, quartiles {:.1} / {:.1} / {:.1}, max {:.1}",
                s.min, s.p25, s.median, s.p75, s.max
            );
            let ends: Vec<String> = x.endings.iter().map(|e| format!("{} {}", e.ending, e.plays)).collect();
            println!("  plays per ending: {}", summary(&ends, ", "));
            if !x.dominated.is_empty() {
                println!("  options never better than another at their stage:");
                for d in x.dominated.iter().take(LISTED) {
                    println!("    {} at {}: always below {}", d.option, d.stage, d.by);
                }
                more(x.dominated.len());
            }
        }
        None => {
            if let Some(why) = &a.unplayed {
                println!("\nno play with the session engine: {why}");
            }
            println!("estimated over the stage graph at the intake state:");
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
            for d in a.dominated.iter().take(LISTED) {
                println!(
                    "  {} at {}: below {} and leads to the same place",
                    d.option, d.stage, d.by
                );
            }
            more(a.dominated.len());
        }
    }
    if !a.warnings.is_empty() {
        println!("\nwarnings:");
        for w in a.warnings.iter().take(LISTED) {
            println!("  - {w}");
        }
        more(a.warnings.len());
    }
}

/// Lines of one kind printed before the rest are counted (`--format json` lists them all).
const LISTED: usize = 40;

fn more(listed: usize) {
    if listed > LISTED {
        println!("  ... and {} more (`--format json` lists them all)", listed - LISTED);
    }
}

/// A list joined by `sep`, or for a long one its first and last few items and how many lie between: a path of
/// thousands of stages is read as where it starts and ends.
fn summary(items: &[String], sep: &str) -> String {
    const ENDS: usize = 5;
    if items.len() <= 3 * ENDS {
        return items.join(sep);
    }
    format!(
        "{}{sep}... {} more ...{sep}{}",
        items[..ENDS].join(sep),
        items.len() - 2 * ENDS,
        items[items.len() - ENDS..].join(sep)
    )
}

pub fn new(name: &str, dir: &Path) -> ExitCode {
    // A plain file stem: `new` writes inside --dir and nowhere else (`''` wrote a hidden `.ron`, `../x` a file
    // outside the folder).
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && name.chars().all(|c| !c.is_control());
    if !plain {
        eprintln!(
            "`{name}` is not a scenario name: give a plain file name without a folder or a leading dot, such as \
             `first_session` (--dir says where it is written)"
        );
        return ExitCode::from(2);
    }
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

/// `rapport upgrade`: the version-2 form of a version-1 file, written atomically.
pub fn upgrade(lib: &Library, file: &Path, output: Option<&Path>, intents: bool) -> ExitCode {
    let src = match rapport::engine::load::read(file) {
        Ok(s) => s,
        Err(d) => {
            eprintln!("{d}");
            return ExitCode::from(1);
        }
    };
    let name = file.display().to_string();
    let up = match scaffold::upgrade(&src, &name, lib, file.parent(), intents) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let out = output.unwrap_or(file);
    if let Err(e) = rapport::engine::atomic::write(out, up.text.as_bytes()) {
        eprintln!("cannot write {}: {e}", out.display());
        return ExitCode::from(1);
    }
    println!("upgraded {name} to version 2: wrote {}", out.display());
    for c in &up.changes {
        println!("  - {c}");
    }
    if !up.todo.is_empty() {
        println!(
            "still to do ({}; `rapport upgrade --intents` writes the engine's classes for you to review):",
            up.todo.len()
        );
        for t in &up.todo {
            println!("  - {t}");
        }
    }
    println!(
        "comments and layout are kept; check it with `rapport check {}`",
        out.display()
    );
    ExitCode::SUCCESS
}

/// `rapport calibrate`: agreement between computed and declared quality, per scenario and in total.
pub fn calibrate(lib: &Library, paths: &[std::path::PathBuf], format: Format, per_stage: bool) -> ExitCode {
    use rapport::engine::author::calibration;
    let files = rapport::engine::load::ron_files(paths);
    let mut rows = Vec::new();
    for f in &files {
        let l = rapport::engine::load::load_scenario_file(f, &lib.catalog);
        let Some(s) = l.value.as_ref().filter(|_| !l.has_errors()) else {
            continue;
        };
        let cal = calibration::calibrate(s, lib);
        let ext = calibration::extremes(s, lib);
        rows.push((cal, ext));
    }
    if rows.is_empty() {
        if format == Format::Json {
            super::json_failure("no playable scenario found", &[]);
        }
        eprintln!("no playable scenario found");
        return ExitCode::from(2);
    }
    let (stages, agreeing, pairs, concordant, overrides, contradictions, declared): (
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = rows.iter().fold((0, 0, 0, 0, 0, 0, 0), |t, (c, _)| {
        (
            t.0 + c.stages,
            t.1 + c.agreeing,
            t.2 + c.pairs,
            t.3 + c.concordant,
            t.4 + c.overrides,
            t.5 + c.contradictions.len(),
            t.6 + c.declared,
        )
    });
    match format {
        Format::Json => {
            let doc = serde_json::json!({
                "scenarios": rows.iter().map(|(c, e)| serde_json::json!({"calibration": c, "plays": e})).collect::<Vec<_>>(),
                "total": {
                    "stages": stages, "agreeing": agreeing, "pairs": pairs, "concordant": concordant,
                    "overrides": overrides, "contradictions": contradictions, "declared": declared,
                },
            });
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Format::Human => {
            let play = |p: &Option<calibration::PlaySummary>| {
                p.as_ref().map_or("-".to_owned(), |p| {
                    format!("{:.0}% {}", p.accuracy, p.ending.as_deref().unwrap_or("unfinished"))
                })
            };
            println!(
                "{:<28} {:>7} {:>7} {:>6} {:>4}  {:<28} {:<28} worst play",
                "scenario", "stages", "agree", "pairs", "ovr", "best play", "declared play"
            );
            for (c, e) in &rows {
                println!(
                    "{:<28} {:>7} {:>6.0}% {:>5.0}% {:>4}  {:<28} {:<28} {}",
                    c.scenario,
                    c.stages,
                    c.agreement() * 100.0,
                    c.pair_agreement() * 100.0,
                    c.overrides,
                    play(&e.best),
                    play(&e.declared),
                    play(&e.worst)
                );
            }
            println!(
                "total: {} scenarios, {stages} stages, {agreeing} agree ({:.0}%), {concordant} of {pairs} declared pairs ordered as declared ({:.0}%), {overrides} overrides, {contradictions} contradictions, {declared} options with a declared intent",
                rows.len(),
                100.0 * agreeing as f32 / stages.max(1) as f32,
                100.0 * concordant as f32 / pairs.max(1) as f32
            );
            for (c, _) in &rows {
                for x in &c.contradictions {
                    println!("  {} {} {}: {}", c.scenario, x.code, x.stage, x.message);
                }
            }
            if per_stage {
                for (c, _) in &rows {
                    println!("\n== {} ==", c.scenario);
                    for (stage, ranked) in &c.rankings {
                        println!("{stage}");
                        let mut ranked: Vec<_> = ranked.iter().collect();
                        ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
                        for r in ranked {
                            let e = &r.evaluation;
                            let terms: Vec<String> = e
                                .fit
                                .parts
                                .iter()
                                .map(|p| format!("{}{:+.2}", term_name(p, &c.people), p.value))
                                .collect();
                            println!(
                                "  {:>5.1} {:<13} {:<32} fit {:+.2}{} [{}] cf {:.2} all {:+.3}",
                                r.score,
                                r.intent.map_or("-", |i| i.label()),
                                r.option,
                                e.fit.total,
                                if e.fit.overridden { "*" } else { "" },
                                terms.join(" "),
                                e.common_factors.total,
                                e.alliance.mean() + e.expected_repair
                            );
                        }
                    }
                }
            }
        }
    }
    ExitCode::SUCCESS
}

/// `rapport analyze FILE --stages`: per stage, each option's computed numbers beside its declared intent, so an
/// author sees at once where the model disagrees with her.
pub fn stages(lib: &Library, file: &Path, format: Format) -> ExitCode {
    use rapport::engine::format::scenario::Intent;
    use rapport::engine::play::scoring::{MoveClass, classify};
    let l = rapport::engine::load::load_scenario_file(file, &lib.catalog);
    if l.has_errors() {
        if format == Format::Json {
            super::json_failure(
                &format!("{} cannot be analysed until these errors are fixed", file.display()),
                &l.diagnostics,
            );
        }
        eprint!(
            "{}",
            rapport::engine::load::diagnostic::render(&l.diagnostics, Some(&l.locator))
        );
        return ExitCode::from(1);
    }
    let Some(s) = l.value else {
        return ExitCode::from(1);
    };
    let cal = rapport::engine::author::calibration::calibrate(&s, lib);
    // Where a declared intent and the computed class disagree by more than a step.
    let disagrees = |intent: Option<Intent>, class: MoveClass| match intent {
        Some(Intent::Best) => class > MoveClass::Good,
        Some(Intent::Good) => class > MoveClass::Questionable,
        Some(Intent::Poor | Intent::Harmful) => class <= MoveClass::Good,
        _ => false,
    };
    let mut rows = Vec::new();
    for (stage, ranked) in &cal.rankings {
        let top = ranked.iter().map(|r| r.score).fold(f32::MIN, f32::max);
        let mut sorted: Vec<&rapport::engine::author::calibration::Ranked> = ranked.iter().collect();
        sorted.sort_by(|a, b| b.score.total_cmp(&a.score));
        let opts: Vec<_> = sorted
            .into_iter()
            .map(|r| {
                let class = classify(top - r.score, false, &lib.weights);
                (r, class, disagrees(r.intent, class))
            })
            .collect();
        rows.push((stage, opts));
    }
    if format == Format::Json {
        let doc: Vec<_> = rows
            .iter()
            .map(|(stage, opts)| {
                serde_json::json!({
                    "stage": stage,
                    "options": opts.iter().map(|(r, class, dis)| serde_json::json!({
                        "option": r.option, "intent": r.intent, "score": r.score, "class": class,
                        "disagrees": dis, "evaluation": r.evaluation,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    println!(
        "{}: {} stages met; each option at the state the stage is first met in, best first (`*` an override, `!!` the declared intent and the computed class disagree)",
        s.id,
        rows.len()
    );
    let mut n = 0;
    for (stage, opts) in &rows {
        let title = s.stage(stage).map_or("", |st| st.title.as_str());
        println!(
            "\n{stage}{}",
            if title.is_empty() {
                String::new()
            } else {
                format!(": {title}")
            }
        );
        for (r, class, dis) in opts {
            let e = &r.evaluation;
            n += usize::from(*dis);
            println!(
                "  {} {:<30} {:>5.1} {:<12} declared {:<12} fit {:+.2}{} ({})  alliance {:+.3} (goal {:+.2} task {:+.2} bond {:+.2})  cf {:.2}",
                if *dis { "!!" } else { "  " },
                r.option,
                r.score,
                class.label(),
                r.intent.map_or("-", |i| i.label()),
                e.fit.total,
                if e.fit.overridden { "*" } else { "" },
                e.fit.band.label(),
                e.alliance.mean() + e.expected_repair,
                e.alliance.goal,
                e.alliance.task,
                e.alliance.bond,
                e.common_factors.total
            );
            let terms: Vec<String> = e
                .fit
                .parts
                .iter()
                .map(|p| format!("{} {:+.2}x{:.2}", term_name(p, &cal.people), p.value, p.weight))
                .collect();
            println!("       terms: {}", terms.join(", "));
        }
    }
    println!("\n{n} disagreement(s) between declared intent and computed class");
    ExitCode::SUCCESS
}

/// The first word of a fit term's label, for the compact per-stage table.
fn short(label: &str) -> &str {
    label.split_whitespace().next().unwrap_or(label)
}

/// A fit term's short name; in a room, with the id of the person it is about (`daniel:coping`).
fn term_name(p: &rapport::engine::play::scoring::FitPart, people: &[String]) -> String {
    let who = p
        .person
        .and_then(|i| people.get(i))
        .map_or(String::new(), |id| format!("{id}:"));
    format!("{who}{}", short(p.term.label()))
}

/// `rapport techniques`: the catalog an author writes against, filtered by school or word.
pub fn techniques(
    lib: &Library,
    school: Option<&str>,
    word: Option<&str>,
    format: super::TechniquesFormat,
) -> ExitCode {
    use super::TechniquesFormat;
    let lower = |s: &str| s.to_lowercase();
    let list: Vec<_> = lib
        .catalog
        .techniques
        .iter()
        .filter(|t| {
            school.is_none_or(|s| {
                t.schools()
                    .any(|x| lower(&format!("{x:?}")) == lower(s) || lower(x.label()).contains(&lower(s)))
            })
        })
        .filter(|t| {
            word.is_none_or(|w| {
                let w = lower(w);
                lower(&t.id).contains(&w) || lower(&t.name).contains(&w) || lower(&t.description).contains(&w)
            })
        })
        .collect();
    match format {
        TechniquesFormat::Json => println!("{}", serde_json::to_string_pretty(&list).unwrap_or_default()),
        TechniquesFormat::Markdown => print!("{}", lib.catalog.markdown_of(&list)),
        TechniquesFormat::Human => {
            for t in &list {
                let schools: Vec<&str> = t.schools().map(|s| s.label()).collect();
                let names = |g: &[rapport::engine::vocab::Groundwork]| {
                    if g.is_empty() {
                        "-".to_owned()
                    } else {
                        g.iter().map(|x| format!("{x:?}")).collect::<Vec<_>>().join(", ")
                    }
                };
                println!("{} ({}): {}", t.id, t.name, schools.join(", "));
                println!(
                    "    directiveness {:.1}, focus {:+.1}, arousal {:+.1}, intensity {:.1}; answers {}; needs {}; provides {}; {}",
                    t.directiveness,
                    t.focus,
                    t.arousal,
                    t.intensity,
                    if t.answers.is_empty() {
                        "-".to_owned()
                    } else {
                        t.answers.iter().map(|m| m.label()).collect::<Vec<_>>().join(", ")
                    },
                    names(&t.needs),
                    names(&t.provides),
                    t.evidence.label()
                );
                println!("    {}", t.citation);
            }
            println!("{} of {} techniques", list.len(), lib.catalog.techniques.len());
        }
    }
    if list.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn a_long_list_is_summarised_by_its_ends_and_a_short_one_is_whole() {
        let ids = |n: usize| (0..n).map(|i| format!("s{i}")).collect::<Vec<_>>();
        assert_eq!(summary(&ids(3), " -> "), "s0 -> s1 -> s2");
        assert_eq!(summary(&ids(15), ", "), ids(15).join(", "));
        let long = summary(&ids(3_334), " -> ");
        assert_eq!(
            long,
            "s0 -> s1 -> s2 -> s3 -> s4 -> ... 3324 more ... -> s3329 -> s3330 -> s3331 -> s3332 -> s3333"
        );
    }
}
