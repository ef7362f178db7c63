//! spdz-net deployment configuration: `DeploymentConfig::from_toml` on arbitrary text.
//!
//! Checks: no panic on any input (TOML syntax errors, unknown fields, huge or negative
//! numbers, duplicate/out-of-range party ids, odd addresses); an accepted configuration
//! validates again and survives a `to_toml` / `from_toml` round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spdz_net::DeploymentConfig;

fuzz_target!(|data: &[u8]| {
    // Inputs are bounded (libFuzzer's -max_len); the file reader takes UTF-8 text.
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = DeploymentConfig::from_toml(text) {
        assert!(config.validate().is_ok());
        let again = config.to_toml().expect("an accepted config serialises");
        let back = DeploymentConfig::from_toml(&again).expect("a serialised config parses");
        assert_eq!(back, config);
    }
});
