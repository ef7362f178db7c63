//! `spdz store verify FILE...`: checks preprocessing store files without using them.
//!
//! For each file: the header (magic, version, field, party count and id), the lengths the
//! header implies, every element's range, the integrity tag, the key fingerprint, the
//! consumption watermark beside it (`FILE.used`: that it belongs to this file and claims no
//! more than the file holds), and that the store was not marked spent after an abort. Nothing
//! is handed out and nothing is written. Exit code 0 if every file is sound, 2 otherwise.

use std::path::PathBuf;

use spdz_field::Fp;
use spdz_offline::store;

use crate::exit::Failure;

/// Arguments of `spdz store`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Check store files (header, lengths, tag, key fingerprint, watermark, not spent);
    /// exit 0 if all are sound, 2 if any is not.
    Verify(VerifyArgs),
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// Store files (`party-<id>.spdzprep`, as written by `spdz triples --out DIR`).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print one JSON object per file instead of a line.
    #[arg(long)]
    json: bool,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    let Command::Verify(args) = &args.command;
    let mut bad = 0usize;
    for path in &args.files {
        match store::verify::<Fp>(path) {
            Ok(s) => {
                // Only public fields: ids, counts, the session id and a hash of the key.
                if args.json {
                    println!(
                        "{}",
                        serde_json::json!({
                            "file": path,
                            "ok": true,
                            "party": s.party,
                            "parties": s.parties,
                            "session": hex(&s.session),
                            "key_fingerprint": hex(&s.key_fingerprint),
                            "watermark": s.watermark,
                            "triples": s.triples,
                            "squares": s.squares,
                            "bits": s.bits,
                            "input_masks": s.input_masks,
                        })
                    );
                } else {
                    println!(
                        "{}: ok: party {} of {}, session {}, left: {} triples, {} squares, \
                         {} bits, input masks {:?}{}",
                        path.display(),
                        s.party,
                        s.parties,
                        hex(&s.session),
                        s.triples,
                        s.squares,
                        s.bits,
                        s.input_masks,
                        if s.watermark {
                            " (watermark present)"
                        } else {
                            " (nothing used yet)"
                        }
                    );
                }
            }
            Err(e) => {
                bad += 1;
                let spent = matches!(e, spdz_offline::StoreError::Spent { .. });
                if args.json {
                    println!(
                        "{}",
                        serde_json::json!({
                            "file": path,
                            "ok": false,
                            "spent": spent,
                            "error": e.to_string(),
                        })
                    );
                } else {
                    eprintln!("{}: REJECTED: {e}", path.display());
                }
            }
        }
    }
    if bad == 0 {
        Ok(())
    } else {
        Err(Failure::Usage(anyhow::anyhow!(
            "{bad} of {} store file(s) rejected",
            args.files.len()
        )))
    }
}
