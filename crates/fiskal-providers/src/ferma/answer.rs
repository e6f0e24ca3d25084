//! Ferma answers → [`Outcome`].
//!
//! Every answer is an envelope, `{"Status": "Success", "Data": {…}}` or `{"Status": "Failed",
//! "Error": {"Code": N, "Message": "…"}}` with `Code` never 0 (OFD.ru «Программный интерфейс
//! приложений (API) … Ferma», <https://ofd.ru/razrabotchikam/ferma>, §1 «Общий вид запроса и
//! ответа»; English edition 2.62 <https://ofd.ru/razrabotchikam/application-programming-interface-api-ferma>,
//! §1). The Russian text says every answer is HTTP 200, the English one that a failure is not
//! 200: so the body decides, never the HTTP status ([`envelope`]). Only a body that is no
//! envelope (a proxy's error page) falls back to the status line.
//!
//! The status answer (`POST /kkt/cloud/status`), field by field ([`status_outcome`]; fields
//! as in public clients, e.g. the Python client «wOFDRULib», whose captures from
//! `ferma-test.ofd.ru` show them):
//!
//! | field | goes to |
//! |---|---|
//! | `StatusCode` 0 `NEW`, 1 `PROCESSED` | [`Outcome::Pending`] (or [`Outcome::Accepted`] `duplicate` when looked up by `InvoiceId`) |
//! | `StatusCode` 2 `CONFIRMED` with `Device` | [`Outcome::Done`] |
//! | `StatusCode` 3 `KKT_ERROR` | [`Outcome::Rejected`] [`RejectKind::Register`], code `KKT_ERROR`, message `StatusMessage` + `Description` |
//! | `ReceiptId` | `provider_id` |
//! | `Device.FN` | `fn_number` (1041) |
//! | `Device.FDN` (a string) | `fd_number` (1040) |
//! | `Device.FPD` (a string) | `fiscal_sign` (1077) |
//! | `Device.ShiftNumber` | `shift_number` (1038) |
//! | `Device.ReceiptNumInShift` | `receipt_number` (1042) |
//! | `Device.RNM` | `kkt_reg_number` (1037) |
//! | `Device.ZN` | `kkt_serial_number` (1013) |
//! | `Device.OfdReceiptUrl` | `receipt_url` |
//! | `ReceiptDateTimeIso` (`2023-01-16T17:46:25+03:00[Europe/Moscow]`: the local part), else `ReceiptDateUtc` | `date_time` (1012) |
//! | `Device.DeviceId`, `Device.DeviceType`, `StatusName`, `StatusMessage`, `Modified*` | ignored: the cloud's bookkeeping |
//!
//! The status answer carries no total (1020) and no operation (1054): the operation comes from
//! the query's [`DocumentKind`](crate::DocumentKind), the total from the receipt this client
//! sent (see the module docs of [`super`]).

use crate::fiscal::FiscalAttributes;
use crate::outcome::{Outcome, RejectKind};
use fiskal_ffd::datetime::LocalDateTime;
use fiskal_ffd::{Money, Operation};
use serde_json::Value;

/// What a Ferma answer body says.
#[derive(Debug, Clone, PartialEq)]
pub enum Envelope {
    /// `Status: Success` with its `Data` (`null` when absent).
    Success(Value),
    /// `Status: Failed` with `Error.Code` and `Error.Message`.
    Failed {
        /// `Error.Code` (0 when missing: the documentation says it is never 0).
        code: i64,
        /// `Error.Message`.
        message: String,
    },
    /// Not a Ferma envelope (an HTML error page, an empty body, another JSON).
    Other,
}

/// Reads an answer body.
pub fn envelope(body: &[u8]) -> Envelope {
    let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(body) else {
        return Envelope::Other;
    };
    match o.get("Status").and_then(Value::as_str) {
        Some(s) if s.eq_ignore_ascii_case("success") => {
            Envelope::Success(o.get("Data").cloned().unwrap_or(Value::Null))
        }
        Some(s) if s.eq_ignore_ascii_case("failed") => {
            let e = o.get("Error");
            let code = e
                .and_then(|e| e.get("Code"))
                .and_then(|c| c.as_i64().or_else(|| c.as_str()?.trim().parse().ok()))
                .unwrap_or(0);
            let message = e
                .and_then(|e| e.get("Message"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            Envelope::Failed { code, message }
        }
        _ => Envelope::Other,
    }
}

/// A JSON value as text: a string as it is, a number as written.
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Kopecks of a JSON number in roubles (`290.0`, `1111.95`, `0.5`) read from its text, never
/// through f64 arithmetic; `None` for anything else or more than two decimals.
pub fn kopecks(v: Option<&Value>) -> Option<u64> {
    let n = v?.as_number()?;
    let t = n.to_string();
    if t.starts_with('-') || t.contains(['e', 'E']) {
        return None;
    }
    let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
    let frac = frac.trim_end_matches('0');
    if frac.len() > 2 || int.is_empty() {
        return None;
    }
    let rub: u64 = int.parse().ok()?;
    let kop: u64 = format!("{frac:0<2}").parse().ok()?;
    rub.checked_mul(100)?.checked_add(kop)
}

fn number(v: Option<&Value>) -> Option<u32> {
    text(v)?.trim().parse().ok()
}

/// `2023-01-16T17:46:25+03:00[Europe/Moscow]` or `2026-03-02T09:31:10` → the local date-time.
fn local_time(v: Option<&Value>) -> Option<LocalDateTime> {
    let s = text(v)?;
    s.get(..19)?.parse().ok()
}

/// The outcome of a `Success` status answer's `Data`. `by_invoice`: the lookup was made by
/// `InvoiceId` (the caller did not know the `ReceiptId`), so a pending document is reported
/// [`Outcome::Accepted`] `duplicate`; `total`: the receipt's total when this client knows it.
pub fn status_outcome(
    data: &Value,
    by_invoice: bool,
    operation: Operation,
    total: Option<Money>,
) -> Outcome {
    let unreadable = |why: &str| Outcome::RetryLater {
        after: None,
        code: None,
        message: format!("Ferma status answer: {why}"),
    };
    let Some(receipt_id) = text(data.get("ReceiptId")) else {
        return unreadable("no ReceiptId");
    };
    let code = data.get("StatusCode").and_then(Value::as_i64).or_else(|| {
        match data.get("StatusName").and_then(Value::as_str)? {
            "NEW" => Some(0),
            "PROCESSED" => Some(1),
            "CONFIRMED" => Some(2),
            "KKT_ERROR" => Some(3),
            _ => None,
        }
    });
    let pending = || {
        if by_invoice {
            Outcome::Accepted {
                provider_id: receipt_id.clone(),
                duplicate: true,
            }
        } else {
            Outcome::Pending {
                provider_id: receipt_id.clone(),
            }
        }
    };
    match code {
        Some(0 | 1) => pending(),
        Some(2) => {
            let Some(device) = data.get("Device").filter(|d| d.is_object()) else {
                // Confirmed without the register's data yet: ask again.
                return pending();
            };
            let (Some(fn_number), Some(fd_number), Some(fiscal_sign), Some(date_time)) = (
                text(device.get("FN")),
                number(device.get("FDN")),
                number(device.get("FPD")),
                local_time(data.get("ReceiptDateTimeIso"))
                    .or_else(|| local_time(data.get("ReceiptDateUtc"))),
            ) else {
                return unreadable("CONFIRMED, but FN, FDN, FPD or the receipt time is unreadable");
            };
            let Some(total) = total else {
                return Outcome::RetryLater {
                    after: None,
                    code: Some("CONFIRMED".into()),
                    message: format!(
                        "Ferma receipt {receipt_id} is CONFIRMED (FN {fn_number}, FD {fd_number}), \
                         but Ferma's status answer carries no total and this client did not send \
                         the receipt; look it up with the client that sent it"
                    ),
                };
            };
            Outcome::Done {
                provider_id: receipt_id,
                fiscal: FiscalAttributes {
                    fn_number,
                    fd_number,
                    fiscal_sign,
                    shift_number: number(device.get("ShiftNumber")),
                    receipt_number: number(device.get("ReceiptNumInShift")),
                    date_time,
                    kkt_reg_number: text(device.get("RNM")),
                    ofd_inn: None,
                    receipt_url: text(device.get("OfdReceiptUrl")),
                    total,
                    operation,
                    fns_site: None,
                    kkt_serial_number: text(device.get("ZN")),
                    ofd_name: None,
                    ofd_site: None,
                    ofd_delivered: None,
                    warnings: Vec::new(),
                    mark_checks: Vec::new(),
                },
            }
        }
        Some(3) => {
            let message = [data.get("StatusMessage"), data.get("Description")]
                .into_iter()
                .filter_map(text)
                .collect::<Vec<_>>()
                .join(": ");
            Outcome::Rejected {
                kind: RejectKind::Register,
                code: "KKT_ERROR".into(),
                message: if message.is_empty() {
                    "KKT_ERROR".into()
                } else {
                    message
                },
            }
        }
        Some(other) => unreadable(&format!("unknown StatusCode {other}")),
        None => unreadable("no StatusCode"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelopes_by_body_not_by_http_status() {
        assert_eq!(
            envelope(br#"{"Status":"Success","Data":{"ReceiptId":"x"}}"#),
            Envelope::Success(json!({"ReceiptId": "x"}))
        );
        assert_eq!(
            envelope(br#"{"Status":"Failed","Error":{"Code":1019,"Message":"m"}}"#),
            Envelope::Failed {
                code: 1019,
                message: "m".into()
            }
        );
        assert_eq!(envelope(b"<html>502</html>"), Envelope::Other);
        assert_eq!(envelope(br#"{"a":1}"#), Envelope::Other);
    }

    /// The capture-shaped answer (FDN and FPD strings, DeviceId a number, a zoned ISO time).
    #[test]
    fn confirmed_is_done_with_the_register_data() {
        let data = json!({"ReceiptId": "5b1f", "StatusCode": 2, "StatusName": "CONFIRMED",
            "StatusMessage": "Чек передан в ОФД",
            "ReceiptDateUtc": "2026-03-02T09:31:10",
            "ReceiptDateTimeIso": "2026-03-02T12:31:10+03:00[Europe/Moscow]",
            "Device": {"DeviceId": 7825, "RNM": "0000000001015454", "ZN": "9934666226",
                "FN": "9999078902009656", "FDN": "341", "FPD": "1261762727", "ShiftNumber": 208,
                "ReceiptNumInShift": 12, "DeviceType": "Эфир Pro ФС",
                "OfdReceiptUrl": "https://check-demo.ofd.ru/rec/9999078902009656/341/1261762727"}});
        let o = status_outcome(
            &data,
            false,
            Operation::SELL,
            Some(Money::from_kopecks(120_000)),
        );
        let Outcome::Done {
            provider_id,
            fiscal,
        } = o
        else {
            panic!("{o:?}")
        };
        assert_eq!(provider_id, "5b1f");
        assert_eq!(fiscal.fd_number, 341);
        assert_eq!(fiscal.fiscal_sign, 1_261_762_727);
        assert_eq!(fiscal.date_time.to_string(), "2026-03-02T12:31:10");
        assert_eq!(fiscal.kkt_serial_number.as_deref(), Some("9934666226"));
        // Without the total the answer cannot be completed: never a made-up total.
        assert!(matches!(
            status_outcome(&data, false, Operation::SELL, None),
            Outcome::RetryLater { .. }
        ));
    }

    #[test]
    fn kopecks_from_number_text() {
        assert_eq!(kopecks(Some(&json!(290.0))), Some(29_000));
        assert_eq!(kopecks(Some(&json!(1111.95))), Some(111_195));
        assert_eq!(kopecks(Some(&json!(0.5))), Some(50));
        assert_eq!(kopecks(Some(&json!(7))), Some(700));
        assert_eq!(kopecks(Some(&json!(1.005))), None);
        assert_eq!(kopecks(Some(&json!("290"))), None);
        assert_eq!(kopecks(None), None);
    }

    #[test]
    fn statuses_map_to_outcomes() {
        let new = json!({"ReceiptId": "r", "StatusCode": 0});
        assert!(matches!(
            status_outcome(&new, false, Operation::SELL, None),
            Outcome::Pending { .. }
        ));
        assert!(matches!(
            status_outcome(&new, true, Operation::SELL, None),
            Outcome::Accepted {
                duplicate: true,
                ..
            }
        ));
        let err = json!({"ReceiptId": "r", "StatusCode": 3, "StatusMessage": "Ошибка ККТ"});
        assert!(matches!(
            status_outcome(&err, false, Operation::SELL, None),
            Outcome::Rejected { kind: RejectKind::Register, code, .. } if code == "KKT_ERROR"
        ));
        let odd = json!({"ReceiptId": "r", "StatusCode": 9});
        assert!(matches!(
            status_outcome(&odd, false, Operation::SELL, None),
            Outcome::RetryLater { .. }
        ));
    }
}
