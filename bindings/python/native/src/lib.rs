//! `fiskal._native`: the CPython extension module of the `fiskal` Python package (PyO3, abi3:
//! one wheel for CPython 3.8+).
//!
//! The receipt is read straight from Python objects into the model of `fiskal-ffd` (a
//! `serde::Deserializer` over dicts, lists, `str`, `int` and `Decimal`: module `de`), validated by the
//! same Rust functions as every other binding, and results are built as Python objects directly:
//! no JSON text crosses in either direction. `validate` returns a [`ValidReceipt`] that keeps
//! the model in Rust; the normalised dict is built only when asked for (`to_dict`).
//!
//! Errors are the C ABI's, field for field: a failure raises `NativeError` whose one argument is
//! the error object of `fiskal_last_error` as a dict (`code`, `name`, `path`, `message_ru`,
//! `message_en`, `details`), which the package turns into its exception classes. A receipt given
//! as JSON text (`str` / `bytes`) goes through exactly the functions the C ABI calls, so its
//! errors are the C ABI's byte for byte; one given as Python objects has the same codes, paths
//! and violations, and a type error names the field without a line and column (there is no
//! text).
//!
//! The shared library also exports every `fiskal_*` function of `include/fiskal.h` (the C ABI of
//! `fiskal-ffi` is linked in), which the package opens with cffi for the parts it still serves
//! through the C ABI (provider clients, the outbox, compute, split, marks, TLV decoding). Their
//! declarations, `include/fiskal_php.h`, are compiled in as the module attribute `C_HEADER`.

mod de;
mod decimal;
mod fast;
mod ser;

use fiskal_ffd::validate::{build, validate_with, Profile};
use fiskal_ffd::Receipt;
use fiskal_json::{ApiError, Code, MAX_INPUT_LEN};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyString};

// Keep the C ABI in this library: the package's cffi layer opens this very file.
pub use fiskal_ffi as _c_abi;

pyo3::create_exception!(
    _native,
    NativeError,
    PyException,
    "A fiskal error; args[0] is the error object (code, name, path, message_ru, message_en, details) as a dict."
);

/// A receipt that passed every FFD rule, kept in Rust; `to_dict()` builds the normalised
/// receipt (money with two decimals, all five payments, quantities as strings).
#[pyclass(module = "fiskal._native", frozen)]
#[derive(Debug)]
pub struct ValidReceipt {
    receipt: Receipt,
}

#[pymethods]
impl ValidReceipt {
    /// The normalised receipt as a dict (a new one each call), exactly what `fiskal_validate`
    /// prints as JSON.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ser::to_py(py, &self.receipt)
    }

    /// The FFD version (`"1.05"` / `"1.2"`).
    #[getter]
    fn ffd(&self) -> &'static str {
        self.receipt.ffd.as_str()
    }
}

/// An [`ApiError`] as the `NativeError` exception (its dict is `fiskal_last_error`'s object).
fn raise(py: Python<'_>, e: &ApiError) -> PyErr {
    match error_dict(py, e) {
        Ok(d) => NativeError::new_err((d.unbind(),)),
        Err(err) => err,
    }
}

fn error_dict<'py>(py: Python<'py>, e: &ApiError) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("code", e.code.number())?;
    d.set_item("name", e.code.name())?;
    d.set_item("path", e.path.as_deref())?;
    d.set_item("message_ru", &e.message_ru)?;
    d.set_item("message_en", &e.message_en)?;
    match &e.details {
        Some(v) => d.set_item("details", ser::to_py(py, v)?)?,
        None => d.set_item("details", py.None())?,
    }
    Ok(d)
}

/// Where a receipt comes from: JSON text, or Python objects.
enum Source<'py> {
    Text(String),
    Objects(Bound<'py, PyAny>),
    Valid(Box<Receipt>),
}

/// The C ABI's checks of an input buffer (crates/fiskal-ffi/src/io.rs, `input_str`): the size
/// limit, then UTF-8, both about the parameter `input`.
fn input_text(bytes: &[u8]) -> Result<String, ApiError> {
    let len = bytes.len();
    if len > MAX_INPUT_LEN {
        return Err(ApiError::with_messages(
            Code::InputTooLarge,
            format!("input: {len} байт, допускается не более {MAX_INPUT_LEN}"),
            format!("input: {len} bytes, at most {MAX_INPUT_LEN} allowed"),
        )
        .at("input")
        .details(serde_json::json!({"len": len, "max": MAX_INPUT_LEN})));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => {
            let at = e.valid_up_to();
            Err(ApiError::with_messages(
                Code::InvalidUtf8,
                format!("input: не UTF-8 (байт {at})"),
                format!("input: not UTF-8 (byte {at})"),
            )
            .at("input")
            .details(serde_json::json!({"offset": at})))
        }
    }
}

fn source<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Result<Source<'py>, ApiError>> {
    if let Ok(s) = obj.cast::<PyString>() {
        let text = s.to_cow()?;
        // The size limit is the C ABI's, on the UTF-8 bytes.
        return Ok(input_text(text.as_bytes()).map(Source::Text));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(input_text(b.as_bytes()).map(Source::Text));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(input_text(&b.to_vec()).map(Source::Text));
    }
    if let Ok(v) = obj.cast::<ValidReceipt>() {
        return Ok(Ok(Source::Valid(Box::new(v.get().receipt.clone()))));
    }
    Ok(Ok(Source::Objects(obj.clone())))
}

/// Reads a receipt from Python objects: type errors name the field (`items[0].price`); a
/// document of another format version is reported as such (as `fiskal_ffd::json::parse` does).
fn parse_objects(obj: &Bound<'_, PyAny>) -> PyResult<Result<Receipt, ApiError>> {
    let types = de::Types::new(obj.py())?;
    // The usual receipt: read field by field (module `fast`), the same `Receipt` serde makes.
    if let Some(r) = fast::receipt(obj, &types) {
        return Ok(Ok(r));
    }
    // Anything else, and every error, through serde. The first pass keeps no path (serde_path_to_error would copy every key it passes); only a
    // failure reads the objects again, with the path tracked, to name the field. Reading is
    // deterministic, so the second pass fails at the same place.
    if let Ok(r) = <Receipt as serde::Deserialize>::deserialize(de::PyDe::new(obj, &types)) {
        return Ok(Ok(r));
    }
    match serde_path_to_error::deserialize::<_, Receipt>(de::PyDe::new(obj, &types)) {
        Ok(r) => Ok(Ok(r)),
        Err(e) => {
            if let Some(version) = other_version(obj) {
                return Ok(Err(ApiError::from(fiskal_ffd::Error::Invalid(vec![
                    fiskal_ffd::Violation::new(
                        "version",
                        fiskal_ffd::ViolationKind::UnsupportedFormatVersion { version },
                    ),
                ]))));
            }
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            let message = e.into_inner().0;
            Ok(Err(ApiError::with_messages(
                Code::InvalidJson,
                format!("ошибка в данных чека: {message}"),
                format!("receipt data error: {message}"),
            )
            .at_nonempty(path)))
        }
    }
}

/// The `"version"` of a dict whose version is an integer other than the format's.
fn other_version(obj: &Bound<'_, PyAny>) -> Option<u32> {
    let d = obj.cast::<PyDict>().ok()?;
    let v = d.get_item("version").ok()??;
    if v.is_instance_of::<pyo3::types::PyBool>() {
        return None;
    }
    let v: u32 = v.extract().ok()?;
    (v != fiskal_ffd::model::FORMAT_VERSION).then_some(v)
}

/// Parses (from text or objects) without validating.
fn parse(obj: &Bound<'_, PyAny>) -> PyResult<Result<Receipt, ApiError>> {
    Ok(match source(obj)? {
        Err(e) => Err(e),
        Ok(Source::Text(t)) => fiskal_ffd::json::parse(&t).map_err(ApiError::from),
        Ok(Source::Valid(r)) => Ok(*r),
        Ok(Source::Objects(o)) => return parse_objects(&o),
    })
}

/// Parses and checks a receipt against every FFD rule (the default profile of its FFD version).
///
/// `receipt` is a dict (lists, `str`, `int`, `Decimal` inside), its JSON text (`str` or UTF-8
/// `bytes`), or a `ValidReceipt`. Returns a `ValidReceipt`; raises `NativeError` with code 2000
/// and every violation, or 102 naming the field of a type error.
#[pyfunction]
fn validate(py: Python<'_>, receipt: &Bound<'_, PyAny>) -> PyResult<ValidReceipt> {
    let r = parse(receipt)?.map_err(|e| raise(py, &e))?;
    // The checks need no Python objects: other threads run meanwhile.
    let problems = py.detach(|| validate_with(&r, &Profile::for_version(r.ffd)));
    if problems.is_empty() {
        Ok(ValidReceipt { receipt: r })
    } else {
        Err(raise(py, &ApiError::invalid(&problems)))
    }
}

/// Validates (every rule, the 32 KB size included) and encodes a receipt as its TLV document:
/// the dict of the C ABI's `to_tlv` (`version`, `ffd`, `form`, `size`, `hex`, `base64`).
#[pyfunction]
fn to_tlv<'py>(py: Python<'py>, receipt: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    use base64::Engine as _;
    let r = parse(receipt)?.map_err(|e| raise(py, &e))?;
    // Validation and encoding need no Python objects: other threads run meanwhile.
    let built = py.detach(|| {
        let doc = build(&r, &Profile::for_version(r.ffd))?;
        let bytes = doc.to_bytes().map_err(fiskal_ffd::Error::from)?;
        Ok::<_, fiskal_ffd::Error>((doc, bytes))
    });
    let (doc, bytes) = built.map_err(|e| raise(py, &ApiError::from(e)))?;
    let d = PyDict::new(py);
    d.set_item("version", fiskal_json::SCHEMA_VERSION)?;
    d.set_item("ffd", r.ffd.as_str())?;
    d.set_item("form", doc.tag.0)?;
    d.set_item("size", bytes.len())?;
    d.set_item("hex", hex::encode_upper(&bytes))?;
    d.set_item(
        "base64",
        base64::engine::general_purpose::STANDARD.encode(&bytes),
    )?;
    Ok(d)
}

/// For the tests (tests/test_native.py): the text the reader gives a `decimal.Decimal` of the
/// exact type, and whether it was made in place (`True`) or asked of `str()` (`False`).
#[pyfunction]
fn _decimal_text(d: &Bound<'_, PyAny>) -> PyResult<(String, bool)> {
    let types = de::Types::new(d.py())?;
    if !d.get_type().is(&types.decimal) {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "not a decimal.Decimal",
        ));
    }
    if let Some(layout) = decimal::Layout::get(&types.decimal) {
        let mut buf = [0; 64];
        if let Some(s) = layout.plain_text(d, &mut buf) {
            return Ok((s.to_owned(), true));
        }
    }
    Ok((d.str()?.to_cow()?.into_owned(), false))
}

/// For the tests (tests/test_native.py): whether the field-by-field reader (module `fast`) read
/// `obj`, and then whether its receipt is the one serde's derived reader makes of the same
/// objects (`None` when it left `obj` to serde).
#[pyfunction]
fn _fast_read(obj: &Bound<'_, PyAny>) -> PyResult<(bool, Option<bool>)> {
    let types = de::Types::new(obj.py())?;
    Ok(match fast::receipt(obj, &types) {
        None => (false, None),
        Some(fast) => {
            let serde = <Receipt as serde::Deserialize>::deserialize(de::PyDe::new(obj, &types));
            (true, Some(serde.is_ok_and(|s| s == fast)))
        }
    })
}

/// The library version (the Cargo version, as `fiskal_version`).
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The C declarations of the C ABI this library exports: `include/fiskal_php.h` (every function
/// of `include/fiskal.h`, without preprocessor lines), compiled in so the package needs no copy
/// of it. The package's cffi layer reads it as `fiskal._native.C_HEADER` (`_ffi.py`).
const C_HEADER: &str = include_str!("../../../../include/fiskal_php.h");

/// The module `fiskal._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    m.add_class::<ValidReceipt>()?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(to_tlv, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(_decimal_text, m)?)?;
    m.add_function(wrap_pyfunction!(_fast_read, m)?)?;
    m.add("C_HEADER", C_HEADER)?;
    Ok(())
}
