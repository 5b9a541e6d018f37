//! What the phones are shown of a stage: the client's words and the open options, built here and nowhere else.

use super::{Ballot, Entry};
use crate::engine::Session;

/// The ballot of the stage the session is at (None at an ending). Only the words on screen now and the
/// options open now go in: never an option's feedback, intent or score, never another stage. Technique names
/// go in only when `labels` is on and the scenario does not hide them, so the class can judge the words alone.
pub fn ballot(s: &Session, labels: bool) -> Option<Ballot> {
    let stage = s.stage()?;
    let words = s.last_words();
    let speaker = match words.who {
        Some(i) => s.people().get(i).map_or(String::new(), |p| p.name.clone()),
        None => s.scenario().client.name.clone(),
    };
    let labels = labels && !s.scenario().meta.hide_technique_names;
    let entries = s
        .available()
        .into_iter()
        .map(|o| {
            let name = s.technique(&o.technique).map(|t| t.name.clone());
            Entry {
                key: o.id.clone(),
                // An option without words is shown by its technique: it is all the trainee sees of it too.
                text: if o.say.is_empty() {
                    name.clone().unwrap_or_default()
                } else {
                    o.say.clone()
                },
                label: name.filter(|_| labels),
            }
        })
        .collect();
    Some(Ballot {
        stage: stage.id.clone(),
        step: s.history().len() + 1,
        speaker,
        words: words.text,
        nonverbal: words.nonverbal,
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Library, shipped};

    fn session(id: &str) -> Session {
        let lib = Library::builtin().expect("builtin");
        let sc = shipped::find(&lib.catalog, id).expect("ships");
        Session::new(&lib, sc, 11).expect("starts")
    }

    #[test]
    fn a_ballot_holds_the_words_and_options_of_this_stage_and_nothing_else() {
        let s = session("tutorial");
        let b = ballot(&s, true).expect("a stage");
        let st = s.stage().expect("a stage");
        assert_eq!(b.stage, st.id);
        assert_eq!(b.step, 1);
        assert!(!b.words.is_empty());
        let keys: Vec<&str> = b.entries.iter().map(|e| e.key.as_str()).collect();
        let open: Vec<&str> = s.available().iter().map(|o| o.id.as_str()).collect();
        assert_eq!(keys, open);
        let json = serde_json::to_string(&b).expect("serializes");
        for o in s.available() {
            if !o.feedback.is_empty() {
                assert!(
                    !json.contains(&o.feedback),
                    "an option's teaching note never reaches a phone"
                );
            }
        }
        for later in s.scenario().stages.iter().filter(|x| x.id != st.id) {
            for line in &later.client {
                assert!(!json.contains(&line.text), "no other stage's words: {}", line.text);
            }
        }
        assert!(!json.contains("intent") && !json.contains("fit") && !json.contains("score"));
    }

    #[test]
    fn technique_names_go_only_where_the_lecturer_shows_them() {
        let s = session("tutorial");
        assert!(
            ballot(&s, true)
                .expect("a stage")
                .entries
                .iter()
                .all(|e| e.label.is_some())
        );
        assert!(
            ballot(&s, false)
                .expect("a stage")
                .entries
                .iter()
                .all(|e| e.label.is_none())
        );
    }
}
