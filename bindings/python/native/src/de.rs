//! A `serde::Deserializer` over Python objects: the receipt model is read straight from dicts,
//! lists, `str`, `int`, `bool`, `None` and `decimal.Decimal`, with no JSON text in between.
//!
//! It reads a Python value exactly as the cffi path reads the JSON text that `json.dumps` makes
//! of it (bindings/python/python/fiskal/_ffi.py, `dumps`): a `Decimal` is its exact string
//! (`str(d)`, as a JSON string), an object with a `to_json()` method is what that returns, a
//! `tuple` is a list. Money and quantities are read by the model's own exact parser (never
//! through a float): the model asks under its name `fiskal_ffd::money::DECIMAL_TOKEN` first, and
//! [`PyDe`] answers a `str` or a `Decimal` with its text and an `int` with its value, which the
//! model reads exactly as it reads the same JSON string or number (same errors); any other
//! value is answered through serde_json's `RawValue` with the JSON text of the value, as before.
//!
//! The `pythonize` crate was not used: its `deserialize_newtype_struct` cannot hand the model a
//! `RawValue`, so no amount would deserialize, and it names no `Decimal`.
//!
//! Speed (issue 19; `callgrind` of `validate(dict)`, benches/README.md "peers"): the text of a
//! `str` is read in place where the running CPython allows it (3.10+, [`utf8_view`]), values
//! of the common exact types are told apart by one type-pointer comparison each, an amount
//! reaches the model as its text or its integer (no JSON text), and a dict is walked with
//! `PyDict_Next` itself ([`DictAccess`]).

use crate::decimal::Layout;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// serde_json's private marker for `RawValue` (its `raw_value` feature): a newtype struct of
/// this name is asked for, and a map with this one key and the JSON text as its value is the
/// answer (serde_json's own `Value` deserializer does the same).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Why a Python value could not be read as the model: serde's message (the JSON path is added
/// by `serde_path_to_error` around the deserializer).
#[derive(Debug)]
pub(crate) struct DeError(pub(crate) String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
}

impl From<PyErr> for DeError {
    fn from(e: PyErr) -> Self {
        DeError(e.to_string())
    }
}

/// The Python types the deserializer tells apart, and how a `str` is read.
pub(crate) struct Types<'py> {
    /// `decimal.Decimal`.
    pub(crate) decimal: Bound<'py, PyAny>,
    /// Its objects' layout, when this interpreter's Decimals can be read in place
    /// ([`crate::decimal`]).
    layout: Option<&'static Layout>,
    /// The running interpreter has `PyUnicode_AsUTF8AndSize` in its stable ABI (3.10+).
    utf8_view: bool,
}

/// `decimal.Decimal`, imported once per interpreter.
static DECIMAL: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();

impl<'py> Types<'py> {
    /// What is needed (`decimal.Decimal`, imported on first use).
    pub(crate) fn new(py: Python<'py>) -> PyResult<Types<'py>> {
        let decimal = DECIMAL.get_or_try_init(py, || {
            py.import("decimal")?.getattr("Decimal").map(Bound::unbind)
        })?;
        let decimal = decimal.bind(py).clone();
        Ok(Types {
            layout: Layout::get(&decimal),
            decimal,
            utf8_view: utf8_view::available(py),
        })
    }

    /// The UTF-8 text of `s`: read in place on CPython 3.10+, else encoded into a `bytes`.
    #[inline]
    pub(crate) fn text<'a>(&self, s: &'a Bound<'py, PyString>) -> Result<Text<'a, 'py>, DeError> {
        if self.utf8_view {
            Ok(Text::View(utf8_view::view(s)?))
        } else {
            Ok(Text::Bytes(Utf8::new(s)?))
        }
    }
}

/// The UTF-8 text of a `str`, borrowed from it (CPython 3.10+) or held in a `bytes` object.
pub(crate) enum Text<'a, 'py> {
    View(&'a str),
    Bytes(Utf8<'py>),
}

impl Text<'_, '_> {
    #[inline]
    pub(crate) fn as_str(&self) -> Result<&str, DeError> {
        match self {
            Text::View(s) => Ok(s),
            Text::Bytes(b) => b.as_str(),
        }
    }
}

/// `PyUnicode_AsUTF8AndSize`: the UTF-8 text of a `str` without a copy.
///
/// The wheel stays `cp38-abi3` (one wheel for every CPython 3.8+; scripts/test-python checks the
/// tag): the function is in the stable ABI only from CPython 3.10
/// (<https://docs.python.org/3/c-api/unicode.html#c.PyUnicode_AsUTF8AndSize>, "Changed in
/// version 3.10: this function is a part of the limited API"), so it is called only when the
/// running interpreter is 3.10 or newer; 3.8 and 3.9 keep encoding into a `bytes` object. An
/// `abi3-py310` wheel would need no version check but would refuse 3.8 and 3.9, which still
/// run on servers this package targets (Ubuntu 20.04 ships 3.8, Debian 11 ships 3.9).
///
/// CPython keeps the UTF-8 text with the `str` once asked for it (an ASCII `str` is its own
/// UTF-8; another one gets a cached copy, freed with it), so the slice lives as long as the
/// `str`, and the `&Bound` it is borrowed from keeps the `str` alive.
mod utf8_view {
    use pyo3::ffi;
    use pyo3::prelude::*;
    use pyo3::types::PyString;
    use std::os::raw::c_char;

    extern "C" {
        // Declared here: pyo3-ffi declares it only for `abi3-py310` and non-abi3 builds. Every
        // CPython since 3.3 exports it with this signature.
        fn PyUnicode_AsUTF8AndSize(
            unicode: *mut ffi::PyObject,
            size: *mut ffi::Py_ssize_t,
        ) -> *const c_char;
    }

    /// Whether the running interpreter is CPython 3.10 or newer (asked once per process).
    pub(super) fn available(py: Python<'_>) -> bool {
        static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *AVAILABLE.get_or_init(|| py.version_info() >= (3, 10))
    }

    /// The UTF-8 text of `s`, borrowed from it. Call only where [`available`] said so.
    #[inline]
    pub(super) fn view<'a>(s: &'a Bound<'_, PyString>) -> PyResult<&'a str> {
        if let Some(text) = cache::get(s) {
            return Ok(text);
        }
        let text = view_uncached(s)?;
        cache::put(s, text);
        Ok(text)
    }

    fn view_uncached<'a>(s: &'a Bound<'_, PyString>) -> PyResult<&'a str> {
        let mut size: ffi::Py_ssize_t = 0;
        // SAFETY: `s` is a live `str` (the `Bound` holds a reference and the GIL is held);
        // `size` is a valid place to write the length to. The function is in the stable ABI of
        // the running interpreter (`available`).
        let data = unsafe { PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut size) };
        if data.is_null() {
            // A `str` that has no UTF-8 form (a lone surrogate): CPython set UnicodeEncodeError.
            return Err(PyErr::fetch(s.py()));
        }
        let len = usize::try_from(size)
            .map_err(|_| pyo3::exceptions::PySystemError::new_err("negative str size"))?;
        // SAFETY: CPython returned `len` bytes at `data`, owned by the `str` and unchanged for
        // its life (a `str` is immutable); `'a` borrows the `Bound` that keeps it alive.
        let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) };
        // SAFETY: the bytes are the output of CPython's strict UTF-8 encoder, which writes
        // only valid UTF-8 (PyO3's own `PyString::to_str` relies on the same).
        Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
    }

    /// The texts of short `str` objects met before: the keys of a receipt and values such as
    /// `"piece"` or `"vat22"` are the same objects call after call (string literals are
    /// interned), and finding one here costs a fraction of asking CPython for its UTF-8 text
    /// (issue 19: ~170 of them in a 10-item receipt).
    ///
    /// A slot keeps a reference to its `str`, so the object cannot be freed, nor its address
    /// given to another object, while the slot names it: the same address is the same `str`,
    /// whose text never changes. Only exact `str` objects of at most [`MAX_LEN`] UTF-8 bytes are
    /// kept, in [`SLOTS`] slots chosen by address (a newer one replaces an older one), so the
    /// cache holds at most a few kilobytes. It is used only with the GIL held; its lock is
    /// only ever tried (never waited for), and a cache that is busy is simply not used.
    mod cache {
        use pyo3::prelude::*;
        use pyo3::types::PyString;
        use std::cell::UnsafeCell;
        use std::sync::atomic::{AtomicBool, Ordering};

        pub(super) const SLOTS: usize = 256;
        pub(super) const MAX_LEN: usize = 32;

        struct Slot {
            /// The `str` (a strong reference); `None` for an empty slot.
            obj: Option<Py<PyString>>,
            /// Its UTF-8 text: address and length (owned by `obj`).
            data: *const u8,
            len: usize,
        }

        const EMPTY: Slot = Slot {
            obj: None,
            data: std::ptr::null(),
            len: 0,
        };

        /// The slots, and a flag that makes their use exclusive: a try-lock without poisoning
        /// (std's `Mutex` cost more than the lookup it guards).
        struct Cache {
            busy: AtomicBool,
            slots: UnsafeCell<[Slot; SLOTS]>,
        }

        // SAFETY: `slots` is touched only between a successful `busy` swap (Acquire) and the
        // store that clears it (Release), by one thread at a time; the references a slot holds
        // are `Py` (Send + Sync), and its text pointer is read only while the slot holds them.
        unsafe impl Sync for Cache {}

        static CACHE: Cache = Cache {
            busy: AtomicBool::new(false),
            slots: UnsafeCell::new([EMPTY; SLOTS]),
        };

        /// Runs `f` on the slots if no other thread is using them.
        #[inline]
        fn with_slots<R>(f: impl FnOnce(&mut [Slot; SLOTS]) -> Option<R>) -> Option<R> {
            if CACHE.busy.swap(true, Ordering::Acquire) {
                return None;
            }
            // SAFETY: `busy` was false and is now ours: no other reference to the slots exists
            // until it is cleared below (`f` does not call back into the cache).
            let out = f(unsafe { &mut *CACHE.slots.get() });
            CACHE.busy.store(false, Ordering::Release);
            out
        }

        #[inline]
        fn slot_of(ptr: *mut pyo3::ffi::PyObject) -> usize {
            // Objects are at least 16-byte aligned: the low bits say nothing.
            ((ptr as usize) >> 4) % SLOTS
        }

        /// The text of `s` if a slot names it.
        #[inline]
        pub(super) fn get<'a>(s: &'a Bound<'_, PyString>) -> Option<&'a str> {
            let ptr = s.as_ptr();
            with_slots(|slots| {
                let slot = &slots[slot_of(ptr)];
                match &slot.obj {
                    Some(o) if o.as_ptr() == ptr => {
                        // SAFETY: the slot holds a reference to this very object (same address,
                        // kept alive by the slot), and `data`/`len` are its UTF-8 text as CPython
                        // gave it (`put`), valid and unchanged for the object's life; `'a`
                        // borrows the caller's `Bound`, which keeps it alive after the slot may
                        // let it go.
                        let bytes = unsafe { std::slice::from_raw_parts(slot.data, slot.len) };
                        // SAFETY: CPython's UTF-8 text of a `str` is valid UTF-8
                        // (`view_uncached`).
                        Some(unsafe { std::str::from_utf8_unchecked(bytes) })
                    }
                    _ => None,
                }
            })
        }

        /// Remembers the text of `s` (a short, exact `str`).
        pub(super) fn put(s: &Bound<'_, PyString>, text: &str) {
            if text.len() > MAX_LEN || !s.is_exact_instance_of::<PyString>() {
                return;
            }
            let slot = Slot {
                obj: Some(s.clone().unbind()),
                data: text.as_ptr(),
                len: text.len(),
            };
            // The older slot's reference is released once the slots are free again, with the
            // GIL held (`s`): freeing a `str` runs no Python code, but nothing is done inside.
            let old =
                with_slots(|slots| Some(std::mem::replace(&mut slots[slot_of(s.as_ptr())], slot)));
            drop(old);
        }
    }
}

/// A Python value seen as JSON: what `json.dumps` would make of it.
enum Kind<'a, 'py> {
    Str(&'a Bound<'py, PyString>),
    Bool(bool),
    Int(&'a Bound<'py, PyInt>),
    Float(f64),
    None,
    Dict(&'a Bound<'py, PyDict>),
    List(&'a Bound<'py, PyAny>),
    /// A `Decimal`: its exact text (`str(d)`), read as a JSON string.
    Decimal(Bound<'py, PyString>),
    /// A `Decimal` whose text (`str(d)` byte for byte) was made here ([`crate::decimal`]).
    DecimalText(DecimalText),
    /// An object with `to_json()`: what it returned.
    Converted(Bound<'py, PyAny>),
}

/// The deserializer over one Python value.
pub(crate) struct PyDe<'a, 'py> {
    obj: &'a Bound<'py, PyAny>,
    types: &'a Types<'py>,
}

impl<'a, 'py> PyDe<'a, 'py> {
    /// A deserializer over `obj`.
    pub(crate) fn new(obj: &'a Bound<'py, PyAny>, types: &'a Types<'py>) -> Self {
        PyDe { obj, types }
    }

    fn kind(&self) -> Result<Kind<'a, 'py>, DeError> {
        let o = self.obj;
        // The exact types of a receipt first, one type-pointer comparison each (a `Decimal`
        // too: money as a `Decimal` is common); then the general checks, subclasses included,
        // in json.dumps' order (an exact type lands in the same branch either way).
        if let Ok(s) = o.cast_exact::<PyString>() {
            return Ok(Kind::Str(s));
        }
        if std::ptr::eq(o.get_type_ptr().cast(), self.types.decimal.as_ptr()) {
            if let Some(layout) = self.types.layout {
                let mut text = DecimalText {
                    buf: [0; 64],
                    start: 0,
                };
                if let Some(len) = layout.plain_text(o, &mut text.buf).map(str::len) {
                    // The text ends the buffer.
                    text.start = text.buf.len() - len;
                    return Ok(Kind::DecimalText(text));
                }
            }
            return Ok(Kind::Decimal(o.str()?));
        }
        if let Ok(i) = o.cast_exact::<PyInt>() {
            return Ok(Kind::Int(i));
        }
        if let Ok(d) = o.cast_exact::<PyDict>() {
            return Ok(Kind::Dict(d));
        }
        if o.is_exact_instance_of::<PyList>() {
            return Ok(Kind::List(o));
        }
        if o.is_none() {
            return Ok(Kind::None);
        }
        if let Ok(s) = o.cast::<PyString>() {
            return Ok(Kind::Str(s));
        }
        if let Ok(b) = o.cast::<PyBool>() {
            return Ok(Kind::Bool(b.is_true()));
        }
        if let Ok(i) = o.cast::<PyInt>() {
            return Ok(Kind::Int(i));
        }
        if let Ok(d) = o.cast::<PyDict>() {
            return Ok(Kind::Dict(d));
        }
        if o.is_instance_of::<PyList>() || o.is_instance_of::<PyTuple>() {
            return Ok(Kind::List(o));
        }
        if o.is_none() {
            return Ok(Kind::None);
        }
        if let Ok(f) = o.cast::<PyFloat>() {
            return Ok(Kind::Float(f.value()));
        }
        if o.is_instance(&self.types.decimal)? {
            return Ok(Kind::Decimal(o.str()?));
        }
        if let Ok(to_json) = o.getattr("to_json") {
            if to_json.is_callable() {
                return Ok(Kind::Converted(to_json.call0()?));
            }
        }
        Err(DeError(format!(
            "Object of type {} is not JSON serializable",
            o.get_type().name()?
        )))
    }

    /// An amount or a quantity, asked for under `fiskal_ffd::money::DECIMAL_TOKEN`: the text
    /// of a `str` or a `Decimal` and the value of an `int` go to the model's exact parser
    /// directly (no JSON text, no quotes); anything else, and an `int` beyond 64 bits, is
    /// answered as before, through the `RawValue` path (its JSON text), so every error stays
    /// the one the JSON text gives.
    fn decimal<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.kind()? {
            Kind::Str(s) => visitor.visit_str(self.types.text(s)?.as_str()?),
            Kind::Decimal(s) => visitor.visit_str(self.types.text(&s)?.as_str()?),
            Kind::DecimalText(t) => visitor.visit_str(t.as_str()),
            Kind::Int(i) => {
                if let Ok(n) = i.extract::<i64>() {
                    visitor.visit_i64(n)
                } else if let Ok(n) = i.extract::<u64>() {
                    visitor.visit_u64(n)
                } else {
                    visitor.visit_newtype_struct(self)
                }
            }
            // `to_json()` is called once: its result is read in its place.
            Kind::Converted(v) => PyDe::new(&v, self.types).decimal(visitor),
            Kind::Bool(_) | Kind::Float(_) | Kind::None | Kind::Dict(_) | Kind::List(_) => {
                visitor.visit_newtype_struct(self)
            }
        }
    }

    /// The JSON text of the value (for a `RawValue`: money and quantities).
    fn json_text(&self) -> Result<String, DeError> {
        Ok(match self.kind()? {
            Kind::Str(s) => json_string(self.types.text(s)?.as_str()?),
            Kind::Bool(b) => b.to_string(),
            // The digits of the value, as json.dumps writes them (`int.__repr__`, whatever a
            // subclass' `__str__` says); beyond 64 bits through Python's `str`.
            Kind::Int(i) => match i.extract::<i64>() {
                Ok(n) => n.to_string(),
                Err(_) => self.types.text(&i.str()?)?.as_str()?.to_owned(),
            },
            // Python's repr of a float is what json.dumps writes (shortest round-trip digits).
            Kind::Float(f) if f.is_finite() => self.obj.repr()?.to_cow()?.into_owned(),
            Kind::Float(f) => {
                return Err(DeError(format!(
                    "{f} is not a number JSON can carry (NaN and infinities are not amounts)"
                )))
            }
            Kind::None => "null".to_owned(),
            // A Decimal's text is digits, a sign, a point, an exponent or a NaN/Infinity word:
            // nothing to escape.
            Kind::Decimal(s) => quoted(self.types.text(&s)?.as_str()?),
            Kind::DecimalText(t) => quoted(t.as_str()),
            Kind::Converted(v) => PyDe::new(&v, self.types).json_text()?,
            Kind::Dict(_) | Kind::List(_) => {
                let v: serde_json::Value =
                    de::Deserialize::deserialize(PyDe::new(self.obj, self.types))?;
                v.to_string()
            }
        })
    }
}

/// The text of a `Decimal` made by [`crate::decimal`] (plain notation: digits, `-`, `.`).
struct DecimalText {
    buf: crate::decimal::Buf,
    /// Where the text starts: it runs to the end of `buf`.
    start: usize,
}

impl DecimalText {
    #[inline]
    fn as_str(&self) -> &str {
        // SAFETY: `buf[start..]` is the `&str` `Layout::plain_text` returned, which always ends
        // the buffer (`PyDe::kind` makes a `DecimalText` only so): ASCII digits, '-' and '.'.
        unsafe { std::str::from_utf8_unchecked(&self.buf[self.start..]) }
    }
}

/// The UTF-8 text of a `str`, held in a `bytes` object (one encoding, no copy into Rust: the
/// stable ABI of CPython 3.8 has no borrowed UTF-8 view of a `str`). PyO3's `to_cow` would copy
/// the bytes once more into a `String`.
pub(crate) struct Utf8<'py>(Bound<'py, PyBytes>);

impl<'py> Utf8<'py> {
    fn new(s: &Bound<'py, PyString>) -> Result<Self, DeError> {
        Ok(Utf8(s.encode_utf8()?))
    }

    #[inline]
    fn as_str(&self) -> Result<&str, DeError> {
        // CPython's UTF-8 encoder only writes UTF-8 (lone surrogates fail in `new`).
        std::str::from_utf8(self.0.as_bytes()).map_err(|e| DeError(e.to_string()))
    }
}

/// `s` between double quotes, in one allocation.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    out.push_str(s);
    out.push('"');
    out
}

/// A JSON string literal of `s`.
fn json_string(s: &str) -> String {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        // Nothing to escape (the usual amount such as "199.90").
        return quoted(s);
    }
    // Serialising a str cannot fail.
    serde_json::to_string(s).unwrap_or_default()
}

impl<'de> de::Deserializer<'de> for PyDe<'_, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.kind()? {
            Kind::Str(s) => visitor.visit_str(self.types.text(s)?.as_str()?),
            Kind::Bool(b) => visitor.visit_bool(b),
            Kind::Int(i) => {
                if let Ok(u) = i.extract::<u64>() {
                    visitor.visit_u64(u)
                } else if let Ok(n) = i.extract::<i64>() {
                    visitor.visit_i64(n)
                } else {
                    // serde_json reads an integer beyond 64 bits as a float; so does this.
                    visitor.visit_f64(i.extract::<f64>()?)
                }
            }
            Kind::Float(f) => visitor.visit_f64(f),
            Kind::None => visitor.visit_unit(),
            Kind::Decimal(s) => visitor.visit_str(self.types.text(&s)?.as_str()?),
            Kind::DecimalText(t) => visitor.visit_str(t.as_str()),
            Kind::Dict(d) => visitor.visit_map(DictAccess::new(d, self.types)),
            Kind::List(l) => visitor.visit_seq(ListAccess {
                items: l.try_iter()?,
                // The length lets the model's `Vec` be allocated once.
                remaining: l.len().ok(),
                types: self.types,
            }),
            Kind::Converted(v) => PyDe::new(&v, self.types).deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.obj.is_none() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if name == RAW_VALUE_TOKEN {
            visitor.visit_map(RawAccess {
                text: Some(self.json_text()?),
            })
        } else if name == fiskal_ffd::money::DECIMAL_TOKEN {
            self.decimal(visitor)
        } else {
            visitor.visit_newtype_struct(self)
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.kind()? {
            Kind::Str(s) => {
                let text = self.types.text(s)?;
                visitor.visit_enum(de::value::StrDeserializer::<DeError>::new(text.as_str()?))
            }
            Kind::Dict(d) if d.len() == 1 => {
                let mut it = d.iter();
                let (k, v) = it
                    .next()
                    .ok_or_else(|| DeError("an empty object is not an enum".to_owned()))?;
                visitor.visit_enum(EnumAccess {
                    key: k,
                    value: v,
                    types: self.types,
                })
            }
            Kind::Converted(v) => {
                PyDe::new(&v, self.types).deserialize_enum(_name, _variants, visitor)
            }
            _ => self.deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// The entries of an exact dict, in order, read with `PyDict_Next` (in the stable ABI): no
/// iterator object, no size check per step, no reference count taken for a key.
///
/// A key is borrowed from the dict: the caller reads it before anything that may run Python
/// code (reading a `str`, comparing addresses run none), so nothing can take it out of the dict
/// meanwhile. A value is a new reference, since reading it may run Python code (`to_json()`, a
/// subclass' `__str__`) that could change the dict. A dict whose size changed while it was read, or that gave more entries than it had, is
/// refused, as `json.dumps` refuses it. Used by serde's map access ([`DictAccess`]) and by the
/// field-by-field reader (`fast.rs`).
pub(crate) struct DictEntries<'a, 'py> {
    dict: &'a Bound<'py, PyDict>,
    /// `PyDict_Next`'s position.
    pos: ffi::Py_ssize_t,
    /// The size of the dict when reading began.
    len: ffi::Py_ssize_t,
    /// Entries read so far.
    read: ffi::Py_ssize_t,
}

/// A key (borrowed from the dict: see [`DictEntries`]) and its value.
pub(crate) type Entry<'a, 'py> = (pyo3::Borrowed<'a, 'py, PyAny>, Bound<'py, PyAny>);

impl<'a, 'py> DictEntries<'a, 'py> {
    pub(crate) fn new(dict: &'a Bound<'py, PyDict>) -> Self {
        // SAFETY: `dict` is a live dict and the GIL is held.
        let len = unsafe { ffi::PyDict_Size(dict.as_ptr()) };
        DictEntries {
            dict,
            pos: 0,
            len,
            read: 0,
        }
    }

    fn changed() -> DeError {
        DeError("dictionary changed size during iteration".to_owned())
    }

    /// The next key and value, `Ok(None)` after the last.
    pub(crate) fn next(&mut self) -> Result<Option<Entry<'a, 'py>>, DeError> {
        let py = self.dict.py();
        let mut key: *mut ffi::PyObject = std::ptr::null_mut();
        let mut value: *mut ffi::PyObject = std::ptr::null_mut();
        // SAFETY: `dict` is a live dict (the `Bound` holds a reference), the GIL is held, and the
        // three pointers are valid places to write to.
        let more =
            unsafe { ffi::PyDict_Next(self.dict.as_ptr(), &mut self.pos, &mut key, &mut value) };
        if more == 0 {
            // SAFETY: as above.
            if unsafe { ffi::PyDict_Size(self.dict.as_ptr()) } != self.len {
                return Err(Self::changed());
            }
            return Ok(None);
        }
        self.read += 1;
        if self.read > self.len {
            return Err(Self::changed());
        }
        // SAFETY: `PyDict_Next` returned non-null borrowed references owned by the dict. The
        // value gets its own reference here; the key stays the dict's, read by the caller before
        // any Python code runs (see the type's docs), so the dict keeps it alive.
        Ok(Some(unsafe {
            (
                pyo3::Borrowed::from_ptr(py, key),
                Bound::from_borrowed_ptr(py, value),
            )
        }))
    }

    /// Entries not read yet (as far as the dict's size when reading began tells).
    fn remaining(&self) -> Option<usize> {
        usize::try_from(self.len - self.read).ok()
    }
}

/// serde's view of a dict ([`DictEntries`]): each key as its text, then its value.
struct DictAccess<'a, 'py> {
    entries: DictEntries<'a, 'py>,
    value: Option<Bound<'py, PyAny>>,
    types: &'a Types<'py>,
}

impl<'a, 'py> DictAccess<'a, 'py> {
    fn new(dict: &'a Bound<'py, PyDict>, types: &'a Types<'py>) -> Self {
        DictAccess {
            entries: DictEntries::new(dict),
            value: None,
            types,
        }
    }
}

impl<'de> MapAccess<'de> for DictAccess<'_, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.entries.next()? else {
            return Ok(None);
        };
        self.value = Some(value);
        // json.dumps writes int, float, bool and None keys as strings; a receipt has none, and
        // any other key type fails there as here.
        let key = key
            .cast::<PyString>()
            .map_err(|_| DeError("keys must be str".to_owned()))?;
        let text = self.types.text(&key)?;
        seed.deserialize(de::value::StrDeserializer::<DeError>::new(text.as_str()?))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let v = self
            .value
            .take()
            .ok_or_else(|| DeError("a value without its key".to_owned()))?;
        seed.deserialize(PyDe::new(&v, self.types))
    }

    fn size_hint(&self) -> Option<usize> {
        self.entries.remaining()
    }
}

/// The items of a list or tuple, in order.
struct ListAccess<'a, 'py> {
    items: Bound<'py, pyo3::types::PyIterator>,
    /// How many items are left (`len()` of the list or tuple).
    remaining: Option<usize>,
    types: &'a Types<'py>,
}

impl<'de> SeqAccess<'de> for ListAccess<'_, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some(item) => {
                self.remaining = self.remaining.map(|n| n.saturating_sub(1));
                seed.deserialize(PyDe::new(&item?, self.types)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.remaining
    }
}

/// The one-entry map serde_json's `RawValue` visitor expects: its marker key, then the text.
struct RawAccess {
    text: Option<String>,
}

impl<'de> MapAccess<'de> for RawAccess {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        if self.text.is_some() {
            let key: de::value::StrDeserializer<'_, DeError> = RAW_VALUE_TOKEN.into_deserializer();
            seed.deserialize(key).map(Some)
        } else {
            Ok(None)
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let text = self
            .text
            .take()
            .ok_or_else(|| DeError("a raw value read twice".to_owned()))?;
        seed.deserialize(text.into_deserializer())
    }
}

/// An externally tagged enum variant: `{"variant": value}`.
struct EnumAccess<'a, 'py> {
    key: Bound<'py, PyAny>,
    value: Bound<'py, PyAny>,
    types: &'a Types<'py>,
}

impl<'de, 'a, 'py> de::EnumAccess<'de> for EnumAccess<'a, 'py> {
    type Error = DeError;
    type Variant = VariantAccess<'a, 'py>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), DeError> {
        let name = seed.deserialize(PyDe::new(&self.key, self.types))?;
        Ok((
            name,
            VariantAccess {
                value: self.value,
                types: self.types,
            },
        ))
    }
}

/// The content of an externally tagged enum variant.
struct VariantAccess<'a, 'py> {
    value: Bound<'py, PyAny>,
    types: &'a Types<'py>,
}

impl<'de> de::VariantAccess<'de> for VariantAccess<'_, '_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        de::Deserialize::deserialize(PyDe::new(&self.value, self.types))
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(PyDe::new(&self.value, self.types))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_any(PyDe::new(&self.value, self.types), visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_any(PyDe::new(&self.value, self.types), visitor)
    }
}
