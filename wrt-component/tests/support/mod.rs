//! What several integration tests share: the committed fixtures and synthetic binaries.
// Each test crate uses only part of this module.
#![allow(dead_code)]

pub mod big_module;
pub mod fixtures;
