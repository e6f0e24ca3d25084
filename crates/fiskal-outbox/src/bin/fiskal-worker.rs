//! `fiskal-worker`: the outbox worker as its own process.
//!
//! ```text
//! fiskal-worker --db PATH|postgres://URL --settings FILE [--until-settled] [--max-seconds N]
//! ```
//!
//! `--db` is an SQLite file or, in a build with the feature `postgres`, a `postgres://` URL
//! (the password from the settings' `postgres.password`; several workers on many machines may
//! share that journal). Reads the outbox settings (JSON, see `fiskal_outbox::settings`), opens
//! the journal and runs the worker until SIGINT or SIGTERM (then it drains in-flight calls and
//! exits 0), or with `--until-settled` until nothing is scheduled (exit 0) or `--max-seconds`
//! pass (exit 1). Exit 2: bad arguments or settings. Killing it at any point loses nothing: the
//! next run resolves whatever it left in flight.

use fiskal_outbox::{Outbox, OutboxSettings};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

struct Args {
    db: String,
    settings: String,
    until_settled: bool,
    max_seconds: Option<u64>,
}

const USAGE: &str =
    "usage: fiskal-worker --db PATH|postgres://URL --settings FILE [--until-settled] [--max-seconds N]";

fn parse_args() -> Result<Args, String> {
    let mut db = None;
    let mut settings = None;
    let mut until_settled = false;
    let mut max_seconds = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--db" => db = it.next(),
            "--settings" => settings = it.next(),
            "--until-settled" => until_settled = true,
            "--max-seconds" => {
                let v = it.next().ok_or("--max-seconds needs a number")?;
                max_seconds = Some(v.parse().map_err(|_| format!("--max-seconds {v:?}"))?);
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(Args {
        db: db.ok_or(USAGE)?,
        settings: settings.ok_or(USAGE)?,
        until_settled,
        max_seconds,
    })
}

fn say(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "fiskal-worker: {line}");
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            say(&e);
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read_to_string(&args.settings) {
        Ok(t) => t,
        Err(e) => {
            say(&format!("cannot read {}: {e}", args.settings));
            return ExitCode::from(2);
        }
    };
    let outbox = match OutboxSettings::from_json(&text).and_then(|s| Outbox::open(&args.db, &s)) {
        Ok(o) => o,
        Err(e) => {
            say(&e.to_string());
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            say(&format!("cannot start the runtime: {e}"));
            return ExitCode::from(2);
        }
    };
    let worker = outbox.worker().clone();
    let limit = args.max_seconds.map(Duration::from_secs);
    let settled = rt.block_on(async move {
        let stop = async move {
            let limit = async {
                match limit {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = limit => {}
                () = signal() => {}
            }
        };
        if args.until_settled {
            worker.run_until_settled(stop).await
        } else {
            worker.run(stop).await;
            true
        }
    });
    let c = outbox.counters();
    say(&format!(
        "stopped: {} claimed, {} submits, {} status calls, {} done, {} store errors",
        c.claimed, c.submits, c.status_calls, c.done, c.store_errors
    ));
    if settled {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// SIGINT or SIGTERM (Ctrl-C elsewhere).
async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            return;
        }
    }
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
