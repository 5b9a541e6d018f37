//! Classroom mode: the class votes from their phones on the next move while the lecturer presents.

pub mod ballot;
pub mod record;
pub mod room;

pub use ballot::ballot;
pub use record::{ClassChoice, ClassRow, DecidedBy};
pub use room::{Ballot, DeviceInfo, Entry, Phase, PhoneView, Refusal, Room, Tally};

use std::sync::{Arc, Mutex};

/// The room shared by the presenter view and the server's threads.
pub type SharedRoom = Arc<Mutex<Room>>;
