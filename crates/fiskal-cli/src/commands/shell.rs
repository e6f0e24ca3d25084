//! `fiskal completions` and `fiskal man`: generated from the clap definitions, in the language
//! of `--lang`.

use crate::out::{CliError, Out};
use crate::ShellKind;
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

/// The command tree as `fiskal --help` shows it.
fn command(out: &Out) -> clap::Command {
    crate::localize(crate::Cli::command(), out.lang, true)
}

/// Shell completions on stdout (`fiskal completions bash > /etc/bash_completion.d/fiskal`).
pub(super) fn completions(out: &Out, shell: ShellKind) -> Result<(), CliError> {
    use clap_complete::Shell;
    let shell = match shell {
        ShellKind::Bash => Shell::Bash,
        ShellKind::Zsh => Shell::Zsh,
        ShellKind::Fish => Shell::Fish,
    };
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut command(out), "fiskal", &mut buf);
    let mut o = std::io::stdout().lock();
    o.write_all(&buf)
        .map_err(|e| CliError::internal(format!("stdout: {e}")))
}

/// The man page (roff) on stdout or into a file (`fiskal man --out fiskal.1`).
pub(super) fn man(out: &Out, to: Option<&Path>) -> Result<(), CliError> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(command(out))
        .render(&mut buf)
        .map_err(|e| CliError::internal(format!("man page: {e}")))?;
    match to {
        Some(p) => {
            std::fs::write(p, &buf).map_err(|e| CliError::io(p, &e))?;
            out.json(&serde_json::json!({"out": p.display().to_string()}));
            out.say(
                &format!(
                    "Страница man записана в {} (man -l {})",
                    p.display(),
                    p.display()
                ),
                &format!(
                    "Man page written to {} (man -l {})",
                    p.display(),
                    p.display()
                ),
            );
            Ok(())
        }
        None => std::io::stdout()
            .lock()
            .write_all(&buf)
            .map_err(|e| CliError::internal(format!("stdout: {e}"))),
    }
}
