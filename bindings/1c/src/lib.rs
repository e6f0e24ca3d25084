//! # fiskal-1c
//!
//! The 1C:Enterprise add-in of fiskal (Native API technology): the library `fiskal_1c`
//! (`libfiskal_1c.so`, `fiskal_1c.dll`) exporting two classes, `Fiskal` and `KKT`, so that
//! after `ПодключитьВнешнююКомпоненту(…, "Fiskal", ТипВнешнейКомпоненты.Native)` a configuration
//! creates `Новый("AddIn.Fiskal.Fiskal")` — or `Новый("AddIn.Fiskal.KKT")`, 1C's standard ККТ
//! equipment driver ([`kkt`], `docs/1c-driver.md`).
//!
//! The object is a thin layer over `fiskal-json`, the JSON-in/JSON-out operations the C ABI
//! calls too, so 1C gets the same behaviour byte for byte. Every method has a Russian and an
//! English name (see [`METHODS`]), takes strings and returns a string:
//!
//! * **success**: the result JSON (never empty), and `ПоследняяОшибка` / `LastError` becomes `""`;
//! * **failure**: `""` (an empty string), and `ПоследняяОшибка` holds the error as JSON
//!   (`{"code": 2000, "name": "receipt_invalid", "path": null, "message_ru": "…",
//!   "message_en": "…", "details": [violations…]}`), the same object as the C API's
//!   `fiskal_last_error`. No method raises a 1C exception for a fiskal error, and a panic inside
//!   the library becomes error 104 (`panic`), never a crash of the 1C process.
//!
//! The platform's side (the exported entry points, the C++ vtables of `IComponentBase`,
//! `tVariant`, strings in UTF-16 allocated through the platform's `IMemoryManager`) is
//! implemented by the `addin1c` crate; this crate supplies [`Fiskal`] and the five exported
//! functions below. `bindings/1c/README.md` is the user's guide.
//!
//! Stateful parts, one of each per object: a provider client (`СоздатьКлиента`) and the durable
//! outbox (`ОткрытьОчередь`). While the outbox worker runs inside the add-in, every receipt that
//! reaches a final state is reported to 1C through `ExternalEvent` (source [`EVENT_SOURCE`],
//! event [`EVENT_DONE`] — followed by [`EVENT_DONE_WITH_ATTENTION`] for a receipt
//! fiscalised with a negative mark check, warnings or not delivered to the ОФД — or
//! [`EVENT_FAILED`], data = the entry JSON).

// A panic must become error 104, never an abort of the 1C process: `catch_unwind` needs unwinding.
#[cfg(panic = "abort")]
compile_error!(
    "fiskal-1c must be built with panic = \"unwind\" (catch_unwind guards every entry point)"
);

mod abi;
mod addin;
mod args;
pub mod kkt;
mod methods;
mod stateful;

pub use addin::Fiskal;
pub use methods::{MethodInfo, PropInfo, METHODS, PROPERTIES};
pub use stateful::{EVENT_DONE, EVENT_DONE_WITH_ATTENTION, EVENT_FAILED, EVENT_SOURCE};

use std::ffi::{c_int, c_long, c_void};
use std::panic::catch_unwind;
use std::sync::atomic::{AtomicI32, Ordering};

use addin1c::{create_component, destroy_component, name, AttachType, CStr1C};

/// The class name this library exports: `AddIn.<name given to ПодключитьВнешнююКомпоненту>.Fiskal`.
pub const CLASS_NAME: &str = "Fiskal";

/// The class names as the platform reads them from `GetClassNames` (`|`-separated, UTF-16,
/// NUL-terminated): `Fiskal`, and `KKT`, the standard ККТ driver ([`kkt`]).
const CLASS_NAMES: &CStr1C = name!("Fiskal|KKT");

/// Each class name alone, for `GetClassObject`.
const CLASS_FISKAL: &CStr1C = name!("Fiskal");
/// See [`CLASS_FISKAL`].
const CLASS_KKT: &CStr1C = name!("KKT");

/// What the platform told `SetPlatformCapabilities` (-1 before it is called).
static PLATFORM_CAPABILITIES: AtomicI32 = AtomicI32::new(-1);

/// The capabilities the platform reported through `SetPlatformCapabilities`, or -1 if it has
/// not called it (platforms before 8.3.x do not).
pub fn platform_capabilities() -> i32 {
    PLATFORM_CAPABILITIES.load(Ordering::Relaxed)
}

/// Native API entry point: the names of the classes this library makes (`"Fiskal|KKT"`).
///
/// The string is static and is never freed by the platform.
#[allow(non_snake_case)] // The platform looks the symbol up by this exact name.
#[no_mangle]
pub extern "C" fn GetClassNames() -> *const u16 {
    CLASS_NAMES.as_ptr()
}

/// Native API entry point: creates the object of class `name` and stores it in `*component`;
/// returns 1 on success, 0 for an unknown class (or a NULL argument).
///
/// # Safety
///
/// `name` must be NULL or a NUL-terminated UTF-16 string; `component` must be NULL or point to
/// writable storage for one pointer. Called by the platform (or a test host) only.
#[allow(non_snake_case)] // The platform looks the symbol up by this exact name.
#[no_mangle]
pub unsafe extern "C" fn GetClassObject(name: *const u16, component: *mut *mut c_void) -> c_long {
    if name.is_null() || component.is_null() {
        return 0;
    }
    catch_unwind(|| {
        // SAFETY: `name` is a non-NULL NUL-terminated UTF-16 string (the caller's contract).
        let name = unsafe { CStr1C::from_ptr(name) };
        let object = if args::eq_ignore_case(name, CLASS_FISKAL) {
            Fiskal::new()
        } else if args::eq_ignore_case(name, CLASS_KKT) {
            Fiskal::new_kkt()
        } else {
            return 0;
        };
        // SAFETY: `component` is non-NULL and writable (the caller's contract); the object is
        // released by `DestroyObject`. `harden` rewrites its interface entries before anyone
        // else sees it (every pointer the platform passes is checked, see `abi`).
        unsafe {
            let made = create_component(component, object);
            if made != 0 && !(*component).is_null() {
                abi::harden(*component);
            }
            made
        }
    })
    .unwrap_or(0)
}

/// Native API entry point: destroys an object made by [`GetClassObject`] and sets
/// `*component` to NULL; returns 0, or -1 for a NULL argument.
///
/// # Safety
///
/// `component` must be NULL, point to NULL, or point to a pointer returned by
/// [`GetClassObject`] that has not been destroyed yet.
#[allow(non_snake_case)] // The platform looks the symbol up by this exact name.
#[no_mangle]
pub unsafe extern "C" fn DestroyObject(component: *mut *mut c_void) -> c_long {
    // SAFETY: `component` is NULL or a valid pointer to a pointer (the caller's contract).
    if component.is_null() || unsafe { (*component).is_null() } {
        return -1;
    }
    catch_unwind(|| {
        // SAFETY: `*component` was returned by `GetClassObject` and is destroyed once.
        unsafe { destroy_component(component) }
    })
    .unwrap_or(-1)
}

/// Native API entry point: the platform's capabilities (`eAppCapabilities1..3`); returns the
/// level this add-in supports (3: it implements `IUserLanguageBase`).
#[allow(non_snake_case)] // The platform looks the symbol up by this exact name.
#[no_mangle]
pub extern "C" fn SetPlatformCapabilities(capabilities: c_int) -> c_int {
    PLATFORM_CAPABILITIES.store(capabilities, Ordering::Relaxed);
    3
}

/// Native API entry point: the add-in may run in the 1C process or isolated in its own.
#[allow(non_snake_case)] // The platform looks the symbol up by this exact name.
#[no_mangle]
pub extern "C" fn GetAttachType() -> AttachType {
    AttachType::Any
}
