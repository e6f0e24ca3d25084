//! JSON paths (`items[3].agent.supplier.inn`) built lazily: a path is a chain of borrowed
//! segments on the stack and becomes a `String` only when a problem is reported, so checking a
//! valid receipt allocates nothing for paths.

use std::fmt;

/// A location in the receipt JSON.
#[derive(Clone, Copy)]
pub(crate) struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    seg: Seg<'a>,
}

#[derive(Clone, Copy)]
enum Seg<'a> {
    Root,
    Field(&'a str),
    Index(usize),
}

/// The whole receipt (prints as the empty string).
pub(crate) const ROOT: Path<'static> = Path {
    parent: None,
    seg: Seg::Root,
};

/// A top-level field, or a dotted chain of fields written at once (`"company.inn"`).
pub(crate) fn at(field: &str) -> Path<'_> {
    Path {
        parent: Some(&ROOT),
        seg: Seg::Field(field),
    }
}

impl<'a> Path<'a> {
    /// The field `name` under this path.
    pub(crate) fn f<'b>(&'b self, name: &'b str) -> Path<'b> {
        Path {
            parent: Some(self),
            seg: Seg::Field(name),
        }
    }

    /// Element `i` of the array at this path.
    pub(crate) fn i(&self, i: usize) -> Path<'_> {
        Path {
            parent: Some(self),
            seg: Seg::Index(i),
        }
    }

    fn is_root(&self) -> bool {
        matches!(self.seg, Seg::Root)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.parent {
            p.fmt(f)?;
        }
        match self.seg {
            Seg::Root => Ok(()),
            Seg::Field(name) if self.parent.is_none_or(Path::is_root) => f.write_str(name),
            Seg::Field(name) => write!(f, ".{name}"),
            Seg::Index(i) => write!(f, "[{i}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_json_paths() {
        let items = at("items");
        let item = items.i(3);
        assert_eq!(
            item.f("agent").f("supplier.inn").to_string(),
            "items[3].agent.supplier.inn"
        );
        assert_eq!(at("company.inn").to_string(), "company.inn");
        assert_eq!(ROOT.to_string(), "");
        assert_eq!(ROOT.f("x").i(0).to_string(), "x[0]");
    }
}
