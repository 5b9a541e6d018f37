//! Classroom mode: the class votes from their phones on the next move while the lecturer presents.

pub mod ballot;
pub mod limits;
pub mod net;
pub mod record;
pub mod room;
pub mod server;

pub use ballot::ballot;
pub use net::{Qr, base_url, join_url, lan_addresses};
pub use record::{ClassChoice, ClassRow, DecidedBy, ReviewStep, class_rows, review};
pub use room::{Ballot, DeviceInfo, Entry, Phase, PhoneView, Refusal, Room, Tally};
pub use server::{Bounds, Server, ServerConfig};

use std::sync::{Arc, Mutex};

/// The room shared by the presenter view and the server's threads.
pub type SharedRoom = Arc<Mutex<Room>>;
