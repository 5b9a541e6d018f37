//! Authoring: the generated technique reference, the scaffold's ids, `rapport upgrade`, the guide's examples, and the
//! checks of plays files and catalogs.

use std::process::Output;

use rapport::engine::load::diagnostic::{Code, Severity};
use rapport::engine::{author::scaffold, load, load::diagnostic};

use crate::common;

use common::rapport;

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_technique_reference_is_generated_from_the_catalog() {
    let committed = std::fs::read_to_string(common::root().join("scenarios/TECHNIQUES.md")).unwrap_or_default();
    let now = common::lib().catalog.markdown();
    assert!(
        committed == now,
        "scenarios/TECHNIQUES.md is stale: regenerate it with\n  cargo run --no-default-features -- techniques --format markdown > scenarios/TECHNIQUES.md"
    );
    // Every technique and every school with its key.
    for t in &common::lib().catalog.techniques {
        assert!(now.contains(&format!("### `{}`", t.id)), "{} missing", t.id);
    }
    assert!(now.contains("(`CognitiveBehavioural`)") && now.contains("(`Common`)"));
    let o = rapport(&["techniques", "--format", "markdown"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), now, "the command prints the same");
}

#[test]
fn the_scaffold_follows_the_guides_id_conventions() {
    assert_eq!(scaffold::prefix("nurse_burnout"), "nb");
    assert_eq!(scaffold::prefix("grief"), "gri");
    let lib = common::lib();
    let src = scaffold::scenario("nurse_burnout");
    let l = load::load_scenario_calibrated(&src, "nurse_burnout.ron", &lib, None);
    assert!(
        l.diagnostics.is_empty(),
        "{}",
        rapport::engine::load::diagnostic::render(&l.diagnostics, Some(&l.locator))
    );
    let s = l.value.expect("loads");
    assert!(s.start.starts_with("nb_"));
    for st in &s.stages {
        assert!(st.id.starts_with("nb_"), "stage {}", st.id);
        for o in &st.choices {
            assert!(o.id.starts_with(&format!("{}.", st.id)), "option {}", o.id);
        }
        for line in &st.client {
            assert!(line.id.starts_with(&format!("{}.", st.id)), "line {}", line.id);
        }
        for line in &st.rupture_lines {
            assert!(line.id.starts_with(&format!("{}.", st.id)), "rupture line {}", line.id);
        }
    }
    for o in &s.standing {
        assert!(o.id.starts_with("nb_"), "standing {}", o.id);
    }
    for e in &s.endings {
        assert!(e.id.starts_with("nb_end_"), "ending {}", e.id);
    }
    let first = s.stages.iter().find(|st| st.id == s.start).expect("the start stage");
    assert!(
        first.rupture_lines.is_empty(),
        "no rupture can be open when the first stage is entered"
    );
}

#[test]
fn upgrade_writes_version_two_keeping_comments_and_the_story() {
    let dir = tempfile::tempdir().expect("tempdir");
    let v1 = common::fixture("minimal.ron");
    let original = std::fs::read_to_string(&v1).expect("fixture");
    assert!(original.contains("version: 1"));
    let out = dir.path().join("minimal.ron");
    let o = rapport(&[
        "upgrade",
        &v1.to_string_lossy(),
        "-o",
        &out.to_string_lossy(),
        "--intents",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("`version: 1` is now `version: 2`"), "{}", text(&o));
    let upgraded = std::fs::read_to_string(&out).expect("written");
    assert!(upgraded.contains("version: 2"));
    for comment in original.lines().filter(|l| l.trim_start().starts_with("//")) {
        assert!(upgraded.contains(comment), "comment lost: {comment}");
    }
    // Checks clean: not even the version-1 note.
    let c = rapport(&["check", &out.to_string_lossy()]);
    assert_eq!(c.status.code(), Some(0));
    assert!(
        text(&c).contains("1 clean, 0 error(s), 0 warning(s), 0 note(s)"),
        "{}",
        text(&c)
    );
    // Plays the same transcript, on every path.
    for choices in [
        "open.reflect,middle.reflect",
        "open.restructure,middle.meta",
        "open.reflect,middle.meta",
    ] {
        let play = |f: &std::path::Path| {
            let o = rapport(&[
                "play",
                &f.to_string_lossy(),
                "--choices",
                choices,
                "--format",
                "transcript",
                "--seed",
                "3",
            ]);
            String::from_utf8_lossy(&o.stdout).into_owned()
        };
        let (a, b) = (play(&v1), play(&out));
        assert!(!a.is_empty());
        assert_eq!(a, b, "{choices}");
    }
    // Without --intents the options without intent are listed as still to do, and the file has no errors.
    let plain = dir.path().join("plain.ron");
    let o = rapport(&["upgrade", &v1.to_string_lossy(), "-o", &plain.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).contains("declares no intent (R603)"), "{}", text(&o));
    assert_eq!(rapport(&["check", &plain.to_string_lossy()]).status.code(), Some(0));
    // Refused: a version-2 file, and a file that does not check clean (the source is never touched).
    let o = rapport(&["upgrade", &out.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("already version 2"), "{}", text(&o));
    let warned = dir.path().join("warned.ron");
    std::fs::copy(common::fixture("broken/R404_unused_variable.ron"), &warned).expect("copy");
    let before = std::fs::read_to_string(&warned).expect("copy");
    let o = rapport(&["upgrade", &warned.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("does not check clean"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&warned).expect("still there"), before);
}

#[test]
fn an_override_gets_its_reason_from_the_feedback() {
    let src = std::fs::read_to_string(common::fixture("minimal.ron")).expect("fixture");
    let src = src.replace(
        r#"say: "Let's look at the evidence for that thought."),"#,
        r#"say: "Let's look at the evidence for that thought.", feedback: "Too soon: no rationale yet. More follows.", fit: -0.4),"#,
    );
    assert!(src.contains("fit: -0.4"));
    let up = scaffold::upgrade(&src, "m.ron", &common::lib(), None, true).expect("upgrades");
    assert!(
        up.text.contains(r#"reason: "Too soon: no rationale yet.""#),
        "{}",
        up.text
    );
    let l = load::load_scenario_calibrated(&up.text, "m.ron", &common::lib(), None);
    assert!(!l.diagnostics.iter().any(|d| d.code == Code::R606));
}

#[test]
fn a_version_one_file_gets_a_note_naming_upgrade() {
    let o = rapport(&["check", "tests/fixtures/minimal.ron"]);
    assert_eq!(o.status.code(), Some(0), "a note never fails the check");
    assert!(text(&o).contains("note[R604]") && text(&o).contains("rapport upgrade FILE"));
}

/// Item D1 of the robustness review: whatever follows the word `Plays` must be a Plays document.
#[test]
fn plays_files_are_validated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let minimal = std::fs::read_to_string(common::fixture("minimal.ron")).expect("fixture");
    for (name, src) in [
        ("word_only.ron", "Plays\n".to_owned()),
        ("garbage.ron", "PlaysXYZ ((( garbage\n".to_owned()),
        ("scenario_body.ron", minimal.replacen("Scenario(", "Plays(", 1)),
        (
            "missing_scenario.ron",
            "Plays(scenario: \"nowhere.ron\", plays: [])\n".to_owned(),
        ),
    ] {
        let f = dir.path().join(name);
        std::fs::write(&f, src).expect("write");
        let o = rapport(&["check", &f.to_string_lossy()]);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", text(&o));
        assert!(
            text(&o).contains(&format!("{name}:")),
            "{name} has a position: {}",
            text(&o)
        );
    }
    let o = rapport(&["check", "tests/golden/tutorial.plays.ron"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

/// Item D8: an empty catalog, an empty technique id, an unsupported catalog version.
#[test]
fn catalog_checks() {
    let codes = |src: &str| -> Vec<Code> {
        load::load_catalog_str(src, "c.ron")
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.code)
            .collect()
    };
    assert!(codes("Catalog(version: 1, techniques: [])").contains(&Code::R501));
    assert!(codes("Catalog(version: 2, techniques: [])").contains(&Code::R007));
    let builtin = std::fs::read_to_string(common::root().join("assets/techniques.ron")).expect("catalog");
    assert!(codes(&builtin).is_empty());
    let at = builtin.find("id: \"").expect("an id");
    let end = builtin[at + 5..].find('"').expect("closing quote") + at + 5;
    let blank = format!("{}id: \"{}", &builtin[..at], &builtin[end..]);
    let l = load::load_catalog_str(&blank, "c.ron");
    let d = l.diagnostics.iter().find(|d| d.code == Code::R402).expect("R402");
    assert!(d.line > 0, "with a position");
}

/// R005's suggestion names every candidate as close as the best, not one at random.
#[test]
fn r005_names_ties() {
    let src = std::fs::read_to_string(common::fixture("minimal.ron")).expect("fixture");
    let src = src.replacen("phase: Rapport,", "phase: Rapport, markers: [Rupture(Complaint)],", 1);
    let l = load::load_scenario_str(&src, "m.ron", &common::lib().catalog, None);
    let d = l.diagnostics.iter().find(|d| d.code == Code::R005).expect("R005");
    let help = d.help.clone().unwrap_or_default();
    assert!(
        help.contains("ComplaintAboutTask") && help.contains("ComplaintAboutTherapist"),
        "{help}"
    );
    assert_eq!(
        diagnostic::suggest_all("Assesment", ["Assessment", "Rapport"].into_iter()),
        vec!["Assessment"]
    );
}

/// One fenced RON block of the guide and how it was checked.
#[derive(Debug)]
enum Checked {
    Whole,
    Plays,
    Spliced,
    TutorialExcerpt,
    Ignored(#[allow(dead_code, reason = "shown in the failure message")] String),
}

/// Comments out, whitespace out: the shape of RON text, for finding an excerpt in a file.
fn shape(src: &str) -> String {
    let mut out = String::new();
    let mut in_str = false;
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        if in_str {
            out.push(c);
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
            out.push(c);
        } else if c == '/' && chars.peek() == Some(&'/') {
            for n in chars.by_ref() {
                if n == '\n' {
                    break;
                }
            }
        } else if (c == ')' || c == ']') && out.ends_with(',') {
            // A trailing comma is optional in RON.
            out.pop();
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// The block is the tutorial's text, where `...` stands for what the guide leaves out.
fn is_tutorial_excerpt(block: &str, tutorial: &str) -> bool {
    let t = shape(tutorial);
    let mut at = 0;
    let b = shape(block);
    for piece in b.trim_end_matches(',').split("...").filter(|p| !p.is_empty()) {
        match t[at..].find(piece) {
            Some(i) => at += i + piece.len(),
            None => return false,
        }
    }
    true
}

/// The block spliced into the smallest version-2 scenario where the format allows it; `None` for a block that
/// is not a fragment of a scenario.
fn splice(block: &str, base: &str) -> Option<String> {
    let b = block.trim();
    let field = b.split(':').next().unwrap_or("").trim();
    let strip = |b: &str| b.trim_end().trim_end_matches(',').to_owned();
    if b.starts_with('(') {
        return Some(base.replacen("options: [", &format!("options: [\n{},", strip(b)), 1));
    }
    match field {
        "weights" | "people" | "standing" | "requires" | "groundwork" => Some(base.replacen(
            "    start: \"open\",",
            &format!("{},\n    start: \"open\",", strip(b)),
            1,
        )),
        "variables" => {
            let body = strip(b).replacen("variables: [", "variables: [(id: \"heard\", initial: Bool(false)),", 1);
            let start = base.find("    variables: [")?;
            let end = base[start..].find("\n    ],\n")? + start + "\n    ],\n".len();
            Some(format!("{}{},\n{}", &base[..start], body, &base[end..]))
        }
        "meta" => {
            let start = base.find("    meta: (")?;
            let end = base[start..].find("\n    ),\n")? + start + "\n    ),\n".len();
            Some(format!("{}{},\n{}", &base[..start], strip(b), &base[end..]))
        }
        _ => None,
    }
}

/// Item 8 of issue 14: every RON example in the guide checks. Whole scenarios check clean; golden play files
/// pass against their scenario; fragments check without errors when spliced into a minimal scenario, or are
/// the tutorial's own text (which checks clean); a block marked `<!-- ron-example: ignore (reason) -->` is
/// counted, and must give its reason.
#[test]
fn the_guides_ron_examples_check() {
    let root = common::root();
    let guide = std::fs::read_to_string(root.join("scenarios/README.md")).expect("the guide");
    let tutorial = std::fs::read_to_string(root.join("scenarios/tutorial.ron")).expect("the tutorial");
    let base = std::fs::read_to_string(common::fixture("minimal_v2.ron")).expect("fixture");
    let lib = common::lib();
    let lines: Vec<&str> = guide.lines().collect();
    let mut results: Vec<(usize, Checked)> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "```ron" {
            i += 1;
            continue;
        }
        let at = i + 1;
        let marker = i.checked_sub(1).map(|j| lines[j].trim()).unwrap_or("");
        let end = (at..lines.len())
            .find(|&j| lines[j].trim() == "```")
            .expect("closed block");
        let block = lines[at..end].join("\n");
        i = end + 1;
        if let Some(rest) = marker.strip_prefix("<!-- ron-example: ignore") {
            let reason = rest.trim_end_matches("-->").trim().trim_matches(['(', ')']).trim();
            assert!(
                !reason.is_empty(),
                "README.md:{at}: an ignored example gives its reason"
            );
            results.push((at, Checked::Ignored(reason.to_owned())));
            continue;
        }
        let trimmed = block.trim_start();
        if trimmed.starts_with("Plays(") {
            // Relative to tests/golden, where the guide's example lives.
            let here = root.join("tests/golden/x.plays.ron");
            let l = load::load_plays_str(&block, "guide.plays.ron", &here);
            let Some(plays) = l.value else {
                failures.push(format!("README.md:{at}: the Plays example does not parse"));
                continue;
            };
            let path = plays.scenario_path(&here);
            let s = common::load_clean(&path);
            for play in &plays.plays {
                let r = rapport::engine::author::golden::run_play(play, s.clone(), &lib);
                if !r.passed {
                    failures.push(format!(
                        "README.md:{at}: the play `{}` drifts: {:?}",
                        play.name, r.drift
                    ));
                }
            }
            results.push((at, Checked::Plays));
        } else if trimmed.starts_with("Scenario(") {
            let l = load::load_scenario_calibrated(&block, "guide.ron", &lib, None);
            if !l.diagnostics.is_empty() {
                failures.push(format!(
                    "README.md:{at}: the scenario does not check clean:\n{}",
                    rapport::engine::load::diagnostic::render(&l.diagnostics, Some(&l.locator))
                ));
            }
            results.push((at, Checked::Whole));
        } else if is_tutorial_excerpt(&block, &tutorial) {
            results.push((at, Checked::TutorialExcerpt));
        } else if let Some(src) = splice(&block, &base) {
            let l = load::load_scenario_str(&src, "guide.ron", &lib.catalog, None);
            if l.has_errors() {
                failures.push(format!(
                    "README.md:{at}: the fragment does not check in a minimal scenario:\n{}",
                    rapport::engine::load::diagnostic::render(&l.diagnostics, Some(&l.locator))
                ));
            }
            results.push((at, Checked::Spliced));
        } else {
            failures.push(format!(
                "README.md:{at}: the example is neither a scenario, a plays file, a fragment that can be spliced, nor the tutorial's text; fix it or mark it `<!-- ron-example: ignore (reason) -->`"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let ignored = results.iter().filter(|(_, c)| matches!(c, Checked::Ignored(_))).count();
    assert!(results.len() >= 8, "{results:?}");
    assert!(ignored <= 1, "at most one example left unchecked: {results:?}");
    assert!(results.iter().any(|(_, c)| matches!(c, Checked::Plays)));
    assert!(results.iter().any(|(_, c)| matches!(c, Checked::Spliced)));
    assert!(results.iter().any(|(_, c)| matches!(c, Checked::TutorialExcerpt)));
    let _ = Checked::Whole;
}

/// The scoring model reference lives in the repository, and every section the code and the data cite exists in it
/// (a clone has no dangling "section N").
#[test]
fn every_citation_of_the_scoring_model_reference_names_a_section_it_has() {
    let root = common::root();
    let reference = std::fs::read_to_string(root.join("scenarios/SCORING-MODEL.md")).expect("the reference");
    let mut files = load::files_under(&root.join("src"));
    files.extend([root.join("assets/weights.ron"), root.join("assets/techniques.ron")]);
    let mut cited = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        assert!(
            !text.contains("shared/design/") && !text.contains("scoring-model.md"),
            "{}: cites the scoring model outside the repository; cite scenarios/SCORING-MODEL.md",
            f.display()
        );
        for (at, _) in text.match_indices("SCORING-MODEL.md") {
            let rest = text[at..]
                .trim_start_matches("SCORING-MODEL.md")
                .trim_start_matches('`');
            if let Some(n) = rest.trim_start().strip_prefix("section ") {
                let n: String = n.chars().take_while(char::is_ascii_digit).collect();
                assert!(
                    reference.contains(&format!("\n## {n}. ")),
                    "{}: cites section {n}, which SCORING-MODEL.md does not have",
                    f.display()
                );
                cited += 1;
            }
        }
    }
    assert!(cited >= 12, "only {cited} citations by section found");
}
