//! The Provisio public contract as Rust (CONTRACT sections 1, 2, 4 and 8).
//!
//! Architecture invariant: this crate does no I/O. It turns JSON into typed events that
//! cannot hold an invalid value, or into a list of field-level errors, and it knows the NATS
//! subjects and JSON Schemas of the contract. Everything else depends on it; it depends on
//! nothing of Provisio's.

mod collab;
mod error;
mod event;
pub mod example;
mod public;
pub mod schema;
mod subject;
mod validate;
pub mod vocab;

pub use collab::*;
pub use error::{ErrorCode, FieldError};
pub use event::*;
pub use subject::*;
pub use validate::{
    MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_PLAN_ITEMS, MAX_PLAN_OFFERS, MAX_PROPOSAL_CHANGES,
    MAX_TITLE_CHARS, MAX_URL_CHARS, event_id_of, validate, validate_stored,
};
