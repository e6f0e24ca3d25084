//! What the cloud has no equivalent for, kept beside the outbox journal: the synthetic shift,
//! its counters, the cash balance, and how many times each receipt was answered (the
//! `ProcessCheck` key). Stored as JSON, written whole through a temporary file and a rename, so
//! a crash leaves the old or the new state, never half. Where ([`location`]): the `StatePath`
//! parameter when given; else, for a journal that is a file, `<journal>.kkt.json` beside it (as
//! every installation before `StatePath` had it). A journal that is a PostgreSQL URL has no
//! "beside": `StatePath` is required then.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::KktError;

/// One `CountersOperationTypeN`, in kopecks.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct Counter {
    /// Receipts.
    pub(crate) count: u32,
    /// Their total.
    pub(crate) total: u64,
    /// Correction receipts.
    pub(crate) correction_count: u32,
    /// Their total.
    pub(crate) correction_total: u64,
}

/// What the register would know that the provider does not report, and the last provider data.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct State {
    /// The synthetic shift is open.
    pub(crate) shift_open: bool,
    /// The synthetic shift number (1 for the first shift opened).
    pub(crate) shift_number: u32,
    /// Receipts answered in this shift.
    pub(crate) shift_checks: u32,
    /// The last ФД number the provider reported (0: none yet).
    pub(crate) last_fd: u32,
    /// When the last document (receipt or synthetic one) was made.
    pub(crate) last_date_time: String,
    /// Cash in the drawer: receipts' cash, deposits, withdrawals (kopecks).
    pub(crate) cash: u64,
    /// The shift's counters per operation type 1–4.
    pub(crate) counters: [Counter; 4],
    /// Per receipt hash: how many times `ProcessCheck` answered it with success.
    pub(crate) answered: BTreeMap<String, u32>,
    /// The provider's register data seen on the last receipt (1037, 1041, 1013, 1060).
    pub(crate) kkt_number: String,
    /// 1041.
    pub(crate) fn_number: String,
    /// 1013.
    pub(crate) kkt_serial: String,
    /// 1060.
    pub(crate) fns_site: String,
}

/// The state file beside a journal that is a file.
pub(crate) fn path_for(journal: &str) -> PathBuf {
    PathBuf::from(format!("{journal}.kkt.json"))
}

/// The name of the driver parameter that places the state file.
pub(crate) const STATE_PATH: &str = "StatePath";

/// Where the state of the journal `journal` is kept: `state_path` (the `StatePath` parameter,
/// trimmed; empty when not given) when given, else beside a file journal. A journal that is a
/// `postgres://` URL needs `state_path`: a URL is not a path (and the file would be named after
/// the server). The error names the parameter and never quotes the URL (it may carry a
/// password).
pub(crate) fn location(journal: &str, state_path: &str) -> Result<PathBuf, KktError> {
    if !state_path.is_empty() {
        return Ok(PathBuf::from(state_path));
    }
    if fiskal_outbox::is_postgres_url(journal) {
        return Err(KktError::Setting {
            name: STATE_PATH,
            message: "не задан, а журнал JournalPath — адрес сервера PostgreSQL, не файл: \
                      укажите файл, в котором драйвер хранит состояние смены этого рабочего места"
                .into(),
        });
    }
    Ok(path_for(journal))
}

impl State {
    /// Reads the state (a missing file is the initial state).
    pub(crate) fn load(path: &Path) -> Result<State, KktError> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| KktError::State {
                path: path.display().to_string(),
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
            Err(e) => Err(KktError::State {
                path: path.display().to_string(),
                message: e.to_string(),
            }),
        }
    }

    /// Writes the state whole (temporary file, sync, rename).
    pub(crate) fn save(&self, path: &Path) -> Result<(), KktError> {
        let err = |e: &dyn std::fmt::Display| KktError::State {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let text = serde_json::to_string_pretty(self).map_err(|e| err(&e))?;
        let tmp = path.with_extension("json.tmp");
        {
            use std::io::Write as _;
            let mut f = std::fs::File::create(&tmp).map_err(|e| err(&e))?;
            f.write_all(text.as_bytes()).map_err(|e| err(&e))?;
            f.sync_all().map_err(|e| err(&e))?;
        }
        std::fs::rename(&tmp, path).map_err(|e| err(&e))
    }
}

/// Now as `YYYY-MM-DDTHH:MM:SS` (UTC: the add-in has no time-zone data; the fiscal date of a
/// receipt always comes from the provider).
pub(crate) fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_through_its_file() {
        let dir = std::env::temp_dir().join(format!("fiskal-kkt-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let p = dir.join("s.kkt.json");
        let _ = std::fs::remove_file(&p);
        assert_eq!(State::load(&p).expect("missing"), State::default());
        let mut s = State {
            shift_open: true,
            shift_number: 3,
            ..State::default()
        };
        s.answered.insert("abc".into(), 2);
        s.counters[1].count = 4;
        s.save(&p).expect("save");
        assert_eq!(State::load(&p).expect("load"), s);
    }

    #[test]
    fn the_state_sits_beside_a_file_journal_and_at_state_path_for_a_url() {
        assert_eq!(
            location("/var/lib/fiskal/outbox.db", "").expect("file journal"),
            PathBuf::from("/var/lib/fiskal/outbox.db.kkt.json")
        );
        assert_eq!(
            location("/var/lib/fiskal/outbox.db", "/srv/kkt-1.json").expect("explicit"),
            PathBuf::from("/srv/kkt-1.json")
        );
        assert_eq!(
            location("postgres://fiskal@db:5432/fiskal", "C:\\fiskal\\kkt.json").expect("url"),
            PathBuf::from("C:\\fiskal\\kkt.json")
        );
        for url in [
            "postgres://fiskal:s3cret@db:5432/fiskal",
            "PostgreSQL://fiskal@db/fiskal",
            " postgresql://db/fiskal",
        ] {
            let e = location(url, "").expect_err(url);
            assert_eq!(e.code(), 4, "{url}");
            let text = e.message_ru();
            assert!(text.contains("StatePath"), "{text}");
            assert!(
                !text.contains("s3cret") && !text.contains("db:5432"),
                "{text}"
            );
        }
    }

    #[test]
    fn now_is_an_iso_date_time() {
        let n = now();
        assert_eq!(n.len(), 19, "{n}");
        assert_eq!(&n[4..5], "-");
        assert_eq!(&n[10..11], "T");
        assert!(n.starts_with("20"), "{n}");
    }
}
