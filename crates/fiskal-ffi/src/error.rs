//! The thread's last error. Every operation records its error here on failure and clears it on
//! success; `fiskal_last_error` reads it as JSON. Thread-local: threads never see each other's
//! errors.

use fiskal_json::{ApiError, Code};
use std::cell::RefCell;

thread_local! {
    static LAST_ERROR: RefCell<Option<ApiError>> = const { RefCell::new(None) };
}

/// Records `e` as this thread's last error. Never panics (a re-entrant call during a panic
/// simply records nothing).
pub(crate) fn set_last_error(e: ApiError) {
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut s) = slot.try_borrow_mut() {
            *s = Some(e);
        }
    });
}

/// Forgets this thread's last error.
pub(crate) fn clear_last_error() {
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut s) = slot.try_borrow_mut() {
            *s = None;
        }
    });
}

/// The code of this thread's last error ([`Code::Ok`] if there is none).
pub(crate) fn last_error_code() -> Code {
    LAST_ERROR
        .try_with(|slot| {
            slot.try_borrow()
                .ok()
                .and_then(|s| s.as_ref().map(|e| e.code))
        })
        .ok()
        .flatten()
        .unwrap_or(Code::Ok)
}

/// This thread's last error as JSON (`{"code": 0, "name": "ok", …}` if there is none).
pub(crate) fn last_error_json() -> String {
    LAST_ERROR
        .try_with(|slot| {
            slot.try_borrow()
                .ok()
                .and_then(|s| s.as_ref().map(ApiError::to_json))
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| ApiError::new(Code::Ok).to_json())
}

/// Records `e` and returns its code: the tail of every failing export.
pub(crate) fn fail(e: ApiError) -> Code {
    let code = e.code;
    set_last_error(e);
    code
}

/// The result code of an operation's outcome, recording or clearing the last error.
pub(crate) fn finish(r: Result<(), ApiError>) -> Code {
    match r {
        Ok(()) => {
            clear_last_error();
            Code::Ok
        }
        Err(e) => fail(e),
    }
}

/// [`Code::NullParameter`] naming the argument.
pub(crate) fn null_parameter(name: &str) -> ApiError {
    ApiError::with_messages(
        Code::NullParameter,
        format!("аргумент {name} равен NULL"),
        format!("argument {name} is NULL"),
    )
    .at(name)
}

/// Records [`Code::FeatureDisabled`] naming `feature` and returns it: what every export of a
/// part this build leaves out returns, before looking at any argument.
pub(crate) fn disabled(feature: &str) -> Code {
    fail(fiskal_json::feature_disabled(feature))
}
