//! The page's HTML, written here (no template engine): every text from the journal or the
//! caller goes through [`esc`].

use super::events::event_name;
use super::labels::L;
use super::stuck::StuckKind;
use crate::error::Lang;
use crate::Inner;
use fiskal_json::ApiError;
use fiskal_outbox::{AuditRecord, Entry, RouteAlarm, State, StateStats, Timestamp};
use std::fmt::Write as _;
use std::time::Duration;

/// HTML-escapes text for element content and quoted attributes.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A key as a path segment: keys hold only ASCII letters, digits and `-_.:/`, so only `/` needs
/// encoding (and anything else is encoded too, should a key ever hold it).
pub(crate) fn path_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.:".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

const STYLE: &str = "body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#1d2329;background:#f5f6f8}\
header{display:flex;gap:1em;align-items:center;padding:.6em 1.2em;background:#23364d;color:#fff}\
header h1{font-size:1.15em;margin:0;flex:1}header a{color:#fff}\
header button{color:#fff;background:transparent;border:1px solid #fff;border-radius:4px;cursor:pointer}\
main{padding:1em 1.2em;max-width:78em}section{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:.6em 1em;margin:0 0 1em}\
h2{font-size:1.05em;margin:.2em 0 .6em}table{border-collapse:collapse;width:100%}\
th,td{text-align:left;padding:.25em .6em;border-bottom:1px solid #e6e9ed;vertical-align:top}\
th{font-weight:600;color:#4a5562}.bad{color:#a4161a;font-weight:600}.ok{color:#1b7a3a}\
.counts td.n{text-align:right;font-variant-numeric:tabular-nums}.notice{background:#fff3cd;border:1px solid #e0c36b;padding:.5em 1em;border-radius:6px}\
form.inline{display:inline}iframe{width:100%;height:42em;border:1px solid #d8dde3;background:#fff}\
label{display:block;margin:.3em 0}input[type=text],input[type=password]{width:24em;max-width:100%}\
button{padding:.3em 1em}.actions form{margin:0 0 1em}";

fn head(lang: Lang, title: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>",
        lang.tag(),
        esc(title)
    )
}

fn other_lang(lang: Lang) -> (&'static str, &'static str) {
    match lang {
        Lang::Ru => ("en", "English"),
        Lang::En => ("ru", "Русский"),
    }
}

fn header(lang: Lang, csrf: Option<&str>) -> String {
    let (code, name) = other_lang(lang);
    let mut h = format!(
        "<header><h1><a href=\"/\">{}</a></h1><a href=\"?lang={code}\" id=\"lang\">{name}</a>",
        esc(L::title.t(lang))
    );
    if let Some(c) = csrf {
        let _ = write!(
            h,
            "<form class=\"inline\" method=\"post\" action=\"/logout\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button type=\"submit\">{}</button></form>",
            esc(c),
            esc(L::logout.t(lang))
        );
    }
    h.push_str("</header>");
    h
}

/// The sign-in page.
pub(super) fn login(lang: Lang, failed: bool) -> String {
    let mut h = head(lang, L::login_title.t(lang));
    h.push_str(&header(lang, None));
    let _ = write!(h, "<main><section><h2>{}</h2>", esc(L::login_title.t(lang)));
    if failed {
        let _ = write!(
            h,
            "<p class=\"bad\" id=\"login-failed\">{}</p>",
            esc(L::login_failed.t(lang))
        );
    }
    let _ = write!(
        h,
        "<p>{}</p><form method=\"post\" action=\"/login?lang={}\">\
         <label>{} <input type=\"password\" name=\"token\" autocomplete=\"current-password\" required></label>\
         <button type=\"submit\">{}</button></form></section></main></body></html>",
        esc(L::login_hint.t(lang)),
        lang.tag(),
        esc(L::login_token.t(lang)),
        esc(L::login_button.t(lang))
    );
    h
}

/// A short message page.
pub(super) fn message(lang: Lang, text: &str) -> String {
    let mut h = head(lang, L::title.t(lang));
    h.push_str(&header(lang, None));
    let _ = write!(
        h,
        "<main><section><p class=\"notice\">{}</p><p><a href=\"/\">{}</a></p></section></main></body></html>",
        esc(text),
        esc(L::back.t(lang))
    );
    h
}

/// An error page.
pub(super) fn error(lang: Lang, e: &ApiError) -> String {
    let text = match lang {
        Lang::Ru => &e.message_ru,
        Lang::En => &e.message_en,
    };
    message(
        lang,
        &format!("{} {}: {text}", L::error.t(lang), e.code.number()),
    )
}

/// No such receipt.
pub(super) fn not_found(lang: Lang, key: &str) -> String {
    message(lang, &format!("{} ({key})", L::not_found.t(lang)))
}

/// A duration for people.
fn age(d: Duration, lang: Lang) -> String {
    let s = d.as_secs();
    let (sec, min, h, day) = match lang {
        Lang::Ru => ("с", "мин", "ч", "дн"),
        Lang::En => ("s", "min", "h", "d"),
    };
    if s < 60 {
        format!("{s} {sec}")
    } else if s < 3600 {
        format!("{} {min}", s / 60)
    } else if s < 86_400 {
        format!("{} {h} {} {min}", s / 3600, (s % 3600) / 60)
    } else {
        format!("{} {day} {} {h}", s / 86_400, (s % 86_400) / 3600)
    }
}

/// A latency in seconds with one decimal, rounded half up (`0.4 с`, `12.0 s`).
fn seconds(d: Duration, lang: Lang) -> String {
    let tenths = (d.as_millis() + 50) / 100;
    let unit = match lang {
        Lang::Ru => "с",
        Lang::En => "s",
    };
    format!("{}.{} {unit}", tenths / 10, tenths % 10)
}

/// Milliseconds since 1970 as UTC `YYYY-MM-DD HH:MM:SS`.
fn utc(t: Timestamp) -> String {
    let ms = t.as_millis();
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

fn state_name(s: State, lang: Lang) -> &'static str {
    match (s, lang) {
        (State::Queued, Lang::Ru) => "в очереди",
        (State::Sending, Lang::Ru) => "отправляется",
        (State::Accepted, Lang::Ru) => "принят провайдером",
        (State::Done, Lang::Ru) => "пробит",
        (State::InDoubt, Lang::Ru) => "выясняется",
        (State::RetryLater, Lang::Ru) => "повтор позже",
        (State::FailedAtRegister, Lang::Ru) => "отказ кассы",
        (State::Rejected, Lang::Ru) => "отклонён",
        (State::Stuck, Lang::Ru) => "завис",
        (State::Cancelled, Lang::Ru) => "отменён",
        (State::Queued, Lang::En) => "queued",
        (State::Sending, Lang::En) => "sending",
        (State::Accepted, Lang::En) => "accepted by the provider",
        (State::Done, Lang::En) => "fiscalised",
        (State::InDoubt, Lang::En) => "in doubt",
        (State::RetryLater, Lang::En) => "retry later",
        (State::FailedAtRegister, Lang::En) => "refused by the register",
        (State::Rejected, Lang::En) => "rejected",
        (State::Stuck, Lang::En) => "stuck",
        (State::Cancelled, Lang::En) => "cancelled",
        _ => s.name(),
    }
}

fn key_link(key: &str) -> String {
    format!("<a href=\"/receipts/{}\">{}</a>", path_key(key), esc(key))
}

/// What the dashboard shows, read from the journal.
pub(super) struct Dashboard {
    now: Timestamp,
    stats: Vec<StateStats>,
    /// Stuck entries with how they came to be stuck (from their audit trail).
    stuck: Vec<(Entry, StuckKind)>,
    refused: Vec<Entry>,
    last: Vec<(Entry, Option<Duration>)>,
    attention: u64,
    routes: Vec<String>,
    alarms: Vec<RouteAlarm>,
}

/// How many rows each list shows.
const ROWS: usize = 50;
/// How many latest fiscalised receipts.
const LAST: usize = 20;

impl Dashboard {
    /// Reads the journal.
    pub(super) fn read(a: &Inner) -> Result<Dashboard, ApiError> {
        let o = a.outbox.outbox();
        let mut stuck = o.list(State::Stuck, 10_000)?;
        // Longest stuck first.
        stuck.sort_by_key(|e| e.state_since);
        stuck.truncate(ROWS);
        let stuck = stuck
            .into_iter()
            .map(|e| {
                // An unreadable trail leaves the kind unknown; the page still shows the entry.
                let audit = o.audit(&e.key).unwrap_or_default();
                let kind = StuckKind::of(&e, &audit);
                (e, kind)
            })
            .collect();
        let mut refused = o.list(State::Rejected, ROWS)?;
        refused.extend(o.list(State::FailedAtRegister, ROWS)?);
        refused.sort_by_key(|e| std::cmp::Reverse(e.state_since));
        refused.truncate(ROWS);
        let mut done = o.list(State::Done, 100_000)?;
        done.sort_by_key(|e| std::cmp::Reverse(e.state_since));
        done.truncate(LAST);
        let mut last = Vec::with_capacity(done.len());
        for e in done {
            let lat = o
                .audit(&e.key)
                .ok()
                .and_then(|r| crate::metrics::latency_ms_from_audit(&r))
                .map(Duration::from_millis);
            last.push((e, lat));
        }
        Ok(Dashboard {
            now: Timestamp::now(),
            stats: o.stats()?,
            stuck,
            refused,
            last,
            attention: o.attention_count()?,
            routes: a.routes.clone(),
            alarms: o.route_alarms()?,
        })
    }

    /// The page.
    pub(super) fn render(&self, lang: Lang, csrf: &str, operator: bool) -> String {
        let t = |l: L| esc(l.t(lang));
        let mut h = head(lang, L::title.t(lang));
        h.push_str(&header(lang, Some(csrf)));
        h.push_str("<main>");

        // Stuck first: what a person must act on.
        let _ = write!(
            h,
            "<section id=\"stuck\"><h2>{} ({})</h2>",
            t(L::stuck),
            self.stuck.len()
        );
        if self.stuck.is_empty() {
            let _ = write!(h, "<p class=\"ok\">{}</p>", t(L::stuck_none));
        } else {
            let _ = write!(
                h,
                "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
                t(L::key),
                t(L::route),
                t(L::age),
                t(L::reason)
            );
            for (e, kind) in &self.stuck {
                // The kind in the page's language; the provider's own words are on the
                // receipt's page (they come in whatever language they were written).
                let why = kind.cell(e, lang);
                let _ = write!(
                    h,
                    "<tr class=\"stuck-row\"><td>{}</td><td>{}</td><td class=\"bad\">{}</td><td class=\"stuck-reason\">{}</td></tr>",
                    key_link(&e.key),
                    esc(&e.provider),
                    esc(&age(self.now.since(e.state_since), lang)),
                    esc(&why)
                );
            }
            h.push_str("</table>");
        }
        h.push_str("</section>");

        // The queue by state.
        let _ = write!(
            h,
            "<section id=\"counts\"><h2>{}</h2><table class=\"counts\"><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
            t(L::queue),
            t(L::state),
            t(L::count),
            t(L::oldest)
        );
        for s in State::ALL {
            let st = self.stats.iter().find(|x| x.state == s);
            let n = st.map_or(0, |x| x.count);
            let old = st
                .and_then(|x| x.oldest_age)
                .map(|d| age(d, lang))
                .unwrap_or_default();
            let class =
                if n > 0 && matches!(s, State::Stuck | State::Rejected | State::FailedAtRegister) {
                    " class=\"bad\""
                } else {
                    ""
                };
            let _ = write!(
                h,
                "<tr data-state=\"{}\"><td>{}</td><td class=\"n\"{class}>{n}</td><td>{}</td></tr>",
                s.name(),
                esc(state_name(s, lang)),
                esc(&old)
            );
        }
        let _ = write!(
            h,
            "<tr data-state=\"attention\"><td>{}</td><td class=\"n\">{}</td><td></td></tr></table></section>",
            t(L::done_attention),
            self.attention
        );

        // Refusals.
        let _ = write!(h, "<section id=\"refusals\"><h2>{}</h2>", t(L::refusals));
        if self.refused.is_empty() {
            let _ = write!(h, "<p class=\"ok\">{}</p>", t(L::refusals_none));
        } else {
            let _ = write!(
                h,
                "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
                t(L::key),
                t(L::route),
                t(L::state),
                t(L::code),
                t(L::message)
            );
            for e in &self.refused {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    key_link(&e.key),
                    esc(&e.provider),
                    esc(state_name(e.state, lang)),
                    esc(e.last_code.as_deref().unwrap_or("")),
                    esc(e.last_message.as_deref().unwrap_or(""))
                );
            }
            h.push_str("</table>");
        }
        h.push_str("</section>");

        // The latest fiscalised receipts.
        let _ = write!(h, "<section id=\"last\"><h2>{}</h2>", t(L::last));
        if self.last.is_empty() {
            let _ = write!(h, "<p>{}</p>", t(L::last_none));
        } else {
            let _ = write!(
                h,
                "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
                t(L::key),
                t(L::route),
                t(L::total),
                t(L::latency),
                t(L::done_at)
            );
            for (e, lat) in &self.last {
                let total = e
                    .fiscal
                    .as_ref()
                    .map(|f| f.total.to_string())
                    .unwrap_or_default();
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    key_link(&e.key),
                    esc(&e.provider),
                    esc(&total),
                    esc(&lat.map(|d| seconds(d, lang)).unwrap_or_default()),
                    esc(&utc(e.state_since))
                );
            }
            h.push_str("</table>");
        }
        h.push_str("</section>");

        // Routes.
        let _ = write!(
            h,
            "<section id=\"routes\"><h2>{}</h2><table><tr><th>{}</th><th>{}</th></tr>",
            t(L::routes),
            t(L::route),
            t(L::state)
        );
        for r in &self.routes {
            match self.alarms.iter().find(|a| &a.route == r) {
                None => {
                    let _ = write!(
                        h,
                        "<tr><td>{}</td><td class=\"ok\">{}</td></tr>",
                        esc(r),
                        t(L::route_ok)
                    );
                }
                Some(a) => {
                    let _ = write!(
                        h,
                        "<tr><td>{}</td><td class=\"bad\">{} {} ({}×): {} {}</td></tr>",
                        esc(r),
                        t(L::route_alarm),
                        esc(&utc(a.since)),
                        a.failures,
                        esc(a.code.as_deref().unwrap_or("")),
                        esc(&a.message)
                    );
                }
            }
        }
        h.push_str("</table></section>");

        // Reconciliation on demand (an operator's action: it calls the providers).
        if operator {
            let _ = write!(
                h,
                "<section id=\"reconcile\"><h2>{}</h2><form method=\"post\" action=\"/reconcile?lang={}\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\">{}</button></form></section>",
                t(L::reconcile),
                lang.tag(),
                esc(csrf),
                t(L::reconcile_button)
            );
        }
        h.push_str("</main></body></html>");
        h
    }
}

/// One receipt.
pub(super) fn receipt(
    lang: Lang,
    csrf: &str,
    operator: bool,
    e: &Entry,
    audit: &[AuditRecord],
    notice: Option<&str>,
) -> String {
    let t = |l: L| esc(l.t(lang));
    let mut h = head(lang, &format!("{} {}", L::receipt.t(lang), e.key));
    h.push_str(&header(lang, Some(csrf)));
    h.push_str("<main>");
    if let Some(n) = notice {
        let _ = write!(h, "<p class=\"notice\" id=\"notice\">{}</p>", esc(n));
    }
    let _ = write!(
        h,
        "<section><h2>{} {}</h2><table>\
         <tr><th>{}</th><td id=\"state\" data-state=\"{}\">{}</td></tr>\
         <tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>",
        t(L::receipt),
        esc(&e.key),
        t(L::state),
        e.state.name(),
        esc(state_name(e.state, lang)),
        t(L::route),
        esc(&e.provider),
        t(L::attempt),
        e.attempt,
        t(L::document_id),
        esc(&e.document_id())
    );
    if e.last_code.is_some() || e.last_message.is_some() {
        let _ = write!(
            h,
            "<tr><th>{}</th><td>{} {}</td></tr>",
            t(L::last_error),
            esc(e.last_code.as_deref().unwrap_or("")),
            esc(e.last_message.as_deref().unwrap_or(""))
        );
    }
    if let Some(f) = &e.fiscal {
        let _ = write!(
            h,
            "<tr><th>{}</th><td>ФН {} ФД {} ФП {} · {} · {}</td></tr>",
            t(L::fiscal),
            esc(&f.fn_number),
            f.fd_number,
            f.fiscal_sign,
            esc(&f.date_time.to_string()),
            esc(&f.total.to_string())
        );
    }
    h.push_str("</table></section>");

    // Actions, for the states that allow one.
    let can_requeue = matches!(
        e.state,
        State::Rejected | State::FailedAtRegister | State::Stuck
    );
    let can_cancel = matches!(
        e.state,
        State::Queued
            | State::RetryLater
            | State::FailedAtRegister
            | State::Rejected
            | State::Stuck
    );
    if operator && (can_requeue || can_cancel) {
        let _ = write!(
            h,
            "<section class=\"actions\" id=\"actions\"><h2>{}</h2>",
            t(L::actions)
        );
        for (ok, what, label) in [
            (can_requeue, "requeue", L::requeue),
            (can_cancel, "cancel", L::cancel),
        ] {
            if !ok {
                continue;
            }
            let _ = write!(
                h,
                "<form method=\"post\" action=\"/receipts/{}/{what}?lang={}\" id=\"form-{what}\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                 <label>{} <input type=\"text\" name=\"who\" required maxlength=\"100\"></label>\
                 <label>{} <input type=\"text\" name=\"reason\" required maxlength=\"1000\"></label>\
                 <label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> {}</label>\
                 <button type=\"submit\">{}</button></form>",
                path_key(&e.key),
                lang.tag(),
                esc(csrf),
                t(L::your_name),
                t(L::why),
                t(L::confirm),
                t(label)
            );
        }
        // A stuck receipt fiscalised after all: its attributes entered by hand.
        h.push_str(&super::resolve::form_html(lang, csrf, e));
        h.push_str("</section>");
    }

    // The audit trail.
    let _ = write!(
        h,
        "<section id=\"audit\"><h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        t(L::audit),
        t(L::at),
        t(L::from_to),
        t(L::reason),
        t(L::who),
        t(L::note)
    );
    // States and event kinds in the page's language (the JSON API keeps the machine names);
    // the detail is the journal's own text, as recorded.
    for r in audit {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"audit-change\">{} → {}</td>\
             <td><span class=\"audit-event\">{}</span> <span class=\"audit-detail\">{}</span></td>\
             <td>{}</td><td>{}</td></tr>",
            esc(&utc(r.at)),
            esc(r.from.map_or("", |s| state_name(s, lang))),
            esc(state_name(r.to, lang)),
            esc(event_name(&r.reason, lang)),
            esc(&r.detail),
            esc(r.who.as_deref().unwrap_or("")),
            esc(r.note.as_deref().unwrap_or(""))
        );
    }
    h.push_str("</table></section>");

    // As the buyer sees it.
    let _ = write!(
        h,
        "<section><h2>{}</h2><iframe src=\"/receipts/{}/view\" title=\"{}\"></iframe></section>\
         <p><a href=\"/\">{}</a></p></main></body></html>",
        t(L::buyer_view),
        path_key(&e.key),
        t(L::buyer_view),
        t(L::back)
    );
    h
}

/// The findings of a reconciliation.
pub(super) fn reconciliation(lang: Lang, r: &fiskal_outbox::Reconciliation) -> String {
    let t = |l: L| esc(l.t(lang));
    let mut h = head(lang, L::reconcile.t(lang));
    h.push_str(&header(lang, None));
    let _ = write!(
        h,
        "<main><section id=\"findings\"><h2>{}</h2><p>{}: {} · {}: {}</p>",
        t(L::reconcile),
        t(L::reconcile_checked),
        r.checked,
        t(L::reconcile_matched),
        r.matched
    );
    let groups: [(&str, &[fiskal_outbox::Finding]); 9] = [
        ("unknown_at_provider", &r.unknown_at_provider),
        ("not_done_at_provider", &r.not_done_at_provider),
        ("mismatched", &r.mismatched),
        ("missing_fiscal", &r.missing_fiscal),
        ("unchecked", &r.unchecked),
        ("id_conflicts", &r.id_conflicts),
        ("stuck", &r.stuck),
        ("attention", &r.attention),
        ("not_delivered", &r.not_delivered),
    ];
    let mut any = false;
    for (name, v) in groups {
        if v.is_empty() {
            continue;
        }
        any = true;
        let _ = write!(h, "<h3>{name} ({})</h3><table>", v.len());
        for f in v {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                key_link(&f.key),
                esc(&f.route),
                esc(&f.detail)
            );
        }
        h.push_str("</table>");
    }
    if !any {
        let _ = write!(h, "<p class=\"ok\">{}</p>", t(L::reconcile_clean));
    }
    let _ = write!(
        h,
        "<p><a href=\"/\">{}</a></p></section></main></body></html>",
        t(L::back)
    );
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_paths() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(path_key("order/1:a"), "order%2F1:a");
    }

    #[test]
    fn latencies() {
        assert_eq!(seconds(Duration::from_millis(1960), Lang::Ru), "2.0 с");
        assert_eq!(seconds(Duration::from_millis(149), Lang::En), "0.1 s");
        assert_eq!(seconds(Duration::from_millis(150), Lang::En), "0.2 s");
    }

    /// A real entry and its enqueue row (the journal's types cannot be built outside it), from
    /// a scratch SQLite journal.
    fn journal_entry() -> (Entry, AuditRecord) {
        use fiskal_outbox::{Config, NewEntry, SqliteStore, Store as _};
        let dir = std::env::temp_dir().join(format!(
            "fiskal-serve-page-events-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let store = SqliteStore::open(dir.join("j.db"), Config::default()).expect("journal");
        let receipt = fiskal_ffd::json::parse_and_validate(
            r#"{"version":1,"ffd":"1.2","operation":"sell","tax_system":"osn",
                "company":{"inn":"7701000001","payment_place":"shop.example.ru"},
                "items":[{"name":"Чай","price":"10.00","quantity":1,"sum":"10.00",
                          "measure":"piece","vat":"vat22","payment_method":"full_payment",
                          "payment_subject":"commodity"}],
                "payments":{"cash":"10.00"},"total":"10.00"}"#,
        )
        .expect("receipt");
        let new = NewEntry {
            key: "k-1",
            receipt: &receipt,
            provider: "atol",
        };
        let e = store
            .enqueue(&new, Timestamp(1_772_446_542_000))
            .expect("enqueue");
        let audit = store.audit("k-1").expect("audit");
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
        (e.entry, audit.into_iter().next().expect("the enqueue row"))
    }

    /// The texts of every `<span class="audit-event">` and `<td class="audit-change">`.
    fn audit_cells(html: &str) -> Vec<String> {
        let mut out = Vec::new();
        for open in [
            "<span class=\"audit-event\">",
            "<td class=\"audit-change\">",
        ] {
            let mut rest = html;
            while let Some(at) = rest.find(open) {
                rest = &rest[at + open.len()..];
                let end = rest.find('<').expect("cell end");
                out.push(rest[..end].to_owned());
                rest = &rest[end..];
            }
        }
        out
    }

    #[test]
    fn audit_events_and_states_are_in_the_pages_language() {
        let (entry, first) = journal_entry();
        // One audit row per reason the journal writes, moving through every state.
        let states = State::ALL;
        let reasons = super::super::events::all_reasons();
        let audit: Vec<AuditRecord> = reasons
            .iter()
            .enumerate()
            .map(|(i, reason)| {
                let mut r = first.clone();
                r.reason = (*reason).to_owned();
                r.from = (i > 0).then(|| states[(i - 1) % states.len()]);
                r.to = states[i % states.len()];
                r
            })
            .collect();
        let ru = receipt(Lang::Ru, "csrf", true, &entry, &audit, None);
        let cells = audit_cells(&ru);
        assert_eq!(cells.len(), 2 * reasons.len(), "{ru}");
        // No machine name (event kind or state) and no English is left on the Russian page.
        let machine: Vec<&str> = reasons
            .iter()
            .copied()
            .chain(states.iter().map(|s| s.name()))
            .collect();
        for cell in &cells {
            assert!(
                !cell.chars().any(|c| c.is_ascii_alphabetic()),
                "English on the Russian page: {cell:?}"
            );
            for m in &machine {
                assert!(!cell.contains(m), "{m} in {cell:?}");
            }
        }
        for reason in &reasons {
            let name = super::super::events::event_name(reason, Lang::Ru);
            assert!(
                ru.contains(&format!("<span class=\"audit-event\">{}</span>", esc(name))),
                "{reason}"
            );
        }
        // The English page has the English words.
        let en = receipt(Lang::En, "csrf", true, &entry, &audit, None);
        assert!(en.contains("<span class=\"audit-event\">taken for sending</span>"));
        assert!(en.contains("<span class=\"audit-event\">an operator cancelled it</span>"));
        assert!(en.contains("<td class=\"audit-change\">queued → sending</td>"));
        assert!(!audit_cells(&en)
            .iter()
            .any(|c| c.contains("claimed_for_send")));
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc(Timestamp(0)), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(Timestamp(1_772_446_542_000)), "2026-03-02 10:15:42 UTC");
        assert_eq!(utc(Timestamp(951_782_400_000)), "2000-02-29 00:00:00 UTC");
    }
}
