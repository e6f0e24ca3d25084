//! The Native API boundary, hardened: every value the platform hands in is checked here, from
//! the raw `tVariant` fields, before the `addin1c` crate or the methods see it.
//!
//! `addin1c` (0.7) turns an argument into a slice with `slice::from_raw_parts(ptr, len)`
//! without looking at the pointer, so a string (`VTYPE_PWSTR`) or `ДвоичныеДанные`
//! (`VTYPE_BLOB`) with a NULL pointer and length 0 aborts the process in a debug build (a
//! non-unwinding precondition panic) and is undefined behaviour in a release build; it also
//! matches the type tag `vt` as a Rust enum (a value outside it is undefined behaviour) and
//! turns every interface pointer into a reference. Its conversion cannot be fixed from outside,
//! so this module does not call it: [`harden`] replaces the object's interface entries that
//! take pointers from the platform with wrappers that
//!
//! * refuse NULL `this`-side pointers (the return value, a property value, a name, the
//!   argument array with a non-zero count, a negative count): `false` / `-1` / nothing, as the
//!   Native API answers a call it cannot serve, never a dereference;
//! * read each argument themselves into an [`Arg`] (a NULL pointer with length 0 is the empty
//!   string or empty `ДвоичныеДанные`; a NULL pointer with a length is [`Arg::Dangling`], an
//!   argument error for the method; a type tag `addin1c` does not know is [`Arg::Other`]) and
//!   hand the list to the method through [`take_args`];
//! * show `addin1c` an argument it could misread (NULL data, an unknown tag, a `bool` byte
//!   other than 0 and 1) as `VTYPE_EMPTY` for the length of the call and put the platform's
//!   tag back afterwards (unless the method stored a value there);
//! * turn an output value the platform passes with NULL data or an unknown tag into
//!   `VTYPE_EMPTY` before anything is written to it, so nothing tries to free NULL or an
//!   unknown value.
//!
//! The layouts are those of the Native API's `ComponentBase.h` and `types.h` (the object is four
//! vtable pointers, `IInitDoneBase`, `ILanguageExtenderBase`, `LocaleBase`, `IUserLanguageBase`;
//! Itanium vtables start with two destructor slots, MSVC ones with one) — the same layout
//! `addin1c` builds, so the originals are found where it put them.

use std::cell::RefCell;
use std::ffi::{c_long, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

/// `this` of one interface: a pointer to the interface's vtable pointer inside the object.
type This = *mut c_void;

/// `VTYPE_EMPTY`.
const VT_EMPTY: u16 = 0;
/// `VTYPE_I4`.
const VT_I4: u16 = 3;
/// `VTYPE_R8`.
const VT_R8: u16 = 5;
/// `VTYPE_TM`.
const VT_TM: u16 = 7;
/// `VTYPE_BOOL`.
const VT_BOOL: u16 = 11;
/// `VTYPE_PWSTR`.
const VT_PWSTR: u16 = 22;
/// `VTYPE_BLOB`.
const VT_BLOB: u16 = 23;
/// The highest tag of `addin1c`'s `VariantType` below `VTYPE_UNDEFINED` (`VTYPE_CLSID`).
const VT_LAST_KNOWN: u16 = 24;
/// `VTYPE_UNDEFINED`, the last tag `addin1c` knows.
const VT_UNDEFINED: u16 = 0xFFFF;

/// `{pwstrVal, wstrLen}` / `{pstrVal, strLen}` of `tVariant`.
#[repr(C)]
#[derive(Clone, Copy)]
struct RawData {
    /// The first unit or byte; may be NULL.
    ptr: *const c_void,
    /// How many UTF-16 units (a string) or bytes (binary data).
    len: u32,
}

/// The value union of `tVariant`; `tm` gives it the platform's size (as in `addin1c`).
#[repr(C)]
#[derive(Clone, Copy)]
union RawValue {
    /// `bVal` read as a byte (a `bool` with any other bit pattern is not a Rust `bool`).
    byte: u8,
    /// `lVal`.
    i4: i32,
    /// `dblVal`.
    r8: f64,
    /// The string or binary-data member.
    data: RawData,
    /// `tmVal`.
    tm: addin1c::Tm,
}

/// `tVariant` of `types.h`. Every bit pattern of it is a valid value of this type.
#[repr(C)]
struct RawVariant {
    /// The value.
    value: RawValue,
    /// `cbElements` (array dimension; unused by the add-in).
    elements: u32,
    /// `vt`, the type tag.
    vt: u16,
}

/// One argument as the platform passed it, read without trusting its pointer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Arg<'a> {
    /// `Неопределено` (`VTYPE_EMPTY`, also `VTYPE_NULL`).
    Empty,
    /// `Булево`.
    Bool(bool),
    /// `Число`, whole (`VTYPE_I4`).
    I32(i32),
    /// `Число` (`VTYPE_R8`).
    F64(f64),
    /// `Дата` (`VTYPE_TM`); the add-in takes no dates, so the value is not read.
    Date,
    /// `Строка`: UTF-16 units without a terminator (empty for a NULL pointer with length 0).
    Str(&'a [u16]),
    /// `ДвоичныеДанные` (empty for a NULL pointer with length 0).
    Blob(&'a [u8]),
    /// A string (`blob: false`) or binary data (`blob: true`) with a NULL pointer and a
    /// non-zero length: no data to read.
    Dangling {
        /// Binary data rather than a string.
        blob: bool,
        /// The length the platform claimed.
        len: u32,
    },
    /// A type tag the add-in does not read (another numeric type, an array, a by-reference
    /// value, an unknown tag).
    Other(u16),
}

impl Arg<'_> {
    /// The 1C type name, Russian and English, for messages.
    pub(crate) fn type_name(&self) -> (&'static str, &'static str) {
        match self {
            Arg::Empty => ("Неопределено", "Undefined"),
            Arg::Bool(_) => ("Булево", "Boolean"),
            Arg::I32(_) | Arg::F64(_) => ("Число", "Number"),
            Arg::Date => ("Дата", "Date"),
            Arg::Str(_) | Arg::Dangling { blob: false, .. } => ("Строка", "String"),
            Arg::Blob(_) | Arg::Dangling { blob: true, .. } => ("ДвоичныеДанные", "BinaryData"),
            Arg::Other(_) => ("неизвестный тип", "an unknown type"),
        }
    }
}

/// Reads one platform value.
///
/// # Safety
///
/// `v` points to a readable `tVariant`; a string or binary value with a non-NULL pointer has
/// `len` readable units or bytes there, for as long as `'a`.
unsafe fn read<'a>(v: *const RawVariant) -> (Arg<'a>, bool) {
    // SAFETY: `v` is readable (the caller's contract); every bit pattern is a `RawVariant`.
    let v = unsafe { &*v };
    // The second value: whether `addin1c` may see this value as it is.
    // SAFETY: each union read is of the member named by `vt`, and every bit pattern of that
    // member is valid; slices are made only from non-NULL pointers (the caller's contract).
    unsafe {
        match v.vt {
            VT_EMPTY | 1 => (Arg::Empty, true),
            VT_I4 => (Arg::I32(v.value.i4), true),
            VT_R8 => (Arg::F64(v.value.r8), true),
            VT_TM => (Arg::Date, true),
            VT_BOOL => {
                let b = v.value.byte;
                (Arg::Bool(b != 0), b <= 1)
            }
            VT_PWSTR | VT_BLOB => {
                let RawData { ptr, len } = v.value.data;
                let blob = v.vt == VT_BLOB;
                let n = len as usize;
                let arg = match (ptr.is_null(), len, blob) {
                    (true, 0, false) => Arg::Str(&[]),
                    (true, 0, true) => Arg::Blob(&[]),
                    (true, _, _) => Arg::Dangling { blob, len },
                    // SAFETY: a non-NULL pointer to `len` units/bytes (the caller's contract).
                    (false, _, false) => Arg::Str(std::slice::from_raw_parts(ptr.cast(), n)),
                    (false, _, true) => Arg::Blob(std::slice::from_raw_parts(ptr.cast(), n)),
                };
                (arg, !ptr.is_null())
            }
            vt @ (2..=VT_LAST_KNOWN | VT_UNDEFINED) => (Arg::Other(vt), true),
            vt => (Arg::Other(vt), false),
        }
    }
}

/// Whether `addin1c` may write over (and so free) this output value as it is.
fn output_is_safe(v: &RawVariant) -> bool {
    match v.vt {
        // SAFETY: the member named by `vt`.
        VT_PWSTR | VT_BLOB => unsafe { !v.value.data.ptr.is_null() },
        vt => vt <= VT_LAST_KNOWN || vt == VT_UNDEFINED,
    }
}

thread_local! {
    /// The arguments of the call in progress on this thread (innermost last).
    static ARGS: RefCell<Vec<Vec<Arg<'static>>>> = const { RefCell::new(Vec::new()) };
}

/// The arguments of the platform call in progress on this thread, as read by the wrapper;
/// `None` outside such a call. The slices point into the platform's argument memory and are
/// valid until that call returns: use them only inside it.
pub(crate) fn take_args<'a>() -> Option<Vec<Arg<'a>>> {
    ARGS.with(|a| a.borrow_mut().last_mut().map(std::mem::take))
}

/// `ILanguageExtenderBase`'s vtable (`ComponentBase.h`), the entries replaced here typed.
#[repr(C)]
struct ExtenderVTable {
    dtor: usize,
    #[cfg(unix)]
    dtor2: usize,
    register_extension_as: unsafe extern "system" fn(This, *mut *mut u16) -> bool,
    get_n_props: usize,
    find_prop: unsafe extern "system" fn(This, *const u16) -> c_long,
    get_prop_name: usize,
    get_prop_val: unsafe extern "system" fn(This, c_long, *mut RawVariant) -> bool,
    set_prop_val: unsafe extern "system" fn(This, c_long, *mut RawVariant) -> bool,
    is_prop_readable: usize,
    is_prop_writable: usize,
    get_n_methods: usize,
    find_method: unsafe extern "system" fn(This, *const u16) -> c_long,
    get_method_name: usize,
    get_n_params: usize,
    get_param_def_value: unsafe extern "system" fn(This, c_long, c_long, *mut RawVariant) -> bool,
    has_ret_val: usize,
    call_as_proc: unsafe extern "system" fn(This, c_long, *mut RawVariant, c_long) -> bool,
    call_as_func:
        unsafe extern "system" fn(This, c_long, *mut RawVariant, *mut RawVariant, c_long) -> bool,
}

/// `IInitDoneBase`'s vtable.
#[repr(C)]
struct InitDoneVTable {
    dtor: usize,
    #[cfg(unix)]
    dtor2: usize,
    init: unsafe extern "system" fn(This, *mut c_void) -> bool,
    set_mem_manager: unsafe extern "system" fn(This, *mut c_void) -> bool,
    get_info: usize,
    done: usize,
}

/// `LocaleBase`'s and `IUserLanguageBase`'s vtable (one entry each).
#[repr(C)]
struct StringSetterVTable {
    dtor: usize,
    #[cfg(unix)]
    dtor2: usize,
    set: unsafe extern "system" fn(This, *const u16),
}

/// `addin1c`'s entries, the same for every object of the class (taken from the first one).
struct Originals {
    init: unsafe extern "system" fn(This, *mut c_void) -> bool,
    set_mem_manager: unsafe extern "system" fn(This, *mut c_void) -> bool,
    register_extension_as: unsafe extern "system" fn(This, *mut *mut u16) -> bool,
    find_prop: unsafe extern "system" fn(This, *const u16) -> c_long,
    get_prop_val: unsafe extern "system" fn(This, c_long, *mut RawVariant) -> bool,
    set_prop_val: unsafe extern "system" fn(This, c_long, *mut RawVariant) -> bool,
    find_method: unsafe extern "system" fn(This, *const u16) -> c_long,
    get_param_def_value: unsafe extern "system" fn(This, c_long, c_long, *mut RawVariant) -> bool,
    call_as_proc: unsafe extern "system" fn(This, c_long, *mut RawVariant, c_long) -> bool,
    call_as_func:
        unsafe extern "system" fn(This, c_long, *mut RawVariant, *mut RawVariant, c_long) -> bool,
    set_locale: unsafe extern "system" fn(This, *const u16),
    set_language: unsafe extern "system" fn(This, *const u16),
}

static ORIGINALS: OnceLock<Originals> = OnceLock::new();

/// The originals (set by [`harden`] before any wrapper can run).
fn originals() -> &'static Originals {
    ORIGINALS
        .get()
        .expect("the wrappers are installed only after the originals are saved")
}

/// Runs `f`; a panic gives `default` (nothing unwinds into the platform).
fn guarded<R>(default: R, f: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(default)
}

/// Replaces the entries of a freshly made `addin1c` object that take pointers from the platform
/// with the checking wrappers of this module.
///
/// # Safety
///
/// `component` is an object just returned by `addin1c::create_component` for this crate's
/// [`crate::Fiskal`] (all objects share the same original entries), not yet given to anyone.
pub(crate) unsafe fn harden(component: *mut c_void) {
    let slots = component.cast::<*mut c_void>();
    // SAFETY: the object starts with four vtable pointers; `addin1c` allocated each vtable on
    // the heap for this object alone (a `Box`), with the layouts above, so they can be
    // rewritten in place before the platform sees the object.
    unsafe {
        let init_done = (*slots).cast::<InitDoneVTable>();
        let extender = (*slots.add(1)).cast::<ExtenderVTable>();
        let locale = (*slots.add(2)).cast::<StringSetterVTable>();
        let language = (*slots.add(3)).cast::<StringSetterVTable>();
        let _ = ORIGINALS.get_or_init(|| Originals {
            init: (*init_done).init,
            set_mem_manager: (*init_done).set_mem_manager,
            register_extension_as: (*extender).register_extension_as,
            find_prop: (*extender).find_prop,
            get_prop_val: (*extender).get_prop_val,
            set_prop_val: (*extender).set_prop_val,
            find_method: (*extender).find_method,
            get_param_def_value: (*extender).get_param_def_value,
            call_as_proc: (*extender).call_as_proc,
            call_as_func: (*extender).call_as_func,
            set_locale: (*locale).set,
            set_language: (*language).set,
        });
        (*init_done).init = init;
        (*init_done).set_mem_manager = set_mem_manager;
        (*extender).register_extension_as = register_extension_as;
        (*extender).find_prop = find_prop;
        (*extender).get_prop_val = get_prop_val;
        (*extender).set_prop_val = set_prop_val;
        (*extender).find_method = find_method;
        (*extender).get_param_def_value = get_param_def_value;
        (*extender).call_as_proc = call_as_proc;
        (*extender).call_as_func = call_as_func;
        (*locale).set = set_locale;
        (*language).set = set_language;
    }
}

/// `Init(connection)`: a NULL connection is refused.
unsafe extern "system" fn init(this: This, connection: *mut c_void) -> bool {
    // SAFETY: a non-NULL connection is the platform's, valid while the object lives.
    !connection.is_null() && guarded(false, || unsafe { (originals().init)(this, connection) })
}

/// `setMemManager(manager)`: a NULL manager is refused.
unsafe extern "system" fn set_mem_manager(this: This, manager: *mut c_void) -> bool {
    // SAFETY: a non-NULL manager is the platform's, valid while the object lives.
    !manager.is_null()
        && guarded(false, || unsafe {
            (originals().set_mem_manager)(this, manager)
        })
}

/// `RegisterExtensionAs(&name)`: a NULL out-pointer is refused.
unsafe extern "system" fn register_extension_as(this: This, name: *mut *mut u16) -> bool {
    // SAFETY: a non-NULL out-pointer is writable (the platform's contract).
    !name.is_null()
        && guarded(false, || unsafe {
            (originals().register_extension_as)(this, name)
        })
}

/// `FindProp(name)`: a NULL name is no property.
unsafe extern "system" fn find_prop(this: This, name: *const u16) -> c_long {
    if name.is_null() {
        return -1;
    }
    // SAFETY: a non-NULL NUL-terminated name (the platform's contract).
    guarded(-1, || unsafe { (originals().find_prop)(this, name) })
}

/// `FindMethod(name)`: a NULL name is no method.
unsafe extern "system" fn find_method(this: This, name: *const u16) -> c_long {
    if name.is_null() {
        return -1;
    }
    // SAFETY: as in `find_prop`.
    guarded(-1, || unsafe { (originals().find_method)(this, name) })
}

/// Makes an output value safe to overwrite (see the module docs).
///
/// # Safety
///
/// `v` is non-NULL and points to a writable `tVariant`.
unsafe fn clean_output(v: *mut RawVariant) {
    // SAFETY: the caller's contract; every bit pattern is a `RawVariant`.
    unsafe {
        if !output_is_safe(&*v) {
            (*v).vt = VT_EMPTY;
        }
    }
}

/// `GetPropVal(num, &value)`: a NULL value is refused.
unsafe extern "system" fn get_prop_val(this: This, num: c_long, value: *mut RawVariant) -> bool {
    if value.is_null() {
        return false;
    }
    // SAFETY: a non-NULL writable variant (the platform's contract).
    guarded(false, || unsafe {
        clean_output(value);
        (originals().get_prop_val)(this, num, value)
    })
}

/// `SetPropVal(num, &value)`: a NULL value is refused (no property is writable anyway).
unsafe extern "system" fn set_prop_val(this: This, num: c_long, value: *mut RawVariant) -> bool {
    if value.is_null() {
        return false;
    }
    // SAFETY: as in `get_prop_val`; `addin1c` does not read the value (the add-in refuses).
    guarded(false, || unsafe {
        (originals().set_prop_val)(this, num, value)
    })
}

/// `GetParamDefValue(method, param, &value)`: a NULL value is refused.
unsafe extern "system" fn get_param_def_value(
    this: This,
    method: c_long,
    param: c_long,
    value: *mut RawVariant,
) -> bool {
    if value.is_null() {
        return false;
    }
    // SAFETY: as in `get_prop_val`.
    guarded(false, || unsafe {
        clean_output(value);
        (originals().get_param_def_value)(this, method, param, value)
    })
}

/// The argument array of one call while it runs: read, published in [`ARGS`], the values
/// `addin1c` must not see masked; dropping it puts the masked tags back and unpublishes.
struct CallScope {
    /// The platform's array.
    params: *mut RawVariant,
    /// The masked arguments: index and the platform's tag.
    masked: Vec<(usize, u16)>,
}

impl CallScope {
    /// Reads `count` arguments at `params`; `None` for an array the call cannot use (a
    /// negative count, or NULL with a non-zero count).
    ///
    /// # Safety
    ///
    /// A non-NULL `params` points to `count` writable `tVariant`s whose strings are valid for
    /// the whole call.
    unsafe fn open(params: *mut RawVariant, count: c_long) -> Option<CallScope> {
        let count = usize::try_from(count).ok()?;
        if count > 0 && params.is_null() {
            return None;
        }
        let mut args = Vec::with_capacity(count);
        let mut masked = Vec::new();
        for i in 0..count {
            // SAFETY: `i < count` elements of the platform's array (the caller's contract).
            let p = unsafe { params.add(i) };
            // SAFETY: as above; the data lives for the call, which outlives the scope.
            let (arg, safe) = unsafe { read(p) };
            if !safe {
                // SAFETY: as above (writable).
                unsafe {
                    masked.push((i, (*p).vt));
                    (*p).vt = VT_EMPTY;
                }
            }
            args.push(arg);
        }
        ARGS.with(|a| a.borrow_mut().push(args));
        Some(CallScope { params, masked })
    }
}

impl Drop for CallScope {
    fn drop(&mut self) {
        ARGS.with(|a| a.borrow_mut().pop());
        for &(i, vt) in &self.masked {
            // SAFETY: the same array as in `open`, still the platform's; a value the method
            // stored (the tag is no longer EMPTY) is left as it is.
            unsafe {
                let p = self.params.add(i);
                if (*p).vt == VT_EMPTY {
                    (*p).vt = vt;
                }
            }
        }
    }
}

/// `CallAsProc(method, params, count)`.
unsafe extern "system" fn call_as_proc(
    this: This,
    method: c_long,
    params: *mut RawVariant,
    count: c_long,
) -> bool {
    guarded(false, || {
        // SAFETY: the platform's array (its contract); the scope ends with the call.
        let Some(_scope) = (unsafe { CallScope::open(params, count) }) else {
            return false;
        };
        // SAFETY: the array is non-NULL when `count > 0`, and holds nothing `addin1c` misreads.
        unsafe { (originals().call_as_proc)(this, method, params, count) }
    })
}

/// `CallAsFunc(method, &result, params, count)`: a NULL result is refused.
unsafe extern "system" fn call_as_func(
    this: This,
    method: c_long,
    result: *mut RawVariant,
    params: *mut RawVariant,
    count: c_long,
) -> bool {
    if result.is_null() {
        return false;
    }
    guarded(false, || {
        // SAFETY: as in `call_as_proc`.
        let Some(_scope) = (unsafe { CallScope::open(params, count) }) else {
            return false;
        };
        // SAFETY: `result` is a non-NULL writable variant (the platform's contract).
        unsafe {
            clean_output(result);
            (originals().call_as_func)(this, method, result, params, count)
        }
    })
}

/// `SetLocale(name)`: a NULL name is ignored.
unsafe extern "system" fn set_locale(this: This, name: *const u16) {
    if !name.is_null() {
        // SAFETY: a non-NULL NUL-terminated name (the platform's contract).
        guarded((), || unsafe { (originals().set_locale)(this, name) });
    }
}

/// `SetUserInterfaceLanguageCode(code)`: a NULL code is ignored.
unsafe extern "system" fn set_language(this: This, code: *const u16) {
    if !code.is_null() {
        // SAFETY: as in `set_locale`.
        guarded((), || unsafe { (originals().set_language)(this, code) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr;

    fn variant(vt: u16, value: RawValue) -> RawVariant {
        RawVariant {
            value,
            elements: 0,
            vt,
        }
    }

    fn data(ptr: *const c_void, len: u32) -> RawValue {
        RawValue {
            data: RawData { ptr, len },
        }
    }

    #[test]
    fn null_data_with_length_0_is_the_empty_value() {
        let s = variant(VT_PWSTR, data(ptr::null(), 0));
        let b = variant(VT_BLOB, data(ptr::null(), 0));
        // SAFETY: the variants are ours; NULL pointers are not read.
        unsafe {
            assert_eq!(read(&s), (Arg::Str(&[]), false));
            assert_eq!(read(&b), (Arg::Blob(&[]), false));
        }
    }

    #[test]
    fn null_data_with_a_length_is_dangling() {
        let s = variant(VT_PWSTR, data(ptr::null(), 7));
        let b = variant(VT_BLOB, data(ptr::null(), u32::MAX));
        // SAFETY: as above.
        unsafe {
            assert_eq!(
                read(&s),
                (
                    Arg::Dangling {
                        blob: false,
                        len: 7
                    },
                    false
                )
            );
            assert_eq!(
                read(&b),
                (
                    Arg::Dangling {
                        blob: true,
                        len: u32::MAX
                    },
                    false
                )
            );
        }
    }

    #[test]
    fn unknown_tags_and_odd_bools_are_masked() {
        let odd = variant(VT_BOOL, RawValue { byte: 7 });
        let array = variant(0x2000 | VT_I4, RawValue { i4: 1 });
        let i2 = variant(2, RawValue { i4: 1 });
        let units = [0x41_u16, 0x42];
        let text = variant(VT_PWSTR, data(units.as_ptr().cast(), 2));
        // SAFETY: the variants are ours; `units` outlives the reads.
        unsafe {
            assert_eq!(read(&odd), (Arg::Bool(true), false));
            assert_eq!(read(&array), (Arg::Other(0x2003), false));
            assert_eq!(read(&i2), (Arg::Other(2), true));
            assert_eq!(read(&text), (Arg::Str(&units), true));
        }
        assert!(!output_is_safe(&array));
        assert!(!output_is_safe(&variant(VT_PWSTR, data(ptr::null(), 0))));
        assert!(output_is_safe(&text));
    }
}
