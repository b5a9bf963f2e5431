//! The `opatreni` command line: wires the library's stages together.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    version,
    about = "Full-text search server for Czech public-policy measures"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Read the reports in the data directory, check them and print a summary.
    Import {
        /// The data directory: reports/, gazetteer.toml, categories.toml.
        #[arg(long, env = "OPATRENI_DATA", default_value = "data")]
        data: PathBuf,
        /// Print every measure as one JSON line instead of the summary.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Import { data, json }) => import(&data, json),
        None => {
            eprintln!("nothing to do yet; try `opatreni import`");
            ExitCode::FAILURE
        }
    }
}

fn import(data: &std::path::Path, json: bool) -> ExitCode {
    match opatreni::ingest::import(data) {
        Ok(corpus) if json => {
            for measure in &corpus.measures {
                println!(
                    "{}",
                    serde_json::to_string(measure).expect("records serialise")
                );
            }
            ExitCode::SUCCESS
        }
        Ok(corpus) => {
            print!("{}", corpus.summary());
            ExitCode::SUCCESS
        }
        Err(problems) => {
            eprint!("{problems}");
            ExitCode::FAILURE
        }
    }
}
