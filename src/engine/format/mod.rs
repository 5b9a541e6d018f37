//! What authors write: the scenario format, the technique catalog and the weights of the scoring model (serde types).

pub mod catalog;
pub mod scenario;
pub mod weights;
