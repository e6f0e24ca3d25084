//! The receipt and its items read field by field, without serde's generic map visitor (issue
//! 19: the derived `visit_map` of `Item`, with its 22 optional locals moved into a large
//! struct, and the text of every key were a third of reading a 10-item receipt).
//!
//! This is only a faster way to the same result. [`receipt`] gives exactly the `Receipt` that
//! serde's derived `Deserialize` gives for the same objects, or `None`, and then the caller
//! reads the objects again with serde, which decides and reports (`parse_objects` in lib.rs).
//! It gives `None` for anything it does not read itself: a key it does not know, a value of
//! the wrong type, a missing required field, a dict that changed size while it was read. Each
//! value is read by its model type's own `Deserialize` over [`PyDe`] (the same code serde's
//! derived visitor calls for that field), so a value reads the same either way. Only the
//! `str` of `name` is read here directly, as `String`'s `Deserialize` reads it. When this
//! reader gives up after some values were read, serde reads them again: an object's `to_json()`
//! is then called twice, as it already is when a receipt fails (the path is found by a second
//! pass).
//!
//! A key is recognised by identity first: the keys of a dict written in Python code are
//! interned strings, and so are the field names kept in [`Names`], so the usual key is found
//! by comparing addresses; any other key by its text. tests/test_native.py holds the two
//! readers to each other over the shared vectors and mutations of them, and checks that this
//! path is the one taken for the usual receipt.

use crate::de::{DictEntries, PyDe, Types};
use fiskal_ffd::model::{Item, Receipt};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString};
use serde::Deserialize;

/// Sets a field read from a key; a key met twice (a dict changed while read) is left to serde,
/// which reports a duplicate field.
macro_rules! set {
    ($slot:ident, $value:expr) => {{
        if $slot.is_some() {
            return None;
        }
        $slot = Some($value);
    }};
}

/// Reads one value with its type's own `Deserialize` over [`PyDe`]; `None` on any error.
#[inline]
fn value<'py, T: for<'de> Deserialize<'de>>(
    v: &Bound<'py, PyAny>,
    types: &Types<'py>,
) -> Option<T> {
    T::deserialize(PyDe::new(v, types)).ok()
}

/// The field names of the two structs read here, as interned Python strings (made once), and
/// for each a table from a string's address to its field.
struct Names {
    receipt: Fields,
    item: Fields,
}

/// One struct's field names: the interned strings, their texts, and a small open table from
/// address to index (the strings live as long as the process: the `Py`s are never dropped).
struct Fields {
    /// Holds the strings whose addresses `table` keeps (never read otherwise).
    _names: Vec<Py<PyString>>,
    texts: &'static [&'static str],
    /// `(address, index)`, by address; `0` for an empty slot.
    table: [(usize, u8); TABLE],
}

/// Slots of [`Fields::table`]: a power of two, over twice the fields of `Item`.
const TABLE: usize = 64;

impl Fields {
    fn new(py: Python<'_>, texts: &'static [&'static str]) -> Fields {
        let names: Vec<Py<PyString>> = texts
            .iter()
            .map(|n| PyString::intern(py, n).unbind())
            .collect();
        let mut table = [(0usize, 0u8); TABLE];
        for (i, n) in names.iter().enumerate() {
            let mut at = Self::slot(n.as_ptr() as usize);
            while table[at].0 != 0 {
                at = (at + 1) % TABLE;
            }
            // Fewer than 256 fields (21 at most here).
            table[at] = (n.as_ptr() as usize, u8::try_from(i).unwrap_or(u8::MAX));
        }
        Fields {
            _names: names,
            texts,
            table,
        }
    }

    #[inline]
    fn slot(addr: usize) -> usize {
        // Objects are at least 16-byte aligned: the low bits say nothing.
        (addr >> 4) % TABLE
    }

    /// The field whose interned name is the object at `addr`.
    #[inline]
    fn by_address(&self, addr: usize) -> Option<usize> {
        let mut at = Self::slot(addr);
        loop {
            match self.table[at] {
                (0, _) => return None,
                (a, i) if a == addr => return Some(usize::from(i)),
                _ => at = (at + 1) % TABLE,
            }
        }
    }
}

static NAMES: PyOnceLock<Names> = PyOnceLock::new();

/// The fields of `Receipt` and `Item`, in the order of their `match` arms below.
const RECEIPT_FIELDS: [&str; 18] = [
    "version",
    "ffd",
    "operation",
    "tax_system",
    "company",
    "cashier",
    "client",
    "items",
    "payments",
    "total",
    "vat_totals",
    "additional_check_props",
    "additional_user_prop",
    "operating_check_props",
    "sectoral_check_props",
    "correction",
    "register",
    "other_tags",
];

const ITEM_FIELDS: [&str; 21] = [
    "name",
    "price",
    "quantity",
    "sum",
    "measure",
    "unit",
    "vat",
    "vat_sum",
    "unit_vat",
    "payment_method",
    "payment_subject",
    "mark",
    "product_code",
    "fraction",
    "agent",
    "excise",
    "country_code",
    "declaration_number",
    "sectoral_props",
    "user_data",
    "other_tags",
];

impl Names {
    fn get(py: Python<'_>) -> &'static Names {
        NAMES.get_or_init(py, || Names {
            receipt: Fields::new(py, &RECEIPT_FIELDS),
            item: Fields::new(py, &ITEM_FIELDS),
        })
    }
}

/// Which of `fields` `key` is: by identity, else by text; `None` for a key that is none of
/// them or not an exact `str`.
#[inline]
fn field_of(key: &Bound<'_, PyAny>, fields: &Fields, types: &Types<'_>) -> Option<usize> {
    if let Some(i) = fields.by_address(key.as_ptr() as usize) {
        return Some(i);
    }
    let key = key.cast_exact::<PyString>().ok()?;
    let text = types.text(key).ok()?;
    let text = text.as_str().ok()?;
    fields.texts.iter().position(|t| *t == text)
}

/// The receipt as serde reads it, or `None` (see the module's docs).
pub(crate) fn receipt<'py>(obj: &Bound<'py, PyAny>, types: &Types<'py>) -> Option<Receipt> {
    let dict = obj.cast_exact::<PyDict>().ok()?;
    let names = Names::get(obj.py());
    let (mut version, mut ffd, mut operation, mut tax_system) = (None, None, None, None);
    let (mut company, mut cashier, mut client, mut items) = (None, None, None, None);
    let (mut payments, mut total, mut vat_totals, mut additional_check_props) =
        (None, None, None, None);
    let (mut additional_user_prop, mut operating_check_props, mut sectoral_check_props) =
        (None, None, None);
    let (mut correction, mut register, mut other_tags) = (None, None, None);
    let mut entries = DictEntries::new(dict);
    while let Some((k, v)) = entries.next().ok()? {
        match field_of(&k, &names.receipt, types)? {
            0 => set!(version, value(&v, types)?),
            1 => set!(ffd, value(&v, types)?),
            2 => set!(operation, value(&v, types)?),
            3 => set!(tax_system, value(&v, types)?),
            4 => set!(company, value(&v, types)?),
            5 => set!(cashier, value(&v, types)?),
            6 => set!(client, value(&v, types)?),
            7 => set!(items, item_list(&v, types, names)?),
            8 => set!(payments, value(&v, types)?),
            9 => set!(total, value(&v, types)?),
            10 => set!(vat_totals, value(&v, types)?),
            11 => set!(additional_check_props, value(&v, types)?),
            12 => set!(additional_user_prop, value(&v, types)?),
            13 => set!(operating_check_props, value(&v, types)?),
            14 => set!(sectoral_check_props, value(&v, types)?),
            15 => set!(correction, value(&v, types)?),
            16 => set!(register, value(&v, types)?),
            17 => set!(other_tags, value(&v, types)?),
            _ => return None,
        }
    }
    // Required: version, ffd, operation, company, total. `#[serde(default)]` on the others:
    // an `Option` is `None`, a collection empty, `payments` its `Default`.
    Some(Receipt {
        version: version?,
        ffd: ffd?,
        operation: operation?,
        tax_system: tax_system.flatten(),
        company: company?,
        cashier: cashier.flatten(),
        client: client.flatten(),
        items: items.unwrap_or_default(),
        payments: payments.unwrap_or_default(),
        total: total?,
        vat_totals: vat_totals.flatten(),
        additional_check_props: additional_check_props.flatten(),
        additional_user_prop: additional_user_prop.flatten(),
        operating_check_props: operating_check_props.flatten(),
        sectoral_check_props: sectoral_check_props.unwrap_or_default(),
        correction: correction.flatten(),
        register: register.flatten(),
        other_tags: other_tags.unwrap_or_default(),
    })
}

/// `items`: an exact list of exact dicts, each read by [`item`].
fn item_list<'py>(v: &Bound<'py, PyAny>, types: &Types<'py>, names: &Names) -> Option<Vec<Item>> {
    let list = v.cast_exact::<PyList>().ok()?;
    let mut out = Vec::with_capacity(list.len());
    // By index, the length asked each time: reading an item may run Python code that changes
    // the list, and then serde reads it again and decides.
    let mut i = 0;
    while i < list.len() {
        let el = list.get_item(i).ok()?;
        out.push(item(&el, types, names)?);
        i += 1;
    }
    Some(out)
}

/// One item as serde reads it, or `None`.
fn item<'py>(obj: &Bound<'py, PyAny>, types: &Types<'py>, names: &Names) -> Option<Item> {
    let dict = obj.cast_exact::<PyDict>().ok()?;
    let (mut name, mut price, mut quantity, mut sum, mut measure, mut unit) =
        (None, None, None, None, None, None);
    let (mut vat, mut vat_sum, mut unit_vat, mut payment_method, mut payment_subject) =
        (None, None, None, None, None);
    let (mut mark, mut product_code, mut fraction, mut agent, mut excise) =
        (None, None, None, None, None);
    let (mut country_code, mut declaration_number, mut sectoral_props) = (None, None, None);
    let (mut user_data, mut other_tags) = (None, None);
    let mut entries = DictEntries::new(dict);
    while let Some((k, v)) = entries.next().ok()? {
        match field_of(&k, &names.item, types)? {
            0 => set!(name, optional_text(&v, types)?),
            1 => set!(price, value(&v, types)?),
            2 => set!(quantity, value(&v, types)?),
            3 => set!(sum, value(&v, types)?),
            4 => set!(measure, value(&v, types)?),
            5 => set!(unit, value(&v, types)?),
            6 => set!(vat, value(&v, types)?),
            7 => set!(vat_sum, value(&v, types)?),
            8 => set!(unit_vat, value(&v, types)?),
            9 => set!(payment_method, value(&v, types)?),
            10 => set!(payment_subject, value(&v, types)?),
            11 => set!(mark, value(&v, types)?),
            12 => set!(product_code, value(&v, types)?),
            13 => set!(fraction, value(&v, types)?),
            14 => set!(agent, value(&v, types)?),
            15 => set!(excise, value(&v, types)?),
            16 => set!(country_code, value(&v, types)?),
            17 => set!(declaration_number, value(&v, types)?),
            18 => set!(sectoral_props, value(&v, types)?),
            19 => set!(user_data, value(&v, types)?),
            20 => set!(other_tags, value(&v, types)?),
            _ => return None,
        }
    }
    // Required: price, quantity, sum, vat, payment_method, payment_subject.
    Some(Item {
        name: name.flatten(),
        price: price?,
        quantity: quantity?,
        sum: sum?,
        measure: measure.flatten(),
        unit: unit.flatten(),
        vat: vat?,
        vat_sum: vat_sum.flatten(),
        unit_vat: unit_vat.flatten(),
        payment_method: payment_method?,
        payment_subject: payment_subject?,
        mark: mark.flatten(),
        product_code: product_code.flatten(),
        fraction: fraction.flatten(),
        agent: agent.flatten(),
        excise: excise.flatten(),
        country_code: country_code.flatten(),
        declaration_number: declaration_number.flatten(),
        sectoral_props: sectoral_props.unwrap_or_default(),
        user_data: user_data.flatten(),
        other_tags: other_tags.unwrap_or_default(),
    })
}

/// An `Option<String>` as serde reads it from an exact `str` or `None`; anything else through
/// its `Deserialize`.
#[inline]
fn optional_text(v: &Bound<'_, PyAny>, types: &Types<'_>) -> Option<Option<String>> {
    if let Ok(s) = v.cast_exact::<PyString>() {
        let text = types.text(s).ok()?;
        return Some(Some(text.as_str().ok()?.to_owned()));
    }
    value(v, types)
}
