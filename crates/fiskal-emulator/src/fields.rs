//! Field checks as declarative tables: a row names a field, says whether it is required and
//! what its value must be; one checker per provider interprets the rows in its own words
//! (ATOL's schema-validator kinds, Orange Data's Russian texts …).
//!
//! A table is a `const` slice of [`Field`]s, each row with the source of its rule next to it;
//! the checker implements [`FieldChecker::field`] once, for every [`Rule`], and the tables run
//! through [`FieldChecker::fields`]. Rules that depend on other fields or on the request (a
//! field required only in one version, sums that must agree) stay code next to the tables.
//! The checker reads objects of its own type: serde_json's [`Obj`] (ATOL, Orange Data) or
//! Business.ru's PHP-decoded value (`business_ru::php::J`).

use serde_json::{Map, Value};

/// A JSON object being checked.
pub(crate) type Obj = Map<String, Value>;

/// What a field's value must be.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rule {
    /// A string of `min..=max` characters.
    Text {
        /// Fewest characters.
        min: usize,
        /// Most characters.
        max: usize,
    },
    /// A string of at most `max` characters for which `ok` holds.
    Pattern {
        /// Most characters.
        max: usize,
        /// The pattern.
        ok: fn(&str) -> bool,
    },
    /// ASCII digits, of one of these lengths.
    Digits(&'static [usize]),
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// An integer in `min..=max`.
    Int {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// An integer for which `ok` holds (a set of ranges, a code list).
    IntWhere(fn(i64) -> bool),
    /// A money amount (the provider's form of it).
    Money,
    /// `true` or `false`.
    Bool,
}

/// One row of a table: a field of an object and its rule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    /// The key in the object.
    pub(crate) key: &'static str,
    /// Whether the field must be present (and not `null`).
    pub(crate) required: bool,
    /// What its value must be.
    pub(crate) rule: Rule,
    /// The provider's own text for any refusal of this row, where it words each field's refusal
    /// itself (Business.ru); `None`: the checker's text for the rule. Set with [`Field::says`].
    pub(crate) says: Option<&'static str>,
}

impl Field {
    /// An optional string of `min..=max` characters.
    pub(crate) const fn text(key: &'static str, min: usize, max: usize) -> Field {
        Field {
            key,
            required: false,
            says: None,
            rule: Rule::Text { min, max },
        }
    }

    /// An optional string of at most `max` characters matching `ok`.
    pub(crate) const fn pattern(key: &'static str, max: usize, ok: fn(&str) -> bool) -> Field {
        Field {
            key,
            required: false,
            says: None,
            rule: Rule::Pattern { max, ok },
        }
    }

    /// Optional ASCII digits of one of the lengths `lens`.
    pub(crate) const fn digits(key: &'static str, lens: &'static [usize]) -> Field {
        Field {
            key,
            required: false,
            says: None,
            rule: Rule::Digits(lens),
        }
    }

    /// An optional string, one of `allowed`.
    pub(crate) const fn one_of(key: &'static str, allowed: &'static [&'static str]) -> Field {
        Field {
            key,
            required: false,
            says: None,
            rule: Rule::OneOf(allowed),
        }
    }

    /// An optional integer in `min..=max`.
    pub(crate) const fn int(key: &'static str, min: i64, max: i64) -> Field {
        Field {
            key,
            required: false,
            says: None,
            rule: Rule::Int { min, max },
        }
    }

    /// An optional integer for which `ok` holds.
    pub(crate) const fn int_where(key: &'static str, ok: fn(i64) -> bool) -> Field {
        Field {
            key,
            required: false,
            says: None,
            rule: Rule::IntWhere(ok),
        }
    }

    /// An optional money amount.
    pub(crate) const fn money(key: &'static str) -> Field {
        Field {
            key,
            required: false,
            says: None,
            rule: Rule::Money,
        }
    }

    /// An optional boolean.
    pub(crate) const fn boolean(key: &'static str) -> Field {
        Field {
            key,
            required: false,
            says: None,
            rule: Rule::Bool,
        }
    }

    /// The same row, the field required.
    pub(crate) const fn required(self) -> Field {
        Field {
            required: true,
            ..self
        }
    }

    /// The same row, refused in the provider's words `text` whatever fails.
    pub(crate) const fn says(self, text: &'static str) -> Field {
        Field {
            says: Some(text),
            ..self
        }
    }
}

/// A provider's checker of objects `O`: interprets one row; the tables run through
/// [`FieldChecker::fields`].
pub(crate) trait FieldChecker<O: ?Sized = Obj> {
    /// Checks `f` in `o`, an object found at `at` (the provider's form of a path prefix),
    /// recording what fails.
    fn field(&mut self, o: &O, at: &str, f: &Field);

    /// Checks every row of `table`, in order (the findings keep the table's order).
    fn fields(&mut self, o: &O, at: &str, table: &[Field]) {
        for f in table {
            self.field(o, at, f);
        }
    }
}

// ---- reading a checked request (the converters): absent or of another type is `None` ----

/// The string at `key`.
pub(crate) fn str_of<'a>(o: &'a Obj, key: &str) -> Option<&'a str> {
    o.get(key).and_then(Value::as_str)
}

/// The string at `key`, owned.
pub(crate) fn string_of(o: &Obj, key: &str) -> Option<String> {
    str_of(o, key).map(str::to_owned)
}

/// The object at `key`.
pub(crate) fn obj_of<'a>(o: &'a Obj, key: &str) -> Option<&'a Obj> {
    o.get(key).and_then(Value::as_object)
}

/// The integer at `key`, when it fits a byte.
pub(crate) fn u8_of(o: &Obj, key: &str) -> Option<u8> {
    o.get(key)
        .and_then(Value::as_u64)
        .and_then(|n| u8::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records which rows were visited, to show the order and the flags reach the checker.
    #[derive(Default)]
    struct Seen(Vec<String>);

    impl FieldChecker for Seen {
        fn field(&mut self, _: &Obj, at: &str, f: &Field) {
            self.0.push(format!(
                "{at}{}{}",
                f.key,
                if f.required { "!" } else { "" }
            ));
        }
    }

    #[test]
    fn tables_run_in_order_with_their_flags() {
        const T: &[Field] = &[
            Field::text("a", 1, 2).required(),
            Field::int("b", 0, 9),
            Field::boolean("c"),
        ];
        let mut s = Seen::default();
        s.fields(&Obj::new(), "x.", T);
        assert_eq!(s.0, ["x.a!", "x.b", "x.c"]);
        assert!(matches!(T[0].rule, Rule::Text { min: 1, max: 2 }));
        assert!(matches!(T[1].rule, Rule::Int { min: 0, max: 9 }));
        assert_eq!((T[0].says, T[1].says("x").says), (None, Some("x")));
    }

    #[test]
    fn readers_give_none_for_absent_or_other_types() {
        let o: Obj = serde_json::from_str(r#"{"a":"x","b":{"c":1},"n":300,"m":7}"#).unwrap();
        assert_eq!(str_of(&o, "a"), Some("x"));
        assert_eq!(string_of(&o, "b"), None);
        assert!(obj_of(&o, "b").is_some_and(|b| b.contains_key("c")));
        assert_eq!(obj_of(&o, "a"), None);
        assert_eq!(u8_of(&o, "m"), Some(7));
        assert_eq!(u8_of(&o, "n"), None);
        assert_eq!(u8_of(&o, "zz"), None);
    }
}
