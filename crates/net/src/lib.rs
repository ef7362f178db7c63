//! Authenticated transports between the parties of a computation.
//!
//! Will contain: the `Transport` trait (send, receive, broadcast and concurrent exchange-all of
//! length-prefixed frames tagged with a session id and protocol step), an in-memory transport
//! for tests and the single-process default, TCP with mutual TLS (rustls, `ring` provider) for
//! deployments, per-peer and per-step byte/round counters, and the deployment configuration.
//! See `papers/wire.md`.
#![forbid(unsafe_code)]
