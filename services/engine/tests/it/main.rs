//! The planning engine through its public API: events in, report rows and changes out.
//! One module per rule family of CONTRACT section 3, and `model` checking the whole engine
//! against a from-scratch recomputation over random event sequences.

mod changes;
mod collab_support;
mod diff;
mod directory;
mod duplications;
mod enrolments;
mod gaps;
mod image;
mod interest;
mod liveness;
mod model;
mod proposals;
mod proposals_model;
mod public;
mod queries;
mod support;
mod targets;
mod what_if;
