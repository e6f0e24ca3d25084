//! `fiskal emulator <provider> [options]`: the `fiskal-emulator` binary's command line and run
//! path ([`fiskal_emulator::cli`]), reached through `fiskal`. The options are one clap type,
//! [`fiskal_emulator::cli::EmulatorArgs`], so the two front ends cannot drift apart.

use crate::out::CliError;
use fiskal_emulator::cli::EmulatorArgs;

/// Runs the emulator until Ctrl-C. It prints its own lines (addresses, test accounts) and its
/// own reason when it cannot start, so the error is silent here; the exit code is the emulator's.
pub(crate) async fn run(args: EmulatorArgs) -> Result<(), CliError> {
    let code = fiskal_emulator::cli::run(args).await;
    if code == 0 {
        Ok(())
    } else {
        Err(CliError::new(code, "emulator").silent())
    }
}

#[cfg(test)]
mod tests {
    use crate::out::Lang;
    use clap::{CommandFactory, Parser};

    /// Arguments `fiskal` adds everywhere (globals) or replaces per language (help, version).
    const FISKAL_OWN: [&str; 4] = ["lang", "json", "help", "version"];

    /// Everything clap parses and shows of a command's arguments and subcommands, recursively
    /// (the command's own name and about excepted: `fiskal emulator` has its own).
    fn shape(cmd: &clap::Command) -> Vec<String> {
        let mut out = Vec::new();
        walk(cmd, cmd.get_name(), &mut out);
        out
    }

    fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for a in cmd.get_arguments() {
            if FISKAL_OWN.contains(&a.get_id().as_str()) {
                continue;
            }
            out.push(format!(
                "{path} arg {} long={:?} short={:?} values={:?} defaults={:?} action={:?} \
                 required={} num={:?} help={:?} long_help={:?}",
                a.get_id(),
                a.get_long(),
                a.get_short(),
                a.get_value_names(),
                a.get_default_values(),
                a.get_action(),
                a.is_required_set(),
                a.get_num_args(),
                a.get_help().map(ToString::to_string),
                a.get_long_help().map(ToString::to_string),
            ));
        }
        for s in cmd.get_subcommands() {
            let mut aliases: Vec<&str> = s.get_all_aliases().collect();
            aliases.sort_unstable();
            out.push(format!(
                "{path} sub {} aliases={aliases:?} about={:?} long_about={:?}",
                s.get_name(),
                s.get_about().map(ToString::to_string),
                s.get_long_about().map(ToString::to_string),
            ));
            walk(s, &format!("{path} {}", s.get_name()), out);
        }
    }

    fn fiskal_emulator_subcommand(cmd: &clap::Command) -> clap::Command {
        match cmd.find_subcommand("emulator") {
            Some(c) => c.clone().name("fiskal-emulator"),
            None => panic!("`fiskal` has no `emulator` subcommand"),
        }
    }

    #[test]
    fn fiskal_emulator_takes_the_binarys_options() {
        let ours = fiskal_emulator_subcommand(&crate::Cli::command());
        let theirs = fiskal_emulator::cli::command();
        let (ours, theirs) = (shape(&ours), shape(&theirs));
        // Not vacuous: the six providers and their options are there.
        assert!(theirs.len() > 20, "{theirs:#?}");
        assert_eq!(ours, theirs);
    }

    /// `fiskal` shows each help text in one language (`русский / English`); the emulator's are
    /// English only and come through both languages unchanged.
    #[test]
    fn the_emulator_help_reads_the_same_in_both_languages() {
        let theirs = shape(&fiskal_emulator::cli::command());
        for lang in [Lang::En, Lang::Ru] {
            let cmd = crate::localize(crate::Cli::command(), lang, true);
            assert_eq!(shape(&fiskal_emulator_subcommand(&cmd)), theirs, "{lang:?}");
        }
    }

    #[test]
    fn fiskal_emulator_parses_into_the_emulators_type() {
        let cli = crate::Cli::try_parse_from(["fiskal", "emulator", "modulkassa", "--offline"]);
        match cli.map(|c| c.command) {
            Ok(crate::Command::Emulator(args)) => {
                assert_eq!(args.provider.name(), "modulkassa");
                let fiskal_emulator::cli::Provider::Modulkassa(m) = args.provider else {
                    panic!("not modulkassa")
                };
                assert!(m.offline);
            }
            Ok(other) => panic!("parsed as {other:?}"),
            Err(e) => panic!("{e}"),
        }
        for bad in [
            &["fiskal", "emulator"][..],
            &["fiskal", "emulator", "komtet", "--strict"],
        ] {
            match crate::Cli::try_parse_from(bad) {
                Ok(c) => panic!("{bad:?} parsed: {:?}", c.command),
                Err(e) => assert_eq!(e.exit_code(), 2, "{bad:?}: {e}"),
            }
        }
    }
}
