//! A class vote: the join code, the devices that joined, the stage on show, one vote per device, the lock and the reveal.
//!
//! The room knows nothing of HTTP or of the app: the server asks it whether a request may be served and what a
//! phone may see; the presenter view asks it for the tally. Everything a phone can ever be shown passes through
//! [`Room::view`], which is built from the [`Ballot`] alone, so feedback, scores and later stages cannot leak.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

/// Characters of a join code: capitals and digits that cannot be mistaken for one another when read off a
/// projector (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
const CODE_ALPHABET: &[u8] = b"34679ACDEFGHJKMNPQRTUVWXY";
/// Length of a join code: 25^6 = 244 million codes, with wrong guesses rate-limited by the server.
pub const CODE_LEN: usize = 6;
/// How many devices may join one class (a large lecture hall), so a script cannot grow the room without end.
pub const CAPACITY: usize = 500;

/// What the phones may see of the stage on show: the client's words and the options, never feedback.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ballot {
    /// The stage id, which a vote must name so a late vote never lands on the next stage.
    pub stage: String,
    /// The step of the session, counting from 1.
    pub step: usize,
    /// Who speaks (a name).
    pub speaker: String,
    /// What the client says.
    pub words: String,
    /// What the client shows without words.
    pub nonverbal: String,
    /// The options, in the order the presenter shows them.
    pub entries: Vec<Entry>,
}

/// One option as the class sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// The key a vote names (the option id, with its addressee where there is a choice of whom).
    pub key: String,
    /// The therapist's words.
    pub text: String,
    /// The technique's name, or none when the lecturer hides the labels so the class judges the words.
    pub label: Option<String>,
}

/// Where the vote on the stage on show stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// No stage yet, or a stage shown and the vote not yet open.
    Waiting,
    /// Votes are taken and may be changed.
    Open,
    /// Votes are counted; no more are taken.
    Locked,
    /// The move was played and its feedback is on the projector.
    Revealed,
}

/// Why a phone's request is refused; the server turns each into a status and this sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this phone has not joined the class (join again with the code)")]
    UnknownDevice,
    #[error("the lecturer removed this device from the class")]
    Removed,
    #[error("the class is full ({CAPACITY} devices)")]
    Full,
    #[error("voting is not open")]
    NotOpen,
    #[error("that vote is for another stage; the class has moved on")]
    WrongStage,
    #[error("there is no such option at this stage")]
    UnknownOption,
}

/// The counts of the vote, in the order the options are shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub counts: Vec<(String, usize)>,
    /// Devices that have voted.
    pub voted: usize,
    /// Devices in the class.
    pub joined: usize,
}

impl Tally {
    /// The options with the most votes (more than one on a tie; none when nobody voted).
    pub fn leaders(&self) -> Vec<&str> {
        let top = self.counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
        if top == 0 {
            return Vec::new();
        }
        self.counts
            .iter()
            .filter(|(_, n)| *n == top)
            .map(|(k, _)| k.as_str())
            .collect()
    }

    /// The majority choice, when one option has more votes than every other.
    pub fn winner(&self) -> Option<&str> {
        match self.leaders().as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// The road not taken: the most-voted option other than `played` that got any vote.
    pub fn runner_up(&self, played: &str) -> Option<&str> {
        let mut best: Option<(&str, usize)> = None;
        for (k, n) in &self.counts {
            if k != played && *n > 0 && best.is_none_or(|(_, b)| *n > b) {
                best = Some((k.as_str(), *n));
            }
        }
        best.map(|(k, _)| k)
    }

    /// How many voted for `key`.
    pub fn count(&self, key: &str) -> usize {
        self.counts.iter().find(|(k, _)| k == key).map_or(0, |(_, n)| *n)
    }
}

/// A joined device as the presenter sees it: a number to name it by, never its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceInfo {
    pub number: u32,
    pub address: IpAddr,
    pub voted: bool,
}

/// What a phone is sent when it asks for the state: the stage on show and its own vote, nothing else.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhoneView<'a> {
    /// Changes whenever anything a phone can see changes.
    pub version: u64,
    pub phase: Phase,
    /// The stage on show, once the presenter has shown one.
    pub ballot: Option<&'a Ballot>,
    pub your_vote: Option<&'a str>,
    /// The number the presenter knows this device by.
    pub you: u32,
    pub joined: usize,
}

#[derive(Debug)]
struct Device {
    number: u32,
    address: IpAddr,
}

/// One class session's vote.
#[derive(Debug)]
pub struct Room {
    code: String,
    phase: Phase,
    ballot: Option<Ballot>,
    devices: HashMap<String, Device>,
    /// Votes on the ballot on show, by device token.
    votes: HashMap<String, String>,
    /// Addresses the lecturer removed: they may not join again during this class.
    removed: HashSet<IpAddr>,
    removed_tokens: HashSet<String>,
    next_number: u32,
    version: u64,
}

impl Room {
    /// A room with a fresh random join code.
    pub fn new() -> Room {
        Room::with_code(&random_code())
    }

    /// A room with a given code (tests, and a lecturer who reopens the same class).
    pub fn with_code(code: &str) -> Room {
        Room {
            code: code.to_ascii_uppercase(),
            phase: Phase::Waiting,
            ballot: None,
            devices: HashMap::new(),
            votes: HashMap::new(),
            removed: HashSet::new(),
            removed_tokens: HashSet::new(),
            next_number: 1,
            version: 1,
        }
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    /// Whether `code` is this room's, compared in time that does not depend on where they differ and
    /// without regard to case (a code typed on a phone keyboard).
    pub fn admits(&self, code: &str) -> bool {
        let a = code.as_bytes();
        let b = self.code.as_bytes();
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .fold(0u8, |acc, (x, y)| acc | (x.to_ascii_uppercase() ^ y))
                == 0
    }

    /// Changes whenever the presenter's view of the room or a phone's view changes.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn ballot(&self) -> Option<&Ballot> {
        self.ballot.as_ref()
    }

    fn changed(&mut self) {
        self.version += 1;
    }

    /// Shows a stage: its words and options reach the phones; earlier votes are cleared; voting is not yet open.
    pub fn show(&mut self, ballot: Ballot) {
        self.ballot = Some(ballot);
        self.votes.clear();
        self.phase = Phase::Waiting;
        self.changed();
    }

    /// Shows the same stage with its options worded or labelled anew (the lecturer shows or hides technique
    /// names), keeping the votes cast; a ballot for another stage is shown as new.
    pub fn relabel(&mut self, ballot: Ballot) {
        let same = self.ballot.as_ref().is_some_and(|b| {
            b.stage == ballot.stage
                && b.entries
                    .iter()
                    .map(|e| &e.key)
                    .eq(ballot.entries.iter().map(|e| &e.key))
        });
        if !same {
            return self.show(ballot);
        }
        self.ballot = Some(ballot);
        self.changed();
    }

    /// Takes the stage off the phones (between stages, and at the ending).
    pub fn clear(&mut self) {
        self.ballot = None;
        self.votes.clear();
        self.phase = Phase::Waiting;
        self.changed();
    }

    /// Opens the vote on the stage on show (or reopens a locked one, keeping the votes cast).
    pub fn open(&mut self) -> bool {
        if self.ballot.is_none() || self.phase == Phase::Revealed {
            return false;
        }
        self.phase = Phase::Open;
        self.changed();
        true
    }

    /// Stops taking votes and returns the count.
    pub fn lock(&mut self) -> Tally {
        if self.phase == Phase::Open {
            self.phase = Phase::Locked;
            self.changed();
        }
        self.tally()
    }

    /// The move was played: the phones say to look at the projector.
    pub fn reveal(&mut self) {
        self.phase = Phase::Revealed;
        self.changed();
    }

    /// The counts so far.
    pub fn tally(&self) -> Tally {
        let mut counts: Vec<(String, usize)> = self
            .ballot
            .iter()
            .flat_map(|b| &b.entries)
            .map(|e| (e.key.clone(), 0))
            .collect();
        for key in self.votes.values() {
            if let Some(c) = counts.iter_mut().find(|(k, _)| k == key) {
                c.1 += 1;
            }
        }
        Tally {
            counts,
            voted: self.votes.len(),
            joined: self.devices.len(),
        }
    }

    /// A device joins from `address` and is given its token (kept by the phone and sent with every request).
    pub fn join(&mut self, address: IpAddr) -> Result<String, Refusal> {
        if self.removed.contains(&address) {
            return Err(Refusal::Removed);
        }
        if self.devices.len() >= CAPACITY {
            return Err(Refusal::Full);
        }
        let token = uuid::Uuid::new_v4().simple().to_string();
        let number = self.next_number;
        self.next_number += 1;
        self.devices.insert(token.clone(), Device { number, address });
        self.changed();
        Ok(token)
    }

    fn device(&self, token: &str) -> Result<&Device, Refusal> {
        match self.devices.get(token) {
            Some(d) => Ok(d),
            None if self.removed_tokens.contains(token) => Err(Refusal::Removed),
            None => Err(Refusal::UnknownDevice),
        }
    }

    /// Records (or changes) a device's vote on the stage on show.
    pub fn vote(&mut self, token: &str, stage: &str, key: &str) -> Result<(), Refusal> {
        self.device(token)?;
        let Some(ballot) = &self.ballot else {
            return Err(Refusal::NotOpen);
        };
        if ballot.stage != stage {
            return Err(Refusal::WrongStage);
        }
        if self.phase != Phase::Open {
            return Err(Refusal::NotOpen);
        }
        if !ballot.entries.iter().any(|e| e.key == key) {
            return Err(Refusal::UnknownOption);
        }
        if self.votes.get(token).map(String::as_str) != Some(key) {
            self.votes.insert(token.to_owned(), key.to_owned());
            self.changed();
        }
        Ok(())
    }

    /// What the phone with `token` may see.
    pub fn view(&self, token: &str) -> Result<PhoneView<'_>, Refusal> {
        let device = self.device(token)?;
        Ok(PhoneView {
            version: self.version,
            phase: self.phase,
            ballot: self.ballot.as_ref(),
            your_vote: self.votes.get(token).map(String::as_str),
            you: device.number,
            joined: self.devices.len(),
        })
    }

    /// The devices in the class, in the order they joined.
    pub fn devices(&self) -> Vec<DeviceInfo> {
        let by_number: BTreeMap<u32, DeviceInfo> = self
            .devices
            .iter()
            .map(|(token, d)| {
                let info = DeviceInfo {
                    number: d.number,
                    address: d.address,
                    voted: self.votes.contains_key(token),
                };
                (d.number, info)
            })
            .collect();
        by_number.into_values().collect()
    }

    /// Removes a misbehaving device: its vote is dropped, its token stops working and its address may not
    /// join again during this class.
    pub fn remove(&mut self, number: u32) -> bool {
        let Some(token) = self
            .devices
            .iter()
            .find(|(_, d)| d.number == number)
            .map(|(t, _)| t.clone())
        else {
            return false;
        };
        if let Some(d) = self.devices.remove(&token) {
            self.removed.insert(d.address);
        }
        self.votes.remove(&token);
        self.removed_tokens.insert(token);
        self.changed();
        true
    }
}

impl Default for Room {
    fn default() -> Room {
        Room::new()
    }
}

/// A join code drawn from the operating system's randomness.
fn random_code() -> String {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    bytes[..CODE_LEN]
        .iter()
        .map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn ip(n: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 168, 1, n))
    }

    fn ballot(stage: &str) -> Ballot {
        Ballot {
            stage: stage.into(),
            step: 1,
            speaker: "Maya".into(),
            words: "I don't know why I'm here.".into(),
            nonverbal: "Looks at the door.".into(),
            entries: ["a", "b", "c"]
                .iter()
                .map(|k| Entry {
                    key: (*k).into(),
                    text: format!("option {k}"),
                    label: None,
                })
                .collect(),
        }
    }

    #[test]
    fn one_vote_per_device_changeable_until_the_lock() {
        let mut room = Room::with_code("K7QX3M");
        let a = room.join(ip(2)).expect("joins");
        let b = room.join(ip(3)).expect("joins");
        room.show(ballot("s1"));
        assert_eq!(
            room.vote(&a, "s1", "a"),
            Err(Refusal::NotOpen),
            "not before the vote opens"
        );
        assert!(room.open());
        room.vote(&a, "s1", "a").expect("votes");
        room.vote(&a, "s1", "b").expect("changes its vote");
        room.vote(&b, "s1", "b").expect("votes");
        let t = room.lock();
        assert_eq!(t.count("a"), 0);
        assert_eq!(t.count("b"), 2, "a changed vote counts once");
        assert_eq!((t.voted, t.joined), (2, 2));
        assert_eq!(t.winner(), Some("b"));
        assert_eq!(
            room.vote(&a, "s1", "c"),
            Err(Refusal::NotOpen),
            "no vote after the lock"
        );
        assert_eq!(room.tally(), t);
    }

    #[test]
    fn showing_or_hiding_technique_names_keeps_the_votes() {
        let mut room = Room::with_code("K7QX3M");
        let a = room.join(ip(2)).expect("joins");
        room.show(ballot("s1"));
        room.open();
        room.vote(&a, "s1", "b").expect("votes");
        let mut labelled = ballot("s1");
        labelled.entries[1].label = Some("Empathic reflection".into());
        room.relabel(labelled);
        assert_eq!(room.tally().count("b"), 1);
        assert_eq!(room.phase(), Phase::Open);
        assert_eq!(
            room.view(&a)
                .expect("sees")
                .ballot
                .and_then(|b| b.entries[1].label.clone()),
            Some("Empathic reflection".into())
        );
        room.relabel(ballot("s2"));
        assert_eq!(room.tally().voted, 0, "another stage is a new ballot");
    }

    #[test]
    fn a_vote_for_another_stage_or_option_is_refused() {
        let mut room = Room::with_code("K7QX3M");
        let a = room.join(ip(2)).expect("joins");
        room.show(ballot("s1"));
        room.open();
        assert_eq!(room.vote(&a, "s0", "a"), Err(Refusal::WrongStage));
        assert_eq!(room.vote(&a, "s1", "z"), Err(Refusal::UnknownOption));
        assert_eq!(room.vote("not-a-token", "s1", "a"), Err(Refusal::UnknownDevice));
        room.vote(&a, "s1", "a").expect("votes");
        room.show(ballot("s2"));
        assert_eq!(room.tally().voted, 0, "a new stage starts with no votes");
    }

    #[test]
    fn the_leaders_the_winner_and_the_road_not_taken() {
        let mut room = Room::with_code("K7QX3M");
        let t: Vec<String> = (0..5).map(|n| room.join(ip(n)).expect("joins")).collect();
        room.show(ballot("s1"));
        room.open();
        assert!(room.tally().leaders().is_empty(), "nobody voted: no leader");
        for (tok, k) in t.iter().zip(["a", "b", "a", "b", "c"]) {
            room.vote(tok, "s1", k).expect("votes");
        }
        let tally = room.lock();
        assert_eq!(tally.leaders(), vec!["a", "b"]);
        assert_eq!(tally.winner(), None, "a tie leaves the pick to the lecturer");
        assert_eq!(tally.runner_up("a"), Some("b"));
        assert_eq!(tally.runner_up("c"), Some("a"), "ties go to the option shown first");
    }

    #[test]
    fn a_removed_device_loses_its_vote_and_cannot_come_back_from_its_address() {
        let mut room = Room::with_code("K7QX3M");
        let a = room.join(ip(2)).expect("joins");
        let b = room.join(ip(3)).expect("joins");
        room.show(ballot("s1"));
        room.open();
        room.vote(&a, "s1", "a").expect("votes");
        let number = room.view(&a).expect("sees").you;
        assert!(room.remove(number));
        assert_eq!(room.tally().count("a"), 0);
        assert_eq!(room.vote(&a, "s1", "a"), Err(Refusal::Removed));
        assert_eq!(room.join(ip(2)), Err(Refusal::Removed));
        assert_eq!(room.devices().len(), 1);
        assert!(room.view(&b).is_ok());
    }

    #[test]
    fn the_phone_view_holds_the_ballot_and_its_own_vote_only() {
        let mut room = Room::with_code("K7QX3M");
        let a = room.join(ip(2)).expect("joins");
        let v0 = room.version();
        room.show(ballot("s1"));
        room.open();
        room.vote(&a, "s1", "c").expect("votes");
        assert!(room.version() > v0);
        let json = serde_json::to_value(room.view(&a).expect("sees")).expect("serializes");
        let mut keys: Vec<&str> = json.as_object().expect("object").keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["ballot", "joined", "phase", "version", "you", "your_vote"]);
        assert_eq!(json["your_vote"], "c");
        assert_eq!(json["phase"], "open");
    }

    #[test]
    fn codes_are_unambiguous_and_compared_without_case() {
        let room = Room::new();
        assert_eq!(room.code().len(), CODE_LEN);
        assert!(room.code().bytes().all(|c| CODE_ALPHABET.contains(&c)));
        assert!(room.admits(&room.code().to_ascii_lowercase()));
        assert!(!room.admits("K7QX3"));
        assert!(!room.admits(""));
    }

    #[test]
    fn the_room_is_bounded() {
        let mut room = Room::with_code("K7QX3M");
        for n in 0..CAPACITY {
            room.join(IpAddr::V4(Ipv4Addr::from(n as u32))).expect("joins");
        }
        assert_eq!(room.join(ip(1)), Err(Refusal::Full));
    }
}
