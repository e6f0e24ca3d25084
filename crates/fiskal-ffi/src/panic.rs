//! The panic boundary: every exported function runs its body inside [`ffi_panic_boundary!`],
//! so a bug in the library becomes [`Code::Panic`] (or a NULL / `false` / `0` default) and
//! never unwinds into C. A PHP-FPM worker or a 1C client process must survive a bug in here.
//! (Never build the library with `panic = "abort"`: that disables `catch_unwind`.)

use crate::error::set_last_error;
use fiskal_json::{ApiError, Code};
use std::os::raw::c_char;

/// What an exported function returns when its body panicked.
pub(crate) trait PanicOrDefault {
    /// The value to return (and, for result codes, the last error to record).
    fn on_panic() -> Self;
}

impl PanicOrDefault for Code {
    fn on_panic() -> Self {
        set_last_error(ApiError::new(Code::Panic));
        Code::Panic
    }
}

impl PanicOrDefault for *const c_char {
    fn on_panic() -> Self {
        std::ptr::null()
    }
}

impl PanicOrDefault for bool {
    fn on_panic() -> Self {
        false
    }
}

impl PanicOrDefault for () {
    fn on_panic() -> Self {}
}

/// Runs the body; a panic returns [`PanicOrDefault::on_panic`] of the function's return type.
macro_rules! ffi_panic_boundary {
    ( $($body:tt)* ) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| { $($body)* })) {
            Ok(value) => value,
            Err(_) => $crate::panic::PanicOrDefault::on_panic(),
        }
    };
}

pub(crate) use ffi_panic_boundary;

#[cfg(test)]
mod tests {
    use super::*;

    fn boom() -> Code {
        ffi_panic_boundary! {
            let v: Vec<u8> = Vec::new();
            // Index out of bounds: a panic inside the boundary.
            let _ = v[usize::from(v.is_empty())];
            Code::Ok
        }
    }

    #[test]
    fn a_panic_becomes_a_result_code_and_the_last_error() {
        assert_eq!(boom(), Code::Panic);
        assert_eq!(crate::error::last_error_code(), Code::Panic);
        let p: *const c_char = ffi_panic_boundary! { panic!("x") };
        assert!(p.is_null());
        let b: bool = ffi_panic_boundary! { panic!("x") };
        assert!(!b);
    }
}
