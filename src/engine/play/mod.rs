//! A session played: the client state, the rules of the room, the scoring of each move, and the session that applies them.

pub mod rules;
pub mod scoring;
pub mod session;
pub mod state;
