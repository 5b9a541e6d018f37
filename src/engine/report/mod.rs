//! What a played session tells: the debrief, the transcript and the glossary of the terms the feedback uses.

pub mod debrief;
pub mod glossary;
pub mod transcript;
