//! The `opatreni` command line: wires the library's stages together.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator ([`opatreni::alloc`] says why).
#[global_allocator]
static GLOBAL: opatreni::alloc::MiMalloc = opatreni::alloc::MiMalloc;

#[derive(Parser)]
#[command(
    version,
    about = "Full-text search server for Czech public-policy measures",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// With no command, `opatreni` serves: these are `serve`'s options.
    #[command(flatten)]
    serve: ServeArgs,
    /// Log lines as human-readable text or as JSON objects for log collectors.
    #[arg(long, env = "OPATRENI_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default): builds the index first when it is
    /// missing or older than the data.
    Serve(ServeArgs),
    /// Read the reports in the data directory, check them and print a summary.
    Import {
        /// The data directory: reports/, gazetteer.toml, categories.toml.
        #[arg(long, env = "OPATRENI_DATA", default_value = "data")]
        data: PathBuf,
        /// Print every measure as one JSON line instead of the summary.
        #[arg(long)]
        json: bool,
    },
    /// Build a new index generation from the data directory.
    Index {
        #[arg(long, env = "OPATRENI_DATA", default_value = "data")]
        data: PathBuf,
        /// The index directory (generations and the CURRENT pointer).
        #[arg(long, env = "OPATRENI_INDEX", default_value = "index")]
        index: PathBuf,
    },
    /// Search the index (built first when missing or stale) and print the best hits.
    Search {
        /// The query, as a person types it.
        query: String,
        #[arg(long, env = "OPATRENI_DATA", default_value = "data")]
        data: PathBuf,
        #[arg(long, env = "OPATRENI_INDEX", default_value = "index")]
        index: PathBuf,
        /// How many hits to print.
        #[arg(long, env = "OPATRENI_LIMIT", default_value_t = 10)]
        limit: usize,
    },
}

#[derive(clap::Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "OPATRENI_ADDR", default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
    /// The data directory: reports/, gazetteer.toml, categories.toml, …
    #[arg(long, env = "OPATRENI_DATA", default_value = "data")]
    data: PathBuf,
    /// The index directory (generations and the CURRENT pointer).
    #[arg(long, env = "OPATRENI_INDEX", default_value = "index")]
    index: PathBuf,
    /// Rebuild the index whenever a file in the data directory changes.
    #[arg(long, env = "OPATRENI_WATCH")]
    watch: bool,
    /// Bearer token for POST /admin/reindex; without one the endpoint answers 403.
    #[arg(long, env = "OPATRENI_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match cli.command {
        Some(Command::Import { data, json }) => import(&data, json),
        Some(Command::Index { data, index }) => build_index(&data, &index),
        Some(Command::Search {
            query,
            data,
            index,
            limit,
        }) => search(&query, &data, &index, limit),
        Some(Command::Serve(args)) => serve(args),
        None => serve(cli.serve),
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

fn build_index(data: &std::path::Path, index: &std::path::Path) -> ExitCode {
    match opatreni::index::build_from_data(data, index) {
        Ok(generation) => {
            println!(
                "built generation {} with {} measures in {}",
                generation.meta.generation,
                generation.meta.documents,
                generation.path.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprint!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn search(query: &str, data: &std::path::Path, index: &std::path::Path, limit: usize) -> ExitCode {
    let searcher = match opatreni::search::live::LiveIndex::open_or_build(data, index) {
        Ok(live) => live.searcher(),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let request = opatreni::search::SearchRequest {
        q: query.to_owned(),
        limit,
        ..Default::default()
    };
    match searcher.search(&request) {
        Ok(response) => {
            println!(
                "{} measures match {:?} ({} ms)",
                response.total, query, response.took_ms
            );
            for hit in response.hits.iter() {
                println!(
                    "{:>7.3}  {}  [{}]  {}",
                    hit.score,
                    hit.id,
                    hit.towns.join(", "),
                    hit.highlight
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default: info, tantivy's own
/// chatter at warn).
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tantivy=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run_server(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn run_server(args: ServeArgs) -> Result<(), String> {
    let (data, index) = (args.data.clone(), args.index.clone());
    let live = tokio::task::spawn_blocking(move || {
        opatreni::search::live::LiveIndex::open_or_build(&data, &index)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    let state = opatreni::http::AppState::new(std::sync::Arc::new(live), args.admin_token);
    let _watcher = if args.watch {
        let watcher =
            opatreni::search::watch::watch(state.index.clone(), opatreni::search::watch::DEBOUNCE)
                .map_err(|e| format!("cannot watch {}: {e}", args.data.display()))?;
        Some(watcher)
    } else {
        None
    };
    let meta = state.index.searcher().meta().clone();
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    tracing::info!(
        "serving {} measures (index generation {}) on http://{}",
        meta.documents,
        meta.generation,
        args.addr
    );
    axum::serve(listener, opatreni::http::router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!("shut down");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM: in-flight requests finish, new ones are
/// refused.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
