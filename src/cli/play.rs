//! `rapport play`: a play-through in the terminal, by hand, scripted or automatic.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;

use rapport::engine::format::scenario::Intent;
use rapport::engine::play::session::{ChoiceOutcome, Event, RuptureCause, Session};
use rapport::engine::report::debrief::{self, Debrief};
use rapport::engine::{Library, report::transcript};

use super::{Auto, PlayFormat};

/// Why a scripted choice could not be made: the file, its place in `--choices`, the stage, and the moves open there.
fn script_error(session: &Session, file: &Path, n: usize, pick: &str, e: &dyn std::fmt::Display) -> String {
    let open: Vec<String> = session.available().iter().map(|o| o.id.clone()).collect();
    format!(
        "{}: choice {n} of --choices, `{pick}`, cannot be made at stage `{}`: {e}; the moves open there: {}",
        file.display(),
        session.stage_id(),
        if open.is_empty() {
            "none".to_owned()
        } else {
            open.join(", ")
        }
    )
}

/// Picks the automatic choice at the current stage.
pub fn auto_choice(s: &Session, auto: Auto, rng: &mut StdRng) -> Option<String> {
    let options = s.available();
    if options.is_empty() {
        return None;
    }
    let pick = match auto {
        Auto::Random => options[rng.random_range(0..options.len())],
        Auto::Best => return s.best_move(),
        Auto::Worst => {
            let scored = options.iter().filter_map(|o| s.evaluate(o).ok().map(|e| (e.score, *o)));
            let best = if auto == Auto::Best {
                scored.max_by(|a, b| a.0.total_cmp(&b.0))
            } else {
                scored.min_by(|a, b| a.0.total_cmp(&b.0))
            };
            best?.1
        }
    };
    Some(pick.id.clone())
}

#[expect(
    clippy::too_many_arguments,
    reason = "one argument per command-line flag of `rapport play`"
)]
pub fn run(
    lib: &Library,
    file: &Path,
    seed: u64,
    auto: Option<Auto>,
    choices: Option<Vec<String>>,
    format: PlayFormat,
    save: Option<&Path>,
    student: bool,
) -> ExitCode {
    let json = format == PlayFormat::Json;
    if let Some(n) = choices
        .as_ref()
        .and_then(|c| c.iter().position(|x| x.trim().is_empty()))
    {
        let e = format!(
            "choice {} of --choices is empty: give option ids separated by single commas",
            n + 1
        );
        if json {
            super::json_failure(&e, &[]);
        }
        eprintln!("{e}");
        return ExitCode::from(2);
    }
    let Some(scenario) = super::load_reporting(lib, file, json) else {
        return ExitCode::from(1);
    };
    let mut session = match Session::new(lib, scenario, seed) {
        Ok(s) => s,
        Err(e) => {
            let e = format!("{}: cannot start: {e}", file.display());
            if json {
                super::json_failure(&e, &[]);
            }
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    // With --save, the session is recorded as it is played: each move committed as it is made.
    let mut recording = match save {
        None => None,
        Some(dir) => {
            let Some(mut store) = super::records::open(dir) else {
                return ExitCode::from(1);
            };
            match store.begin(&session, "cli") {
                Ok(id) => Some((store, id)),
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(1);
                }
            }
        }
    };
    let interactive = auto.is_none() && choices.is_none();
    let mut out = std::io::stdout().lock();
    let view = View { student };
    if format == PlayFormat::Text {
        let sc = session.scenario().clone();
        print_intro(&mut out, &sc, student);
        for e in session.events() {
            view.event(&mut out, e, &session);
        }
    }
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let scripted = choices.as_ref().map_or(0, Vec::len);
    let mut script = choices.unwrap_or_default().into_iter().enumerate();
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    // Why a play that is not interactive stopped before an ending (also the `error` of the JSON document).
    let mut failure: Option<String> = None;
    while session.ended().is_none() {
        // Scripted choices first; then `--auto` (if given) plays on from where the script stops.
        if student && format == PlayFormat::Text && !interactive {
            // What the screen shows before the choice: the moves on offer, as the app lists them.
            print_options(&mut out, &session, true);
        }
        let mut from_script = None;
        let pick = if let Some((n, c)) = script.next() {
            from_script = Some(n + 1);
            Some(c)
        } else if let Some(a) = auto {
            auto_choice(&session, a, &mut rng)
        } else if !interactive {
            failure = Some(format!(
                "{}: --choices ran out after {scripted} choice(s) at stage `{}`, before an ending; add the next \
                 option ids, or --auto to play on from there",
                file.display(),
                session.stage_id()
            ));
            break;
        } else {
            prompt(&mut out, &mut input, &session, student)
        };
        let Some(pick) = pick else { break };
        match session.choose(&pick) {
            Ok(events) => {
                if let Some((store, id)) = &mut recording
                    && let Err(e) = store.record(id, &session, &events, None)
                {
                    eprintln!("{e}");
                    return ExitCode::from(1);
                }
                if format == PlayFormat::Text {
                    for e in &events {
                        view.event(&mut out, e, &session);
                    }
                }
            }
            Err(e) => {
                let e = match from_script {
                    Some(n) => script_error(&session, file, n, &pick, &e),
                    None if !interactive => format!("{}: {e}", file.display()),
                    None => e.to_string(),
                };
                if !interactive {
                    if let Some((store, id)) = &mut recording {
                        let _ = store.abandon(id);
                    }
                    failure = Some(e);
                    break;
                }
                eprintln!("{e}");
            }
        }
    }
    if let Some(e) = &failure {
        eprintln!("{e}");
        if recording.is_some() || format != PlayFormat::Json {
            return ExitCode::from(1);
        }
    }
    let d = debrief::debrief(&session);
    if let Some((store, id)) = &mut recording {
        if session.ended().is_none()
            && let Err(e) = store.abandon(id)
        {
            eprintln!("{e}");
        }
        eprintln!("recorded as session {} in {}", &id[..8], store.path().display());
    }
    match format {
        PlayFormat::Json => {
            let doc = serde_json::json!({
                "scenario": session.scenario().id,
                "seed": seed,
                "choices": session.choices(),
                "transcript": session.events(),
                "scores": {
                    "practice": d.practice.score,
                    "fit": d.practice.mean_fit,
                    "common_factors": d.practice.mean_common_factors,
                    "alliance": session.state().alliance(),
                    "split": session.state().split(),
                    "within_system": session.state().within,
                },
                "ending": session.ended(),
                "debrief": d,
                "error": failure,
            });
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        PlayFormat::Transcript => {
            for l in transcript::lines(session.events()) {
                let _ = writeln!(out, "{l}");
            }
        }
        PlayFormat::Text => print_debrief(&mut out, &d),
    }
    if session.ended().is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// What the trainee reads before the session: the title, the summary, the content notes and what the scenario
/// teaches (the app's briefing), and, in the student's view, the intake note.
fn print_intro(out: &mut impl Write, sc: &rapport::engine::Scenario, student: bool) {
    let _ = writeln!(out, "== {} ==\n{}\n", sc.meta.title, sc.meta.summary);
    if !sc.meta.content_notes.is_empty() {
        let notes = sc.meta.content_notes.join("; ");
        let stop = if notes.ends_with(['.', '!', '?']) { "" } else { "." };
        let _ = writeln!(out, "Content notes: {notes}{stop}\n");
    }
    if !sc.meta.learning_objectives.is_empty() {
        let _ = writeln!(out, "What you will practise:");
        for o in &sc.meta.learning_objectives {
            let _ = writeln!(out, "  - {o}");
        }
        let _ = writeln!(out);
    }
    if student {
        let _ = writeln!(out, "Your client: {}\n{}", sc.client.heading(), sc.client.history);
        if !sc.client.presenting_concerns.is_empty() {
            let _ = writeln!(
                out,
                "Presenting concerns: {}.",
                sc.client.presenting_concerns.join("; ")
            );
        }
    }
}

/// The moves on offer, numbered, as the app lists them: the technique's name and the words, or (where the scenario
/// hides technique names) the words alone.
fn print_options(out: &mut impl Write, s: &Session, student: bool) {
    let options = s.available();
    let _ = writeln!(out, "\nWhat do you do?");
    let room = s.state().present.len() > 1;
    let hide = student && s.scenario().meta.hide_technique_names;
    for (i, o) in options.iter().enumerate() {
        let name = s
            .technique(&o.technique)
            .map_or(o.technique.as_str(), |t| t.name.as_str());
        let to = if room {
            format!("  (to {})", s.names_of(&s.default_to(o)))
        } else {
            String::new()
        };
        match (hide, o.say.is_empty()) {
            (true, false) => {
                let _ = writeln!(out, "  {}. \"{}\"{to}", i + 1, o.say);
            }
            (_, true) => {
                let _ = writeln!(out, "  {}. {name}{to}", i + 1);
            }
            (false, false) => {
                let _ = writeln!(out, "  {}. {name}{to}\n     \"{}\"", i + 1, o.say);
            }
        }
    }
}

fn prompt(out: &mut impl Write, input: &mut impl BufRead, s: &Session, student: bool) -> Option<String> {
    let options = s.available();
    print_options(out, s, student);
    let room = s.state().present.len() > 1;
    if room {
        let ids: Vec<&str> = s
            .state()
            .present
            .iter()
            .map(|i| s.state().people[*i].id.as_str())
            .collect();
        let _ = writeln!(
            out,
            "  (to turn a move to one person, type its number and their id: `1 {}`)",
            ids.first().copied().unwrap_or("")
        );
    }
    loop {
        let _ = write!(out, "> ");
        let _ = out.flush();
        let mut line = String::new();
        if input.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let t = line.trim();
        if t == "q" {
            return None;
        }
        let (num, who) = t.split_once(' ').map_or((t, None), |(a, b)| (a, Some(b.trim())));
        match num.parse::<usize>() {
            Ok(n) if (1..=options.len()).contains(&n) => {
                return Some(match who {
                    Some(p) if !p.is_empty() => format!("{}@{p}", options[n - 1].id),
                    _ => options[n - 1].id.clone(),
                });
            }
            _ => {
                let _ = writeln!(out, "type a number from 1 to {}, or q to stop", options.len());
            }
        }
    }
}

/// How the terminal shows a session: the author's view (every term, ids where they help) or the student's (exactly
/// what the app's session screen shows).
struct View {
    student: bool,
}

impl View {
    fn event(&self, out: &mut impl Write, e: &Event, s: &Session) {
        match e {
            Event::Feedback(o) if self.student => {
                let _ = print_student_feedback(out, o, s);
            }
            Event::Ended { ending, outcome } if self.student => {
                let title = s.scenario().ending(ending).map_or("", |e| e.title.as_str());
                let _ = writeln!(out, "\n== The session ends: {title} ({}) ==", outcome.label());
            }
            _ => print_event(out, e, s),
        }
    }
}

fn print_event(out: &mut impl Write, e: &Event, s: &Session) {
    let _ = match e {
        Event::ClientSpeaks {
            text,
            nonverbal,
            speaker,
            also,
            ..
        } => {
            let name = s.name_of(speaker);
            let r = if nonverbal.is_empty() {
                writeln!(out, "\n{name}: \"{text}\"")
            } else {
                writeln!(out, "\n[{nonverbal}]\n{name}: \"{text}\"")
            };
            for a in also {
                let who = s.name_of(&a.person);
                if !a.nonverbal.is_empty() {
                    let _ = writeln!(out, "[{who}: {}]", a.nonverbal);
                }
                if !a.text.is_empty() {
                    let _ = writeln!(out, "{who}: \"{}\"", a.text);
                }
            }
            r
        }
        Event::Feedback(o) => print_feedback(out, o, s),
        Event::ClientReplies { text, speaker, .. } => writeln!(out, "\n{}: \"{text}\"", s.name_of(speaker)),
        Event::CriticalMiss { marker, person, .. } => writeln!(
            out,
            "  !! CRITICAL MISS: {} showed {} {} marker and this move left it unanswered.",
            s.name_of(person),
            rapport::engine::play::scoring::article(marker.label()),
            marker.label()
        ),
        Event::RuptureOpened {
            kind,
            cause: RuptureCause::Move,
            person,
            ..
        } => {
            let whose = if s.is_system() {
                format!(" with {}", s.name_of(person))
            } else {
                String::new()
            };
            writeln!(out, "  ! A {} rupture has opened{whose} after this move.", kind.label())
        }
        Event::RuptureOpened {
            kind,
            cause: RuptureCause::Script,
            ..
        } => {
            writeln!(
                out,
                "  [In the session: a {} rupture opens here, from what has just happened, not from your last move.]",
                kind.label()
            )
        }
        Event::RuptureRepaired { kind, strategy, .. } => {
            writeln!(
                out,
                "  + The {} rupture is repaired ({}).",
                kind.label(),
                strategy.label()
            )
        }
        Event::RepairFailed { kind, .. } => writeln!(
            out,
            "  - The repair did not land; the {} rupture stays open.",
            kind.label()
        ),
        Event::MissedRepair { kind, .. } => {
            writeln!(
                out,
                "  - A {} rupture was open and this move did not address it: a missed repair.",
                kind.label()
            )
        }
        Event::StageChanged { .. } => Ok(()),
        Event::Ended { ending, outcome } => {
            writeln!(out, "\n== Ending: {ending} ({}) ==", outcome.label())
        }
    };
}

fn print_feedback(out: &mut impl Write, o: &ChoiceOutcome, s: &Session) -> std::io::Result<()> {
    let e = &o.evaluation;
    let to = s.turned_to(o);
    writeln!(out, "\n  You chose: {} ({}){to}", o.technique_name, o.school.label())?;
    writeln!(
        out,
        "  {} {}: accuracy {:.0}% against the best move open here",
        o.class.symbol(),
        o.class.label().to_uppercase(),
        o.accuracy
    )?;
    writeln!(
        out,
        "  Fit {:+.2} ({}){}   Common factors {:.2}   Score {:.0}/100 (best open {:.0})",
        e.fit.total,
        e.fit.band.label(),
        if e.fit.overridden {
            format!(" [rated for this moment by the scenario: {}]", o.override_reason)
        } else {
            String::new()
        },
        e.common_factors.total,
        e.score,
        o.best_score
    )?;
    for p in &e.fit.parts {
        writeln!(out, "    {:+.2} x {:.2}  {}", p.value, p.weight, p.why)?;
    }
    writeln!(out, "  {}", o.alliance_words())?;
    if s.is_system() {
        let each: Vec<String> = o
            .people_after
            .iter()
            .zip(s.people())
            .map(|(a, c)| format!("{} {:.2} (bond {:.2})", c.name, a.mean(), a.bond))
            .collect();
        writeln!(out, "  Each person: {}", each.join(", "))?;
        writeln!(
            out,
            "  Split alliance {:.2}{}   Within-system alliance {:.2}",
            o.split_after,
            if o.split_after >= s.weights().system.split_flag {
                " (split)"
            } else {
                ""
            },
            o.within_after.unwrap_or(0.0)
        )?;
    }
    for r in &o.srs {
        let scale = if r.child {
            "Child Session Rating Scale"
        } else {
            "Session Rating Scale"
        };
        let who = if s.is_system() {
            format!(", {}", r.name)
        } else {
            String::new()
        };
        writeln!(
            out,
            "  {scale} (simulated{who}): {:.0}/40{}",
            r.srs.total,
            if r.srs.flagged {
                " - below 36 or a drop: worth asking what would make it better"
            } else {
                ""
            }
        )?;
    }
    if let Some(i) = o.intent.filter(|i| matches!(i, Intent::Poor | Intent::Harmful)) {
        writeln!(out, "  This scenario rates this move {}.", i.label())?;
    }
    if !o.feedback.is_empty() {
        writeln!(out, "  Note: {}", o.feedback)?;
    }
    for b in &o.better {
        writeln!(out, "  Better here: {} (score {:.0}) - {}", b.name, b.score, b.reason)?;
    }
    Ok(())
}

/// The feedback after a choice as the app's session screen shows it: the class, the fit in words, the alliance, the
/// common factors, the teaching note, the two terms that decided the fit, and the better moves.
fn print_student_feedback(out: &mut impl Write, o: &ChoiceOutcome, s: &Session) -> std::io::Result<()> {
    let e = &o.evaluation;
    let to = s.turned_to(o);
    writeln!(out, "\n  You chose: {} ({}){to}", o.technique_name, o.school.label())?;
    writeln!(
        out,
        "  {} {}: accuracy {:.0}%: score {:.0} against {:.0} for the best move open here",
        o.class.symbol(),
        o.class.label().to_uppercase(),
        o.accuracy,
        e.score,
        o.best_score
    )?;
    if let Some(m) = o.critical {
        writeln!(
            out,
            "  Critical miss: the client showed {} {} marker and this move left it unanswered. Risk and dissociation come before anything else.",
            rapport::engine::play::scoring::article(m.label()),
            m.label()
        )?;
    }
    writeln!(
        out,
        "  Fit {:+.2} ({}){}   {}   Common factors {:.2}   Score {:.0}/100",
        e.fit.total,
        e.fit.band.label(),
        if e.fit.overridden {
            format!(" (rated for this moment by the scenario: {})", o.override_reason)
        } else {
            String::new()
        },
        o.alliance_words(),
        e.common_factors.total,
        e.score
    )?;

    for r in &o.srs {
        let scale = if r.child {
            "Child Session Rating Scale"
        } else {
            "Session Rating Scale"
        };
        writeln!(
            out,
            "  {scale} from {}: {:.0}/40{}",
            r.name,
            r.srs.total,
            if r.srs.flagged {
                " (at or below 36, or a drop: ask what would make it better)"
            } else {
                ""
            }
        )?;
    }
    if let Some(i) = o.intent.filter(|i| matches!(i, Intent::Poor | Intent::Harmful)) {
        writeln!(out, "  This scenario rates this move {}.", i.label())?;
    }
    if !o.feedback.is_empty() {
        writeln!(out, "  {}", o.feedback)?;
    }
    // The two terms that decided the verdict, as the app shows them first.
    let parts = e.fit.by_pull();
    writeln!(out, "  What decided the fit:")?;
    for p in parts.iter().take(2) {
        writeln!(out, "    {:+.2}  {}", p.value, p.why)?;
    }
    let carried = e.common_factors.carried();
    if !carried.is_empty() {
        writeln!(out, "  Common factors carried: {}", carried.join(", "))?;
    }
    if let Some(p) = e.repair_chance {
        writeln!(out, "  This was a repair move (chance of repair {:.0}%).", p * 100.0)?;
    }
    if o.better.is_empty() {
        writeln!(out, "  Nothing offered here would have fitted clearly better.")?;
    }
    for b in &o.better {
        writeln!(out, "  Better here: {} (score {:.0}) {}", b.name, b.score, b.reason)?;
    }
    Ok(())
}

fn print_debrief(out: &mut impl Write, d: &Debrief) {
    let _ = writeln!(out, "\n== Debrief ==");
    if !d.ending_title.is_empty() {
        let _ = writeln!(out, "{}\n{}", d.ending_title, d.ending_text);
    }
    let _ = writeln!(
        out,
        "\nYour practice: accuracy {:.0}% ({}) - {}",
        d.practice.accuracy,
        d.practice.verdict.label(),
        d.practice.verdict.explain()
    );
    let classes: Vec<String> = d
        .practice
        .classes
        .iter()
        .map(|(c, n)| format!("{} {n}", c.label()))
        .collect();
    let _ = writeln!(out, "Moves: {}", classes.join(", "));
    if let Some(l) = d.room.as_ref().and_then(|r| r.lesson.as_ref()) {
        let _ = writeln!(out, "Next time, the room: {l}");
    }
    for l in &d.next_time {
        let _ = writeln!(
            out,
            "Next time, step {} ({}): you chose {} ({}).{}",
            l.step,
            l.stage,
            l.chose,
            l.class.label(),
            if l.better.is_empty() {
                String::new()
            } else {
                format!(" Better: {}, because {}.", l.better, l.reason)
            }
        );
    }
    for c in &d.practice.critical {
        let _ = writeln!(out, "  !! Critical miss at step {} ({}): {}", c.step, c.stage, c.what);
    }
    let _ = writeln!(
        out,
        "Absolute figures: score {:.0}/100, mean fit {:+.2}, mean common factors {:.2}, good fit on {:.0}% of moves",
        d.practice.score,
        d.practice.mean_fit,
        d.practice.mean_common_factors,
        d.practice.good_fit_share * 100.0
    );
    let c = &d.client;
    // A client who has dropped out has no dropout risk left to report.
    let risk = if c.outcome == Some(rapport::engine::vocab::Outcome::Dropout) {
        String::new()
    } else {
        format!(", simulated dropout risk {:.0}%", c.dropout_risk * 100.0)
    };
    let _ = writeln!(
        out,
        "The client's course: {}, alliance {:.2} -> {:.2}, ruptures {} opened / {} repaired{risk}",
        c.outcome.map_or("not finished", |o| o.label()),
        c.start_alliance.mean(),
        c.final_alliance.mean(),
        c.ruptures_opened,
        c.ruptures_repaired,
    );
    let traj: Vec<String> = d.trajectory.iter().map(|(_, a)| format!("{:.2}", a.mean())).collect();
    let _ = writeln!(out, "Alliance over the session: {}", traj.join(" -> "));
    if let Some(room) = &d.room {
        for p in &room.people {
            let bonds: Vec<String> = p.bond.iter().map(|b| format!("{b:.2}")).collect();
            let _ = writeln!(
                out,
                "{}'s bond: {} ({} turn(s) to them the others heard as siding)",
                p.name,
                bonds.join(" -> "),
                p.turned_to
            );
        }
        let split: Vec<String> = room.split.iter().map(|x| format!("{x:.2}")).collect();
        let (step, widest) = room.widest;
        let _ = writeln!(
            out,
            "Split alliance: {} (widest {widest:.2}{}{})",
            split.join(" -> "),
            if step == 0 {
                " at the start".to_owned()
            } else {
                format!(" after step {step}")
            },
            if widest >= room.split_flag {
                ": a split alliance, which predicts dropout"
            } else {
                ""
            }
        );
    }
    for m in &d.missed_repairs {
        let _ = writeln!(
            out,
            "Missed repair at step {} ({}): {} rupture, answered with {}",
            m.step, m.stage, m.kind, m.technique
        );
    }
    let _ = writeln!(
        out,
        "\nIntegration pattern (a mirror, not a verdict): {}",
        d.integration.note
    );
    for m in d.integration.modes.iter().take(3) {
        let _ = writeln!(
            out,
            "  {} ({:.2}): {}",
            m.mode.label(),
            m.strength,
            m.evidence.join("; ")
        );
    }
    let _ = writeln!(
        out,
        "  This scenario was built to teach {}.",
        d.integration.intended.label()
    );
    if !d.rubric.is_empty() {
        let items: Vec<String> = d
            .rubric
            .iter()
            .map(|(k, f, a)| match (f, a) {
                (_, 0) => format!("{k} +{f}"),
                (0, _) => format!("{k} -{a}"),
                _ => format!("{k} +{f} -{a}"),
            })
            .collect();
        let _ = writeln!(
            out,
            "\nRubric items touched (+ by sound moves, - by poor ones): {}",
            items.join(", ")
        );
    }
}
