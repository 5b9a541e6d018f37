//! `rapport new`: a valid scenario scaffold with every section present and commented.

/// A scaffold for a scenario with this id; it checks clean against the built-in catalog.
pub fn scenario(id: &str) -> String {
    let id: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    TEMPLATE.replace("{p}", &prefix(&id)).replace("{id}", &id)
}

/// The id prefix the guide asks for (scenarios/README.md, "Files and ids"): the initials of a scenario id of
/// several words (`anxiety_depression` gives `ad`), else its first three letters (`grief` gives `gri`).
pub fn prefix(id: &str) -> String {
    let words: Vec<&str> = id.split('_').filter(|w| !w.is_empty()).collect();
    let p: String = if words.len() >= 2 {
        words.iter().filter_map(|w| w.chars().next()).collect()
    } else {
        id.chars().filter(|c| *c != '_').take(3).collect()
    };
    if p.is_empty() {
        "sc".to_owned()
    } else if p.starts_with(|c: char| c.is_ascii_digit()) {
        format!("s{p}")
    } else {
        p
    }
}

const TEMPLATE: &str = r##"// A new Rapport scenario. Every section is here; replace the placeholder text and numbers.
// The format is described in scenarios/README.md; scenarios/tutorial.ron is a complete annotated example.
// Check it as you write:   rapport check {id}.ron      Play it:   rapport play {id}.ron
// Ids are stable and prefixed with the scenario's prefix (`{p}_` here): stages `{p}_opening`, options
// `{p}_opening.reflect`, lines `{p}_opening.a`, endings `{p}_end_good`. Never rename one a class has used.
Scenario(
    version: 2,                 // the format version (1 still loads)
    id: "{id}",                 // stable id: records and golden plays refer to it

    meta: (
        title: "Title shown on the library card",
        summary: "One or two sentences: who the client is and what the session is about.",
        learning_objectives: [
            "What a student should be able to do after playing this",
        ],
        population: ["adult"],                 // free tags for the library filter
        setting_tags: ["outpatient"],
        difficulty: Introductory,              // Introductory | Intermediate | Advanced
        content_notes: [],                     // e.g. "mentions self-harm"
        references: ["Author (year). Title. Journal."],
        integration_mode: CommonFactors,       // the mode this scenario teaches (see scenarios/README.md)
        minutes: 10,
    ),

    // The client's intake: the variables of the scoring model (ranges in scenarios/README.md).
    client: (
        name: "Client",
        age: 30,
        pronouns: "they/them",
        history: "What an intake note would say: context, history, what brings them now.",
        presenting_concerns: ["low mood"],
        reactance: (trait: 0.4, state: 0.4),   // 0..1: how much they push back against direction
        coping_style: 0.0,                     // -1 internalizing .. +1 externalizing
        distress: 0.5,                         // 0..1
        impairment: 0.4,                       // 0..1
        stage_of_change: Contemplation,        // Precontemplation | Contemplation | Preparation | Action | Maintenance
        preferences: (likes: [], dislikes: [], strength: 0.0, note: ""),
        culture: (tags: [], explanatory_model: "", salience: 0.0),
        religion_salience: 0.0,
        rupture_style: Withdrawal,             // Withdrawal | Confrontation
        expectancy: 0.5,
        alliance: (goal: 0.5, task: 0.5, bond: 0.5),
        setting: (format: Individual, delivery: InPerson),
        look: (skin: "#c68c6b", hair: "#3b2a20", clothing: "#4a6fa5"),
    ),

    // Variables that options set and transitions read (Bool or Number).
    variables: [
        (id: "felt_heard", initial: Bool(false), description: "set when the trainee reflects the feeling"),
    ],

    start: "{p}_opening",

    // Moves offered at every stage: the trainee can always check safety. Write what this client answers.
    standing: [
        (
            id: "{p}_standing.safety",
            technique: "risk_assessment",
            say: "Sometimes when people feel this low they have thoughts of not wanting to be here. Has anything like that crossed your mind?",
            feedback: "When and why a proportionate safety question is warranted for this client.",
            reply: "What this client answers, true to their history.",
        ),
    ],

    stages: [
        (
            id: "{p}_opening",
            phase: Rapport,                    // Assessment | Rapport | Formulation | GoalsAndPsychoeducation | Intervention | Monitoring | Closure
            title: "First minutes",
            client: [
                (id: "{p}_opening.a", text: "What the client says. Add variants; one is picked per session."),
            ],
            nonverbal: "What the trainee sees (shown before the client's words).",
            // No `rupture_lines` here: no rupture can be open when the first stage is entered.
            markers: [],                       // e.g. Process(Vulnerability), Rupture(MinimalResponse)
            options: [
                (
                    id: "{p}_opening.reflect",
                    technique: "empathic_reflection",
                    intent: Best,                  // Best | Good | Questionable | Poor | Harmful: `rapport check` holds the scoring to it
                    say: "What the therapist says, in this client's context.",
                    feedback: "Why this fits (or not) this client now.",
                    effects: [Set("felt_heard", Bool(true))],
                ),
                (
                    id: "{p}_opening.advise",
                    technique: "direct_advice",
                    intent: Poor,
                    manner: [Imposed, Premature],  // how the words deliver it: Collaborative | Imposed | Premature | Tentative | Dismissive | WarmthOnly
                    say: "A directive move, for contrast.",
                    feedback: "Why this is premature here.",
                ),
            ],
            transitions: [
                (when: RuptureOpen, to: "{p}_repair"),
                (to: "{p}_work"),
            ],
        ),
        (
            id: "{p}_repair",
            phase: Rapport,
            title: "Something shifted",
            client: [(id: "{p}_repair.a", text: "I'm not sure this is helping.")],
            // What the client says instead while a rupture of that kind is open (this stage is met with one open).
            rupture_lines: [
                (id: "{p}_repair.withdrawn", kind: Withdrawal, text: "Fine. Whatever you think."),
                (id: "{p}_repair.confronts", kind: Confrontation, text: "I don't see how this is supposed to help me."),
            ],
            options: [
                (id: "{p}_repair.meta", technique: "metacommunication", intent: Best, say: "I notice something changed just now. Can we look at it together?"),
                (id: "{p}_repair.push", technique: "problem_solving", intent: Poor, manner: [Imposed], say: "Let's keep going with the plan."),
            ],
            transitions: [
                (when: RuptureRepaired, to: "{p}_work"),
                (to: "{p}_end_early"),
            ],
        ),
        (
            id: "{p}_work",
            phase: Intervention,
            title: "The work",
            client: [(id: "{p}_work.a", text: "What the client says once the work begins.")],
            options: [
                (id: "{p}_work.goals", technique: "collaborative_goal_setting", intent: Best, say: "What would you like to be different by the time we finish?"),
                (id: "{p}_work.restructure", technique: "cognitive_restructuring", intent: Questionable, manner: [Premature], say: "Let's look at the evidence for that thought."),
            ],
            transitions: [
                (when: All([Flag("felt_heard"), Alliance(AtLeast(0.55))]), to: "{p}_end_good"),
                (to: "{p}_end_mixed"),
            ],
        ),
    ],

    endings: [
        (id: "{p}_end_good", title: "A good start", outcome: Improved, debrief: "What happened and why, in terms a student can learn from."),
        (id: "{p}_end_mixed", title: "A cautious start", outcome: Partial, debrief: "What went partly well, and what would have helped."),
        (id: "{p}_end_early", title: "The client did not return", outcome: Dropout, debrief: "Unrepaired ruptures predict dropout (Eubanks, Muran & Safran 2018).",
            // Paragraphs shown only when their condition holds: say what happened on this path.
            notes: [(when: Not(Done(RiskAssessed)), text: "Nobody asked about safety before the client left.")]),
    ],
)
"##;

/// What `rapport upgrade` made of a version-1 file.
#[derive(Debug, Clone)]
pub struct Upgraded {
    /// The version-2 text: the file as it was, comments and layout kept, with the edits below.
    pub text: String,
    /// Each edit made, for the author to read.
    pub changes: Vec<String>,
    /// What version 2 asks for that the upgrade could not write for the author.
    pub todo: Vec<String>,
}

/// Upgrades the text of a version-1 scenario to version 2 by editing it in place, so comments and layout
/// survive. Version 2 reads every version-1 field the same way; what it adds is optional, and two of its
/// checks apply only from version 2: an override states its `reason` (R606; the upgrade copies the first
/// sentence of the option's `feedback`, where version 1 put the explanation) and every option declares its
/// `intent` (R603; with `intents`, the upgrade writes the class the engine gives the option where the stage is
/// first met, for the author to review, else it lists them). A file that does not check clean is refused.
pub fn upgrade(
    src: &str,
    file: &str,
    lib: &crate::engine::Library,
    dir: Option<&std::path::Path>,
    intents: bool,
) -> Result<Upgraded, String> {
    use crate::engine::format::scenario::Intent;
    use crate::engine::load::diagnostic::Severity;
    let l = crate::engine::load::load_scenario_calibrated(src, file, lib, dir);
    let problems: Vec<String> = l
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Note)
        .map(|d| {
            format!(
                "{}:{}:{}: {:?}[{}] {}",
                d.file, d.line, d.column, d.severity, d.code, d.message
            )
        })
        .collect();
    if !problems.is_empty() {
        return Err(format!(
            "{file} does not check clean ({} problem(s)); fix them first (`rapport check {file}`):\n  {}",
            problems.len(),
            problems.join("\n  ")
        ));
    }
    let Some(s) = l.value.as_ref() else {
        return Err(format!("{file} could not be read as a scenario"));
    };
    if s.version != 1 {
        return Err(format!("{file} is already version {}: nothing to upgrade", s.version));
    }
    let loc = &l.locator;
    let text_at = |sp: crate::engine::load::source::Span| &src[sp.start..sp.end];
    // (offset, bytes removed, text inserted), applied from the end.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut changes = Vec::new();
    let mut todo = Vec::new();
    match loc.find("version") {
        Some(sp) if text_at(sp).trim() == "1" => {
            edits.push((sp.start, sp.end - sp.start, "2".into()));
            changes.push("`version: 1` is now `version: 2`".to_owned());
        }
        _ => return Err(format!("{file}: cannot find `version: 1` in the text")),
    }
    let computed: std::collections::HashMap<String, Intent> = if intents {
        let cal = crate::engine::author::calibration::calibrate(s, lib);
        let classes = &lib.weights.classes;
        cal.rankings
            .iter()
            .flat_map(|(_, ranked)| {
                let top = ranked.iter().map(|r| r.score).fold(f32::MIN, f32::max);
                ranked.iter().map(move |r| {
                    let loss = top - r.score;
                    let i = if loss <= classes.best {
                        Intent::Best
                    } else if loss <= classes.good {
                        Intent::Good
                    } else if loss <= classes.questionable {
                        Intent::Questionable
                    } else {
                        Intent::Poor
                    };
                    (r.option.clone(), i)
                })
            })
            .collect()
    } else {
        Default::default()
    };
    let quote = |t: &str| t.replace('\\', "\\\\").replace('"', "\\\"");
    for (i, st) in s.stages.iter().enumerate() {
        for (j, o) in st.choices.iter().enumerate() {
            let path = format!("stages[{i}].options[{j}].id");
            let Some(id_span) = loc.find(&path).filter(|sp| text_at(*sp).contains(o.id.as_str())) else {
                return Err(format!("{file}: cannot find the option `{}` in the text", o.id));
            };
            let mut add = String::new();
            if o.intent.is_none() {
                match computed.get(o.id.as_str()) {
                    Some(i) => {
                        add.push_str(&format!(", intent: {i:?}"));
                        changes.push(format!(
                            "`{}`: `intent: {i:?}`, the engine's class for it now: review it",
                            o.id
                        ));
                    }
                    None => todo.push(format!("`{}` declares no intent (R603)", o.id)),
                }
            }
            if (o.fit.is_some() || o.alliance.is_some()) && o.reason.trim().is_empty() {
                let first = o.feedback.split_inclusive(". ").next().unwrap_or("").trim().to_owned();
                let reason = if first.is_empty() {
                    "The author sets this move's score.".to_owned()
                } else {
                    first
                };
                add.push_str(&format!(", reason: \"{}\"", quote(&reason)));
                changes.push(format!(
                    "`{}` overrides the fit or alliance: `reason` copied from the first sentence of its feedback",
                    o.id
                ));
            }
            if !add.is_empty() {
                edits.push((id_span.end, 0, add));
            }
        }
    }
    if changes.len() == 1 && todo.is_empty() {
        changes.push(
            "nothing else: version 2 reads every version-1 field the same way, and what it adds is optional".to_owned(),
        );
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut text = src.to_owned();
    for (at, len, with) in edits {
        text.replace_range(at..at + len, &with);
    }
    Ok(Upgraded { text, changes, todo })
}
