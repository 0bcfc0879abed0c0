//! Volumes: naming new volumes from a Pool's Label Format.

pub mod label;
