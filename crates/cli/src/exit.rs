//! How a failed run is reported: a message on stderr and the documented exit code.

use std::process::ExitCode;

/// Why a subcommand failed; each kind has its own exit code.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Bad usage or a bad input file (exit code 2).
    Usage(anyhow::Error),
    /// A protocol check failed: a party cheated or a message was tampered with (exit code 3).
    /// The report has already been printed by the subcommand.
    Abort,
    /// The network failed: a peer disconnected, timed out or could not be authenticated
    /// (exit code 4).
    Network(anyhow::Error),
    /// An internal error that is none of the above (exit code 1).
    Internal(anyhow::Error),
}

impl Failure {
    /// Prints the failure on stderr and returns its exit code.
    pub(crate) fn report(self) -> ExitCode {
        match self {
            Failure::Usage(e) => {
                eprintln!("spdz: {e:#}");
                ExitCode::from(2)
            }
            Failure::Abort => ExitCode::from(3),
            Failure::Network(e) => {
                eprintln!("spdz: network failure: {e:#}");
                ExitCode::from(4)
            }
            Failure::Internal(e) => {
                eprintln!("spdz: {e:#}");
                ExitCode::from(1)
            }
        }
    }
}
