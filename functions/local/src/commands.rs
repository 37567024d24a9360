//! The subcommands that move data in and out of the store instead of serving it:
//! `import --from-sql URL`, `import --from-dump FILE` and `export [--to FILE]`.
//!
//! Exit status of `import` (the contract other tools rely on): 0 when everything was
//! imported, 1 when something was skipped (each skip is listed on stderr; all else was
//! imported), 2 on a failure (nothing written, or a part that running the same import
//! again finishes). `export` exits 0 or 2.

use std::io::{BufReader, BufWriter, Read};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use clusto_migrate::{MigrateError, Skip, Snapshot, dump, export, load, sql};
use clusto_model::Clusto;

use crate::{BoxError, Options, store};

/// What `clusto-local` does instead of serving.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Import a clusto SQL database or a dump into the store (which may hold other
    /// entities, but none of the same names).
    Import(ImportArgs),
    /// Write the whole store as a dump (JSON Lines, format version 1).
    Export {
        /// The file to write (default: standard output).
        #[arg(long, value_name = "FILE")]
        to: Option<PathBuf>,
    },
}

/// Where an import reads from: exactly one source.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct ImportArgs {
    /// A clusto database: `sqlite:PATH` (or `sqlite:///PATH`), `postgres://USER@HOST/DB`,
    /// `mysql://USER:PASSWORD@HOST/DB`.
    #[arg(long, value_name = "URL")]
    pub from_sql: Option<String>,
    /// A dump made by `export` (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub from_dump: Option<PathBuf>,
}

/// Exit status: everything done.
const DONE: u8 = 0;
/// Exit status: some rows skipped, all else imported.
const SKIPPED: u8 = 1;
/// Exit status: failed.
const FAILED: u8 = 2;

/// Runs `command` against the store `options` select; returns the exit status.
pub async fn run(command: &Command, options: &Options) -> u8 {
    let result = match command {
        Command::Import(args) => import(args, options).await,
        Command::Export { to } => export_to(to.as_ref(), options).await.map(|()| DONE),
    };
    result.unwrap_or_else(|e| {
        eprintln!("clusto-local: {e}");
        FAILED
    })
}

async fn import(args: &ImportArgs, options: &Options) -> Result<u8, BoxError> {
    if options.memory {
        return Err("import into --memory would be lost when the process ends: \
                    use --data DIR or --dynamodb-table NAME"
            .into());
    }
    let (snapshot, skipped): (Snapshot, Vec<Skip>) = match (&args.from_sql, &args.from_dump) {
        (Some(url), _) => sql::read(url).await?,
        (None, Some(path)) => read_dump(path)?,
        (None, None) => unreachable!("clap requires one source"),
    };
    for s in &skipped {
        eprintln!("{s}");
    }
    let clusto = Clusto::new(store(options).await?);
    let summary = load(&clusto, snapshot, skipped.len()).await?;
    // A source without clustometa (a dump of a store that never had one) still leaves a
    // store the API can serve.
    clusto.init().await?;
    eprintln!("{summary}");
    Ok(if skipped.is_empty() { DONE } else { SKIPPED })
}

fn read_dump(path: &PathBuf) -> Result<(Snapshot, Vec<Skip>), MigrateError> {
    let input: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| MigrateError::io(format!("cannot open {}", path.display()), e))?;
        Box::new(file)
    };
    dump::read(BufReader::new(input))
}

async fn export_to(to: Option<&PathBuf>, options: &Options) -> Result<(), BoxError> {
    let clusto = Clusto::new(store(options).await?);
    let snapshot = export::snapshot(&clusto).await?;
    match to {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|e| MigrateError::io(format!("cannot create {}", path.display()), e))?;
            dump::write(&snapshot, &mut BufWriter::new(file))?;
        }
        None => dump::write(&snapshot, &mut BufWriter::new(std::io::stdout().lock()))?,
    }
    eprintln!(
        "exported {} entities, {} attribute rows",
        snapshot.entities.len(),
        snapshot.rows.len()
    );
    Ok(())
}
