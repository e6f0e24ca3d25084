//! The buyer's contact (tag 1008) and the other phone requisites (1073, 1074, 1075, 1171) in
//! the form every provider documents: `+` followed by digits.
//!
//! What the providers write down:
//!
//! * **Orange Data** — `customerContact` is «формат +{Ц} или {С}@{С}» (1..64 characters) and
//!   the agent and supplier phones are «формат +{Ц}», 1..19 characters (protocol
//!   «Протокол взаимодействия с интернет-кассой» 2.31.3, `orangedata-official/API`,
//!   `orangedata_API_Russian_ffd_1.2.pdf`, §2.1.1.1 «Содержимое документа», §2.1.1.6, §2.1.1.7).
//! * **ATOL Online** — `client.phone`: international format with `+` and no spaces
//!   (`+37121234567`); a Russian number may leave out `+7` (`9251234567`); agent phones match
//!   `^([^\s\\]{0,17}|\+[^\s\\]{1,18})$` («Описание протокола v4», doc 5.15, Table 2, `client`
//!   and `agent_info`; the same objects in v5).
//! * **Business.ru** — `smsEmail54FZ`: the buyer's phone as `+7…` or an e-mail (vendor SDK
//!   `business-ru/open-api-sdk-php`, `printCheck` command).
//!
//! One rule therefore serves them all; [`phone`] turns a phone into `+<digits>`:
//!
//! | given | sent |
//! |---|---|
//! | `+79991234567`, `+7 (999) 123-45-67` | `+79991234567` |
//! | `79991234567`, `89991234567`, `8 999 123 45 67` (11 digits starting with 7 or 8) | `+79991234567` |
//! | `9991234567` (10 digits: a Russian number without its country code, as ATOL allows) | `+79991234567` |
//! | `+37121234567` (another country) | `+37121234567` |
//!
//! Spaces, `-`, `(`, `)` and `.` between digits are removed. Refused locally, naming the field:
//! anything else (letters, a `+` that is not first, fewer than 7 or more than 15 digits after a
//! `+`, 12–15 digits without `+`: the country would be a guess, and 11 digits that do not start
//! with 7 or 8). A contact with `@` is an e-mail and is sent as given after a shape check (one
//! `@`, text on both sides, no whitespace).
//!
//! Note that `fiskal_ffd::validate` accepts only `+` and digits in `client.contact`; the
//! separators are accepted here for callers that build requests without that validation.

use crate::error::ProviderError;

/// Why a phone or an e-mail cannot be sent (the message of the `Unsupported` error).
const PHONE_RULE: &str = "a phone must be `+` and 7 to 15 digits (`+79991234567`), or a \
                          Russian number of 10 digits, or 11 digits starting with 7 or 8 \
                          (spaces, `-`, `(`, `)` allowed between digits)";

/// The buyer's contact (1008) as a provider receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Contact {
    /// An e-mail address, as given.
    Email(String),
    /// A phone, normalised to `+<digits>`.
    Phone(String),
}

impl Contact {
    /// The text to send.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Contact::Email(s) | Contact::Phone(s) => s,
        }
    }
}

/// Classifies and normalises a buyer contact (1008): an e-mail when it contains `@`, else a
/// phone normalised by [`phone`]. `path` is the receipt field (`client.contact`), `provider`
/// the adapter named in the error.
pub(crate) fn buyer_contact(
    provider: &'static str,
    path: &str,
    s: &str,
) -> Result<Contact, ProviderError> {
    if s.contains('@') {
        let ok = s
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'))
            && !s.chars().any(char::is_whitespace);
        if ok {
            Ok(Contact::Email(s.to_owned()))
        } else {
            Err(unsupported(
                provider,
                path,
                "an e-mail needs one `@` with text on both sides and no spaces",
            ))
        }
    } else {
        phone(provider, path, s).map(Contact::Phone)
    }
}

/// A phone as `+<digits>` (rule in the module docs), or `Unsupported` naming `path`.
pub(crate) fn phone(provider: &'static str, path: &str, s: &str) -> Result<String, ProviderError> {
    let t = s.trim();
    let (plus, rest) = match t.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '(' | ')' | '.' => {}
            _ => return Err(unsupported(provider, path, PHONE_RULE)),
        }
    }
    let n = digits.len();
    let normalised = if plus {
        (7..=15).contains(&n).then(|| format!("+{digits}"))
    } else if n == 10 {
        Some(format!("+7{digits}"))
    } else if n == 11 && (digits.starts_with('7') || digits.starts_with('8')) {
        Some(format!("+7{}", &digits[1..]))
    } else {
        None
    };
    normalised.ok_or_else(|| unsupported(provider, path, PHONE_RULE))
}

/// Every phone of a list normalised; the path of element `i` is `{path}[i]`.
pub(crate) fn phones(
    provider: &'static str,
    path: &str,
    list: &[String],
) -> Result<Vec<String>, ProviderError> {
    list.iter()
        .enumerate()
        .map(|(i, p)| phone(provider, &format!("{path}[{i}]"), p))
        .collect()
}

fn unsupported(provider: &'static str, path: &str, message: &str) -> ProviderError {
    ProviderError::Unsupported {
        provider,
        path: path.to_owned(),
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        phone("p", "client.contact", s).expect(s)
    }

    #[test]
    fn common_shop_inputs_become_plus_digits() {
        for s in [
            "+79991234567",
            "+7 (999) 123-45-67",
            "79991234567",
            "89991234567",
            "8 999 123 45 67",
            "8 (999) 123-45-67",
            "9991234567",
            " 999.123.45.67 ",
        ] {
            assert_eq!(ok(s), "+79991234567", "{s}");
        }
        assert_eq!(ok("+37121234567"), "+37121234567");
        assert_eq!(ok("+1 202 555 0123"), "+12025550123");
    }

    #[test]
    fn ambiguous_or_malformed_phones_are_refused_naming_the_field() {
        for s in [
            "",
            "+",
            "12345",
            "+123456",
            "+1234567890123456",
            "12025550123",
            "371212345678",
            "+7 999 abc",
            "7+9991234567",
            "tel:+79991234567",
            "none",
        ] {
            match phone("orange_data", "client.contact", s) {
                Err(ProviderError::Unsupported { provider, path, .. }) => {
                    assert_eq!(
                        (provider, path.as_str()),
                        ("orange_data", "client.contact"),
                        "{s}"
                    );
                }
                other => panic!("{s:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn e_mails_pass_unchanged_and_bad_ones_are_refused() {
        assert_eq!(
            buyer_contact("p", "client.contact", "Buyer@Example.ru"),
            Ok(Contact::Email("Buyer@Example.ru".into()))
        );
        assert_eq!(
            buyer_contact("p", "client.contact", "8 999 123 45 67"),
            Ok(Contact::Phone("+79991234567".into()))
        );
        for s in ["@example.ru", "a@", "a@b@c", "a b@c.ru"] {
            assert!(buyer_contact("p", "client.contact", s).is_err(), "{s}");
        }
    }

    #[test]
    fn list_elements_are_named_by_index() {
        let list = vec!["+79990000001".to_owned(), "x".to_owned()];
        match phones("atol_v4", "items[0].agent.agent_info.phones", &list) {
            Err(ProviderError::Unsupported { path, .. }) => {
                assert_eq!(path, "items[0].agent.agent_info.phones[1]");
            }
            other => panic!("{other:?}"),
        }
    }
}
