//! The `spdz` command.
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("spdz: no subcommands yet");
    ExitCode::from(2)
}
