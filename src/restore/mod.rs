//! Restores on the Director's side: the bootstrap (which volumes, sessions
//! and file indexes the storage daemon reads) and where restored files go
//! (`where`, `regexwhere`, prefixes), checked before anything is sent.

pub mod bsr;
pub mod place;
