//! GS1 check digits (GTIN-8/12/13/14, ITF-14): the mod-10 "3-1" weighting.

/// Computes the GS1 check digit for `payload`, the digits *before* the check digit.
///
/// Weights 3 and 1 alternate from the right (the digit next to the check digit weighs 3);
/// the check digit brings the weighted sum up to a multiple of 10. Returns `None` if
/// `payload` is empty or holds anything but ASCII digits.
///
/// ```
/// // EAN-13 4606203090785: the check digit of 460620309078 is 5.
/// assert_eq!(fiskal_marks::gs1_check_digit("460620309078"), Some(5));
/// ```
#[must_use]
pub fn gs1_check_digit(payload: &str) -> Option<u8> {
    check_digit_bytes(payload.as_bytes())
}

/// Same as [`gs1_check_digit`] on ASCII bytes.
pub(crate) fn check_digit_bytes(payload: &[u8]) -> Option<u8> {
    // The payload of a GTIN-14 (13 digits) is the usual one: with its length known the sum
    // is unrolled.
    let (sum, all_digits) = match <&[u8; 13]>::try_from(payload) {
        Ok(gtin) => weighted_sum(gtin),
        Err(_) => weighted_sum(payload),
    };
    if payload.is_empty() || !all_digits {
        return None;
    }
    // `(10 - sum % 10) % 10` is in 0..=9.
    u8::try_from((10 - sum % 10) % 10).ok()
}

/// The digits of `payload` weighted 3 and 1 alternately from the right (the last weighs 3),
/// summed, and whether every byte is a digit: no branch per byte.
#[inline(always)]
fn weighted_sum(payload: &[u8]) -> (u32, bool) {
    let mut sum: u32 = 0;
    let mut all_digits = true;
    for (i, &b) in payload.iter().rev().enumerate() {
        let d = b.wrapping_sub(b'0');
        all_digits &= d <= 9;
        let weight = if i % 2 == 0 { 3 } else { 1 };
        sum = sum.wrapping_add(u32::from(d) * weight);
    }
    (sum, all_digits)
}

/// Verifies the last digit of `digits` (ASCII) as a GS1 check digit.
///
/// `Ok(())` if it matches; `Err((expected, found))` otherwise. The caller has already made
/// sure every byte is a digit and there are at least two.
pub(crate) fn verify(digits: &[u8]) -> Result<(), (u8, u8)> {
    let Some((&last, payload)) = digits.split_last() else {
        return Err((0, 0));
    };
    let found = last.wrapping_sub(b'0');
    match check_digit_bytes(payload) {
        Some(expected) if expected == found => Ok(()),
        Some(expected) => Err((expected, found)),
        None => Err((0, found)),
    }
}

#[cfg(test)]
mod tests {
    use super::{gs1_check_digit, verify};

    #[test]
    fn known_check_digits() {
        // (payload, check digit): EAN-13 of the ФФД example, the shoe GTIN of the worked
        // example, an EAN-8, a GTIN-14 and all zeros.
        let table = [
            ("460620309078", 5),
            ("0469025752852", 3),
            ("9638507", 4),
            ("1061414100001", 9),
            ("0000000000000", 0),
        ];
        for (payload, expected) in table {
            assert_eq!(gs1_check_digit(payload), Some(expected), "{payload}");
        }
    }

    #[test]
    fn rejects_non_digits_and_empty() {
        assert_eq!(gs1_check_digit(""), None);
        assert_eq!(gs1_check_digit("12a4"), None);
    }

    #[test]
    fn verify_reports_expected_and_found() {
        assert_eq!(verify(b"4606203090785"), Ok(()));
        assert_eq!(verify(b"4606203090786"), Err((5, 6)));
        assert_eq!(verify(b"04690257528523"), Ok(()));
    }
}
