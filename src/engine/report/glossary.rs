//! The words a student meets on Rapport's screens, explained once, with where each comes from.
//!
//! The app shows these in its glossary (reachable from every screen) and beside the terms where they appear.
//! Figures quoted here are the ones `assets/weights.ron` uses, from the same sources.

/// One term.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Term {
    /// What the student reads on the screen.
    pub name: &'static str,
    /// The group it belongs to in the glossary.
    pub group: &'static str,
    pub text: &'static str,
    /// Where it comes from (empty where it is Rapport's own convention).
    pub source: &'static str,
}

const CLIENT: &str = "The client";
const ALLIANCE: &str = "The alliance";
const FACTORS: &str = "Common factors";
const FEEDBACK: &str = "Rapport's feedback";
const INTEGRATION: &str = "Ways of integrating";
const RUBRICS: &str = "Rating scales";

/// Every term, in the glossary's order.
pub const TERMS: &[Term] = &[
    Term {
        name: "Fit",
        group: FEEDBACK,
        text: "How well a move suits this client at this moment, from -1 (works against them) to +1 (what the moment \
               calls for). It weighs where the work is (a technique before the groundwork it needs costs), the markers \
               the client shows, their distress, and the matching research below (reactance, coping style, stage of \
               change, preferences, culture and faith), each by its published effect size. The feedback lists the \
               terms; the total is their weighted mean, so a term with a small weight moves it little.",
        source: "Norcross & Wampold 2018; Beutler, Edwards & Someah 2018",
    },
    Term {
        name: "Accuracy",
        group: FEEDBACK,
        text: "How close a move came to the best move open at that moment: 100% is the best move on offer (not \
               perfection), and a session's accuracy is the mean over its moves, as chess analysis grades a game. \
               Excellent from 90%, good from 75%, mixed from 50%; a critical miss makes a session unsafe whatever its \
               accuracy.",
        source: "",
    },
    Term {
        name: "Move classes",
        group: FEEDBACK,
        text: "Best (!!): the best move open. Good (!): close to it. Questionable (?!) and poor (?): they lose ground \
               against what was on offer. Critical miss (??): a risk or dissociation marker was left unanswered while \
               a move that answered it was open.",
        source: "",
    },
    Term {
        name: "Score",
        group: FEEDBACK,
        text: "A move's absolute figure, 0 to 100: about a third fit, a third the alliance change it makes and a third \
               the common factors it carries. Accuracy compares it with the best move open; the score alone says \
               little, because some moments offer no good move.",
        source: "",
    },
    Term {
        name: "Score and outcome are kept apart",
        group: FEEDBACK,
        text: "Your practice is scored; the client's course (the ending, the alliance, dropout) is simulated apart \
               from it. In the research the particular technique explains little of the outcome, the relationship \
               and the client much more, so a good session can still end badly and a poor one well.",
        source: "Wampold & Imel 2015",
    },
    Term {
        name: "Reactance",
        group: CLIENT,
        text: "How strongly the client resists being directed. Scale 0 to 1: low (up to .35) accepts guidance readily, \
               high (from .65) pushes back when told what to do. High-reactance clients do better with non-directive, \
               self-directed work; low-reactance clients with more directive work (d = .79 for matching).",
        source: "Beutler, Edwards & Someah 2018",
    },
    Term {
        name: "Coping style",
        group: CLIENT,
        text: "Where the client puts distress. Scale -1 to +1: internalizing (below -.2) turns it inward, \
               self-critical and withdrawn; externalizing (above +.2) acts it out or looks to circumstances. \
               Internalizers do better with insight- and feeling-focused work, externalizers with skill-building and \
               symptom focus (d = .60 for matching).",
        source: "Beutler, Edwards & Someah 2018",
    },
    Term {
        name: "Distress",
        group: CLIENT,
        text: "How much the client is suffering right now. Scale 0 to 1: moderate distress motivates change; from \
               about .6, support and stabilisation come before exploring or challenging, and above .8 even prepared \
               processing overwhelms (the edge of the window of tolerance).",
        source: "Beutler, Clarkin & Bongar 2000; Siegel 1999",
    },
    Term {
        name: "Impairment",
        group: CLIENT,
        text: "How far the problem limits daily life (work, relationships, self-care). Scale 0 to 1: mild up to .35, \
               severe from .65. More impairment calls for more structure and a more active therapist.",
        source: "Beutler, Clarkin & Bongar 2000",
    },
    Term {
        name: "Stage of change",
        group: CLIENT,
        text: "How ready the client is to change the behaviour in question: precontemplation (not considering it), \
               contemplation (in two minds), preparation (intending soon), action (changing now), maintenance \
               (holding a change). Consciousness-raising suits the early stages, action techniques the later ones; \
               readiness predicts outcome (d = .41), and it moves over weeks, not minutes.",
        source: "Krebs, Norcross, Nicholson & Prochaska 2018",
    },
    Term {
        name: "Expectancy",
        group: CLIENT,
        text: "How much the client expects therapy to help, 0 to 1. Clients who expect more tend to gain more \
               (r = .18); a credible rationale and hope can raise it.",
        source: "Constantino, Vislă, Coyne & Boswell 2018",
    },
    Term {
        name: "Working alliance",
        group: ALLIANCE,
        text: "The collaborative bond between client and therapist, in three parts, each 0 to 1: agreement on the \
               goals of therapy (goal), agreement on the tasks that get there (task), and the personal bond of trust \
               and liking (bond). The alliance is one of the most robust predictors of outcome (r = .28). Low below \
               .35, high from .65.",
        source: "Bordin 1979; Flückiger, Del Re, Wampold & Horvath 2018",
    },
    Term {
        name: "Rupture",
        group: ALLIANCE,
        text: "A strain in the alliance. In a withdrawal rupture the client moves away: goes quiet, agrees too quickly, \
               changes the subject ('It's fine'). In a confrontation rupture the client moves against the therapist: \
               complains, challenges, rejects the task. While a rupture is open the alliance decays.",
        source: "Safran & Muran 2000; Eubanks, Muran & Safran 2018",
    },
    Term {
        name: "Repair",
        group: ALLIANCE,
        text: "Attending to a rupture: naming what is happening between you (metacommunication), exploring the \
               client's experience of it, owning your part, or changing the task. Repair goes with better outcomes \
               (r = .29). A repair move has a chance of working, shown with the feedback; a repair that does not take \
               is chance, not a mistake, and can be tried again. A missed repair is a move that ignored an open \
               rupture.",
        source: "Safran & Muran 2000; Eubanks, Muran & Safran 2018",
    },
    Term {
        name: "Split alliance",
        group: ALLIANCE,
        text: "With several people in the room, when one person is much less joined with the therapist than the \
               others. Unbalanced alliances predict poorer outcome and dropout in couple and family work (r = .316); \
               Rapport shows a split from .30.",
        source: "Friedlander, Escudero, Welmers-van de Poll & Heatherington 2018",
    },
    Term {
        name: "Within-system alliance",
        group: ALLIANCE,
        text: "In couple, family and group work, the members' shared sense of purpose and safety with each other in \
               the therapy (SOFTA), apart from each one's bond with the therapist.",
        source: "Friedlander, Escudero & Heatherington 2006",
    },
    Term {
        name: "Common factors",
        group: FACTORS,
        text: "What helps across every school: the relationship the therapist offers, the client's expectations, and \
               a shared rationale. Each move carries some of each; the feedback says which (0 to 1), weighted by how \
               strongly each relates to outcome in the APA task force meta-analyses.",
        source: "Norcross & Lambert 2018; Wampold & Imel 2015",
    },
    Term {
        name: "Empathy",
        group: FACTORS,
        text: "Understanding the client's experience from inside their frame of reference and showing it (r = .28).",
        source: "Elliott, Bohart, Watson & Murphy 2018",
    },
    Term {
        name: "Positive regard",
        group: FACTORS,
        text: "Warm acceptance of the client as a person, whatever they bring (g = .28).",
        source: "Farber, Suzuki & Lynch 2018",
    },
    Term {
        name: "Congruence",
        group: FACTORS,
        text: "The therapist being genuine: what they say matches what they feel and do (r = .23).",
        source: "Kolden, Wang, Austin, Chang & Klein 2018",
    },
    Term {
        name: "Collaboration and goal consensus",
        group: FACTORS,
        text: "Working on the problem together, and agreeing what therapy is for (r = .29 and r = .24).",
        source: "Tryon, Birch & Verkuilen 2018",
    },
    Term {
        name: "Hope and credibility",
        group: FACTORS,
        text: "The client's expectation that therapy will help (r = .18) and a rationale for the work that makes \
               sense to them (r = .12).",
        source: "Constantino, Vislă, Coyne & Boswell 2018",
    },
    Term {
        name: "Feedback (outcome monitoring)",
        group: FACTORS,
        text: "Asking the client how the session and the therapy are going, for example with the Session Rating \
               Scale (10 points each for relationship, goals, approach and overall; at or below 36 of 40 is worth \
               exploring) (d = .15).",
        source: "de Jong et al. 2021; Duncan et al. 2003",
    },
    Term {
        name: "Technical eclecticism",
        group: INTEGRATION,
        text: "Choosing techniques from any school by what works for this client and problem, without a unifying \
               theory. The debrief recognises it when your moves range across schools, each fitting the moment.",
        source: "Lazarus 1989; Norcross & Goldfried 2019",
    },
    Term {
        name: "Theoretical integration",
        group: INTEGRATION,
        text: "Working from one framework that joins two or more theories (as cognitive analytic therapy joins \
               cognitive and psychodynamic ideas). Recognised when switches between schools follow a formulation.",
        source: "Norcross & Goldfried 2019",
    },
    Term {
        name: "Assimilative integration",
        group: INTEGRATION,
        text: "A home school, with techniques from others taken in where they serve (a cognitive-behavioural therapist \
               using two-chair work). Recognised when most moves come from one school and the borrowed ones fit.",
        source: "Messer 1992",
    },
    Term {
        name: "Sequential integration",
        group: INTEGRATION,
        text: "Different approaches in phases: stabilisation before trauma processing, engagement before change work. \
               Recognised when your switches of school come with changes of phase.",
        source: "Cloitre et al. 2012; Norcross & Goldfried 2019",
    },
    Term {
        name: "Common-factors integration",
        group: INTEGRATION,
        text: "Putting what all therapies share (the alliance, empathy, hope, a rationale) at the centre and choosing \
               techniques to carry it. Recognised when relational moves run through the session and answer the \
               client's state.",
        source: "Wampold & Imel 2015",
    },
    Term {
        name: "Multitheoretical and transcultural work",
        group: INTEGRATION,
        text: "Multitheoretical: choosing among theories by the client's dimension of difficulty. Transcultural: \
               adapting the work to the client's culture and faith and their own account of the problem (recognised \
               when culture is salient and your moves adapt to it).",
        source: "Brooks-Harris 2008; Soto et al. 2018",
    },
    Term {
        name: "Process-experiential work",
        group: INTEGRATION,
        text: "Following moment-to-moment markers (a conflict split, unfinished business, a problematic reaction) \
               with the task that answers each. Recognised when your moves answer the markers the client shows.",
        source: "Elliott, Watson, Goldman & Greenberg 2004",
    },
    Term {
        name: "CTRS",
        group: RUBRICS,
        text: "Cognitive Therapy Rating Scale: how supervisors rate cognitive therapy sessions (agenda, feedback, \
               collaboration, guided discovery, focus on key cognitions, strategy for change, homework...). Rapport \
               counts the items a move touched, for sound moves and against poor ones.",
        source: "Young & Beck 1980",
    },
    Term {
        name: "MITI",
        group: RUBRICS,
        text: "Motivational Interviewing Treatment Integrity: how MI practice is coded (cultivating change talk, \
               softening sustain talk, partnership, empathy; reflections and questions).",
        source: "Moyers, Manuel & Ernst 2014",
    },
    Term {
        name: "FIS",
        group: RUBRICS,
        text: "Facilitative Interpersonal Skills: how well a therapist handles a difficult moment (verbal fluency, \
               warmth, empathy, alliance-bond capacity, alliance-rupture repair responsiveness, hopefulness...).",
        source: "Anderson, Ogles, Patterson, Lambert & Vermeersch 2009",
    },
    Term {
        name: "Effect sizes: d and r",
        group: FEEDBACK,
        text: "How strong a link is in the research. r is a correlation (.10 small, .30 medium, .50 large); d is a \
               difference in standard deviations (.20 small, .50 medium, .80 large). Rapport uses them as relative \
               weights, never as the effect of one move.",
        source: "Cohen 1988",
    },
];

/// The term of that name (case-insensitive), if the glossary has it.
pub fn term(name: &str) -> Option<&'static Term> {
    TERMS.iter().find(|t| t.name.eq_ignore_ascii_case(name))
}

/// The glossary's groups, in order.
pub fn groups() -> Vec<&'static str> {
    let mut g: Vec<&'static str> = Vec::new();
    for t in TERMS {
        if !g.contains(&t.group) {
            g.push(t.group);
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_term_the_screens_use_is_explained_once() {
        for name in [
            "Reactance",
            "Coping style",
            "Distress",
            "Impairment",
            "Stage of change",
            "Working alliance",
            "Rupture",
            "Repair",
            "Common factors",
            "CTRS",
            "MITI",
            "FIS",
            "Accuracy",
            "Fit",
        ] {
            assert!(term(name).is_some(), "{name} is in the glossary");
        }
        let mut names: Vec<&str> = TERMS.iter().map(|t| t.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), TERMS.len(), "no term twice");
    }

    #[test]
    fn every_integration_mode_is_explained() {
        for m in crate::engine::format::scenario::IntegrationMode::ALL {
            let label = m.label().to_lowercase();
            let first = label.split_whitespace().next().unwrap_or("");
            assert!(
                TERMS
                    .iter()
                    .any(|t| t.group == INTEGRATION && t.name.to_lowercase().contains(first)),
                "{label} has a glossary entry"
            );
        }
    }
}
