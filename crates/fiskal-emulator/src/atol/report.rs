//! The report / callback JSON («АТОЛ Онлайн. Описание протокола v4», doc version 5.15, §6.3
//! Table 5) and the registration answer (§6.2, Table 4).

use crate::fiscal::{atol_timestamp, new_uuid, now_msk, FiscalData};
use crate::journal::{DocState, JournalEntry};
use serde_json::{json, Value};

/// What the report needs beyond the journal entry.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    pub(crate) version: super::ApiVersion,
    pub(crate) callback_url: String,
    pub(crate) callback_mask_ok: bool,
    pub(crate) timestamp: String,
    pub(crate) marks: Vec<(usize, String)>,
    /// The 2106 value reported for every mark (15: all positive; another value under
    /// [`crate::Fault::MarkCheckResult`]).
    pub(crate) mark_result: u8,
    pub(crate) device_code: String,
}

/// A decimal amount as a JSON number: `1598`, `1598.5`, `1598.05` (exact, from kopecks).
fn amount(kopecks: u64) -> Value {
    let text = match kopecks % 100 {
        0 => format!("{}", kopecks / 100),
        k if k % 10 == 0 => format!("{}.{}", kopecks / 100, k / 10),
        k => format!("{}.{k:02}", kopecks / 100),
    };
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn payload(f: &FiscalData, meta: &Meta) -> Value {
    let mut p = json!({
        "total": amount(f.total_kopecks),
        "fns_site": f.fns_site,
        "fn_number": f.fn_number,
        "shift_number": f.shift_number,
        "receipt_datetime": f.receipt_datetime,
        "fiscal_receipt_number": f.fiscal_receipt_number,
        "fiscal_document_number": f.fiscal_document_number,
        "ecr_registration_number": f.ecr_registration_number,
        "fiscal_document_attribute": f.fiscal_document_attribute,
        "ofd_inn": f.ofd_inn,
        "ofd_receipt_url": f.ofd_receipt_url,
    });
    if meta.version == super::ApiVersion::V5 && !meta.marks.is_empty() {
        p["marks_result"] = meta
            .marks
            .iter()
            .map(|(position, code)| {
                json!({"position": position, "mark_code": code, "result": meta.mark_result})
            })
            .collect();
    }
    p
}

/// The report of a processed document (`done` or `fail`), also the callback body.
pub(crate) fn processed(e: &JournalEntry, meta: &Meta) -> Value {
    let (status, error, payload) = match &e.state {
        DocState::Done(f) => ("done", Value::Null, payload(f, meta)),
        DocState::Fail(err) => (
            "fail",
            json!({"code": err.code, "text": err.text, "type": err.error_type}),
            Value::Null,
        ),
        DocState::Wait => ("wait", Value::Null, Value::Null),
    };
    let warnings = if meta.callback_mask_ok {
        Value::Null
    } else {
        json!({"callback_url": "callback_url не соответствует маске"})
    };
    json!({
        "uuid": e.uuid,
        "error": error,
        "status": status,
        "payload": payload,
        "timestamp": meta.timestamp,
        "group_code": e.group_code,
        "daemon_code": "fiskal-emulator",
        "device_code": meta.device_code,
        "external_id": e.external_id,
        "callback_url": meta.callback_url,
        "warnings": warnings,
    })
}

/// The answer while the document waits (or is unknown): 200, code 34, `status: wait`.
pub(crate) fn waiting(callback_url: &str) -> Value {
    json!({
        "error": {
            "error_id": new_uuid(),
            "code": 34,
            "text": "Состояние чека не найдено. Попробуйте позднее",
            "type": "system",
        },
        "status": "wait",
        "timestamp": atol_timestamp(now_msk()),
        "callback_url": callback_url,
    })
}

/// The answer to an accepted registration.
pub(crate) fn accepted(uuid: &str) -> Value {
    json!({
        "uuid": uuid,
        "timestamp": atol_timestamp(now_msk()),
        "error": null,
        "status": "wait",
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_are_exact_numbers() {
        assert_eq!(super::amount(159_800).to_string(), "1598");
        assert_eq!(super::amount(159_850).to_string(), "1598.5");
        assert_eq!(super::amount(159_805).to_string(), "1598.05");
        assert_eq!(super::amount(7).to_string(), "0.07");
    }
}
