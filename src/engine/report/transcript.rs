//! Plain-text transcript lines for events: what golden play-through scripts check against.

use crate::engine::play::session::{Event, RuptureCause};

/// One stable line per event. Numbers are left out on purpose: a golden script should drift when
/// the story changes (a stage, a rupture, an ending, a fit band), not when a weight is retuned.
pub fn line(e: &Event) -> String {
    match e {
        Event::ClientSpeaks { stage, line, .. } => format!("client {stage} {line}"),
        Event::Feedback(o) => format!(
            "choice {} {} fit {}",
            o.choice,
            o.technique,
            o.evaluation.fit.band.label()
        ),
        Event::ClientReplies { option, .. } => format!("client replies {option}"),
        Event::RuptureOpened {
            kind,
            cause: RuptureCause::Move,
            ..
        } => format!("rupture opened {}", kind.label()),
        Event::RuptureOpened {
            kind,
            cause: RuptureCause::Script,
            ..
        } => format!("rupture opened {} (in the script)", kind.label()),
        Event::CriticalMiss { stage, marker, .. } => format!("critical miss {stage} {}", marker.label()),
        Event::RuptureRepaired { kind, .. } => format!("rupture repaired {}", kind.label()),
        Event::RepairFailed { kind, .. } => format!("repair failed {}", kind.label()),
        Event::MissedRepair { kind, .. } => format!("missed repair {}", kind.label()),
        Event::StageChanged { to, .. } => format!("stage {to}"),
        Event::Ended { ending, outcome } => format!("ended {ending} {}", outcome.label()),
    }
}

/// The whole transcript of a list of events.
pub fn lines(events: &[Event]) -> Vec<String> {
    events.iter().map(line).collect()
}
