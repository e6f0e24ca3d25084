//! `fiskal report`: the done receipts of a period with totals per day, operation (1054), VAT
//! rate (1199) and route — what an accountant reconciles against the OFD's cabinet. Money is
//! summed in kopecks (integers) and printed exactly.

use crate::out::{exit, CliError, Out};
use crate::ReportFormat;
use fiskal_outbox::{Entry, JournalStore, SqliteStore, Store, Timestamp};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;

/// Kopecks as roubles with two decimals: `123456` → `1234.56`.
fn rub(k: u64) -> String {
    format!("{}.{:02}", k / 100, k % 100)
}

fn parse_day(text: &str, option: &str) -> Result<jiff::civil::Date, CliError> {
    text.trim().parse::<jiff::civil::Date>().map_err(|_| {
        CliError::tr(
            exit::CONFIG,
            format!("{option} {text:?}: нужна дата ГГГГ-ММ-ДД"),
            format!("{option} {text:?}: expected a date YYYY-MM-DD"),
        )
    })
}

/// Sums of one (day, route, operation, rate): how many receipts have the rate, the items'
/// amount at it and its VAT, in kopecks.
#[derive(Default)]
struct Sums {
    receipts: u64,
    amount: u64,
    vat: u64,
}

/// The day (the fiscal document's date, the register's local time) of a done entry; the local
/// date of its last change when it carries no fiscal attributes.
fn day_of(e: &Entry) -> String {
    match &e.fiscal {
        Some(f) => {
            let (y, m, d, ..) = f.date_time.fields();
            format!("{y:04}-{m:02}-{d:02}")
        }
        None => super::view::local_time(e.updated_at)
            .get(..10)
            .unwrap_or_default()
            .to_owned(),
    }
}

/// The journal to report on, read only: an existing SQLite file, or a `postgres://` journal
/// (feature `postgres`) with the connection options of `--config` when given.
fn open_journal(db: &Path, config: Option<&Path>) -> Result<JournalStore, CliError> {
    if super::queue::is_postgres_db(db) {
        let settings = config.map(super::provider::load_settings).transpose()?;
        let postgres = settings.as_ref().and_then(|s| s.postgres.as_ref());
        return JournalStore::open(db, postgres, fiskal_outbox::store::Config::default())
            .map_err(|e| super::queue::journal_error(db, e));
    }
    if !db.is_file() {
        return Err(CliError::tr(
            exit::STORAGE,
            format!("журнал очереди {}: файла нет", db.display()),
            format!("outbox journal {}: no such file", db.display()),
        ));
    }
    SqliteStore::open_read_only(db)
        .map(JournalStore::from)
        .map_err(|e| CliError::journal(db, &e))
}

/// `journal`: `--db` and `--config`.
pub(super) fn report(
    out: &Out,
    journal: (&Path, Option<&Path>),
    from: &str,
    to: &str,
    format: ReportFormat,
    file: Option<&Path>,
) -> Result<(), CliError> {
    let from_day = parse_day(from, "--from")?;
    let to_day = parse_day(to, "--to")?;
    if to_day < from_day {
        return Err(CliError::tr(
            exit::CONFIG,
            format!("--to {to} раньше, чем --from {from}"),
            format!("--to {to} is before --from {from}"),
        ));
    }
    let store = open_journal(journal.0, journal.1)?;
    // The journal's clock is UTC milliseconds; the day is the receipt's own date. Read two
    // days around the period, then keep the receipts whose date is in it.
    let ms = |d: jiff::civil::Date| {
        d.to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0)
    };
    let day = 86_400_000;
    let lo = Timestamp(ms(from_day) - 2 * day);
    let hi = Timestamp(ms(to_day) + 3 * day);
    let entries = store
        .done_between(lo, hi, usize::MAX >> 1)
        .map_err(CliError::outbox)?;
    let (first, last) = (from_day.to_string(), to_day.to_string());
    let mut rates: BTreeMap<(String, String, String, String), Sums> = BTreeMap::new();
    let mut totals: BTreeMap<(String, String, String), Sums> = BTreeMap::new();
    let mut count = 0u64;
    for e in &entries {
        let d = day_of(e);
        if d < first || d > last {
            continue;
        }
        let receipt = e.receipt().map_err(CliError::outbox)?;
        let op = receipt.operation.to_string();
        let money = |m: &fiskal_ffd::Money, path: &str| {
            m.kopecks().map_err(|p| {
                CliError::tr(
                    exit::INVALID_INPUT,
                    format!("{}: {path}: сумма не в копейках: {p:?}", e.key),
                    format!("{}: {path}: not a kopeck amount: {p:?}", e.key),
                )
            })
        };
        let total = money(&receipt.total, "total")?;
        let mut per_rate: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for (i, it) in receipt.items.iter().enumerate() {
            let sum = money(&it.sum, &format!("items[{i}].sum"))?;
            let vat = match &it.vat_sum {
                Some(v) => money(v, &format!("items[{i}].vat_sum"))?,
                None => it.vat.vat_of(sum).unwrap_or(0),
            };
            let slot = per_rate.entry(it.vat.to_string()).or_default();
            slot.0 += sum;
            slot.1 += vat;
        }
        let mut vat_all = 0;
        for (rate, (sum, vat)) in per_rate {
            let s = rates
                .entry((d.clone(), e.provider.clone(), op.clone(), rate))
                .or_default();
            s.receipts += 1;
            s.amount += sum;
            s.vat += vat;
            vat_all += vat;
        }
        let t = totals.entry((d, e.provider.clone(), op)).or_default();
        t.receipts += 1;
        t.amount += total;
        t.vat += vat_all;
        count += 1;
    }
    let mut rows = Vec::new();
    for ((d, route, op), t) in &totals {
        rows.push((d, route, op, "total".to_owned(), t));
        for ((d2, r2, o2, rate), s) in &rates {
            if d2 == d && r2 == route && o2 == op {
                rows.push((d, route, op, rate.clone(), s));
            }
        }
    }
    let mut grand: BTreeMap<String, Sums> = BTreeMap::new();
    for ((_, _, op), t) in &totals {
        let g = grand.entry(op.clone()).or_default();
        g.receipts += t.receipts;
        g.amount += t.amount;
        g.vat += t.vat;
    }
    // `--json` without `--out`: the JSON form on stdout (every command honours `--json`).
    let format = if out.json && file.is_none() {
        ReportFormat::Json
    } else {
        format
    };
    let doc = match format {
        ReportFormat::Csv => {
            let mut s = String::from("date,route,operation,vat_rate,receipts,amount,vat\n");
            for (d, route, op, rate, x) in &rows {
                s.push_str(&format!(
                    "{d},{route},{op},{rate},{},{},{}\n",
                    x.receipts,
                    rub(x.amount),
                    rub(x.vat)
                ));
            }
            for (op, g) in &grand {
                s.push_str(&format!(
                    "{first}..{last},all,{op},total,{},{},{}\n",
                    g.receipts,
                    rub(g.amount),
                    rub(g.vat)
                ));
            }
            s
        }
        ReportFormat::Json => {
            let row = |x: &Sums| {
                json!({"receipts": x.receipts, "amount": rub(x.amount),
                    "amount_kopecks": x.amount, "vat": rub(x.vat), "vat_kopecks": x.vat})
            };
            let list: Vec<_> = rows
                .iter()
                .map(|(d, route, op, rate, x)| {
                    let mut v = row(x);
                    v["date"] = json!(d);
                    v["route"] = json!(route);
                    v["operation"] = json!(op);
                    v["vat_rate"] = json!(rate);
                    v
                })
                .collect();
            let g: serde_json::Map<String, serde_json::Value> =
                grand.iter().map(|(op, x)| (op.clone(), row(x))).collect();
            let v = json!({"from": first, "to": last, "receipts": count, "rows": list,
                "totals": g});
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
    };
    match file {
        Some(p) => {
            std::fs::write(p, &doc).map_err(|e| CliError::io(p, &e))?;
            out.json(&json!({"out": p.display().to_string(), "receipts": count}));
            out.say(
                &format!(
                    "Отчёт за {first} … {last}: чеков {count}; записан в {}",
                    p.display()
                ),
                &format!(
                    "Report for {first} … {last}: {count} receipts; written to {}",
                    p.display()
                ),
            );
        }
        None => {
            let mut o = std::io::stdout().lock();
            let _ = std::io::Write::write_all(&mut o, doc.as_bytes());
        }
    }
    Ok(())
}
