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
    TEMPLATE.replace("{id}", &id)
}

const TEMPLATE: &str = r##"// A new Rapport scenario. Every section is here; replace the placeholder text and numbers.
// The format is described in scenarios/README.md; scenarios/tutorial.ron is a complete annotated example.
// Check it as you write:   rapport check {id}.ron      Play it:   rapport play {id}.ron
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

    start: "opening",

    // Moves offered at every stage: the trainee can always check safety. Write what this client answers.
    standing: [
        (
            id: "{id}_safety_check",
            technique: "risk_assessment",
            say: "Sometimes when people feel this low they have thoughts of not wanting to be here. Has anything like that crossed your mind?",
            feedback: "When and why a proportionate safety question is warranted for this client.",
            reply: "What this client answers, true to their history.",
        ),
    ],

    stages: [
        (
            id: "opening",
            phase: Rapport,                    // Assessment | Rapport | Formulation | GoalsAndPsychoeducation | Intervention | Monitoring | Closure
            title: "First minutes",
            client: [
                (id: "opening.a", text: "What the client says. Add variants; one is picked per session."),
            ],
            nonverbal: "What the trainee sees.",
            // What the client says instead while a rupture is open.
            rupture_lines: [
                (id: "opening.withdrawn", kind: Withdrawal, text: "Fine. Whatever you think."),
            ],
            markers: [],                       // e.g. Process(Vulnerability), Rupture(MinimalResponse)
            options: [
                (
                    id: "opening.reflect",
                    technique: "empathic_reflection",
                    intent: Best,                  // Best | Good | Questionable | Poor | Harmful: `rapport check` holds the scoring to it
                    say: "What the therapist says, in this client's context.",
                    feedback: "Why this fits (or not) this client now.",
                    effects: [Set("felt_heard", Bool(true))],
                ),
                (
                    id: "opening.advise",
                    technique: "direct_advice",
                    intent: Poor,
                    manner: [Imposed, Premature],  // how the words deliver it: Collaborative | Imposed | Premature | Tentative | Dismissive | WarmthOnly
                    say: "A directive move, for contrast.",
                    feedback: "Why this is premature here.",
                ),
            ],
            transitions: [
                (when: RuptureOpen, to: "repair"),
                (to: "work"),
            ],
        ),
        (
            id: "repair",
            phase: Rapport,
            title: "Something shifted",
            client: [(id: "repair.a", text: "I'm not sure this is helping.")],
            options: [
                (id: "repair.meta", technique: "metacommunication", intent: Best, say: "I notice something changed just now. Can we look at it together?"),
                (id: "repair.push", technique: "problem_solving", intent: Poor, manner: [Imposed], say: "Let's keep going with the plan."),
            ],
            transitions: [
                (when: RuptureRepaired, to: "work"),
                (to: "ended_early"),
            ],
        ),
        (
            id: "work",
            phase: Intervention,
            title: "The work",
            client: [(id: "work.a", text: "What the client says once the work begins.")],
            options: [
                (id: "work.goals", technique: "collaborative_goal_setting", intent: Best),
                (id: "work.restructure", technique: "cognitive_restructuring", intent: Questionable, manner: [Premature]),
            ],
            transitions: [
                (when: All([Flag("felt_heard"), Alliance(AtLeast(0.55))]), to: "good_ending"),
                (to: "mixed_ending"),
            ],
        ),
    ],

    endings: [
        (id: "good_ending", title: "A good start", outcome: Improved, debrief: "What happened and why, in terms a student can learn from."),
        (id: "mixed_ending", title: "A cautious start", outcome: Partial, debrief: "What went partly well, and what would have helped."),
        (id: "ended_early", title: "The client did not return", outcome: Dropout, debrief: "Unrepaired ruptures predict dropout (Eubanks, Muran & Safran 2018).",
            // Paragraphs shown only when their condition holds: say what happened on this path.
            notes: [(when: Not(Done(RiskAssessed)), text: "Nobody asked about safety before the client left.")]),
    ],
)
"##;
