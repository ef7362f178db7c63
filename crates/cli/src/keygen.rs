//! `spdz keygen`: key pairs, pinned certificates and configuration files for a deployment.
//!
//! With `--party ID`, one party's key and certificate (run on that party's host; send the
//! certificate to the other parties, keep the key). With `--parties N`, a whole deployment in
//! one directory: every party's key and certificate, and one configuration file per party that
//! lists every party's address (from `--hosts`, or 127.0.0.1 with consecutive ports) — for
//! trying a deployment on one machine, or as a template.

use std::path::{Path, PathBuf};

use spdz_net::{DeploymentConfig, OptionsConfig, PartyConfig};

use crate::exit::Failure;

/// Arguments of `spdz keygen`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("who").required(true).args(["party", "parties"])))]
pub(crate) struct Args {
    /// Generate the key and certificate of this party only.
    #[arg(long)]
    party: Option<usize>,
    /// Generate a whole deployment of this many parties (keys, certificates, configurations).
    #[arg(long, value_parser = clap::value_parser!(u16).range(2..=64))]
    parties: Option<u16>,
    /// Addresses (host:port) of the parties in id order, comma separated (with --parties).
    #[arg(long, value_delimiter = ',', requires = "parties")]
    hosts: Vec<String>,
    /// First port when --hosts is not given: party i listens on 127.0.0.1:(port + i).
    #[arg(long, default_value_t = 7000)]
    port: u16,
    /// Session id written into the configurations (use a fresh one per computation).
    #[arg(long, default_value_t = 1)]
    session: u64,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
}

fn names(party: usize) -> (String, String) {
    (format!("party{party}.crt"), format!("party{party}.key"))
}

fn keygen_one(dir: &Path, party: usize) -> Result<(), Failure> {
    let (crt, key) = names(party);
    spdz_net::keygen_to_files(party, &dir.join(crt), &dir.join(key))
        .map_err(|e| Failure::Usage(anyhow::Error::new(e).context(format!("party {party}"))))
}

pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    std::fs::create_dir_all(&args.out).map_err(|e| {
        Failure::Usage(anyhow::anyhow!("cannot create {}: {e}", args.out.display()))
    })?;
    if let Some(party) = args.party {
        keygen_one(&args.out, party)?;
        let (crt, key) = names(party);
        println!(
            "wrote {} (send to every party) and {} (keep secret on this host)",
            args.out.join(crt).display(),
            args.out.join(key).display()
        );
        return Ok(());
    }
    let n = usize::from(args.parties.unwrap_or(2));
    let hosts: Vec<String> = if args.hosts.is_empty() {
        (0..n)
            .map(|i| {
                let port = u16::try_from(usize::from(args.port) + i).map_err(|_| {
                    Failure::Usage(anyhow::anyhow!("--port {} + {i} is not a port", args.port))
                })?;
                Ok(format!("127.0.0.1:{port}"))
            })
            .collect::<Result<_, Failure>>()?
    } else if args.hosts.len() == n {
        args.hosts.clone()
    } else {
        return Err(Failure::Usage(anyhow::anyhow!(
            "--hosts lists {} addresses for {n} parties",
            args.hosts.len()
        )));
    };
    for i in 0..n {
        keygen_one(&args.out, i)?;
    }
    let parties: Vec<PartyConfig> = hosts
        .iter()
        .enumerate()
        .map(|(id, address)| PartyConfig {
            id,
            address: address.clone(),
            certificate: PathBuf::from(names(id).0),
        })
        .collect();
    for me in 0..n {
        let config = DeploymentConfig {
            me,
            key: PathBuf::from(names(me).1),
            session: args.session,
            listen: None,
            options: OptionsConfig::default(),
            parties: parties.clone(),
        };
        config
            .validate()
            .map_err(|e| Failure::Usage(anyhow::Error::new(e)))?;
        let text = config
            .to_toml()
            .map_err(|e| Failure::Internal(anyhow::Error::new(e)))?;
        let path = args.out.join(format!("party{me}.toml"));
        std::fs::write(&path, text)
            .map_err(|e| Failure::Usage(anyhow::anyhow!("cannot write {}: {e}", path.display())))?;
    }
    println!(
        "wrote keys, certificates and party0.toml … party{}.toml for {n} parties in {}",
        n - 1,
        args.out.display()
    );
    Ok(())
}
