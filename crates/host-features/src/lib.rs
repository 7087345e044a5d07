//! Only its manifest matters: see Cargo.toml.
