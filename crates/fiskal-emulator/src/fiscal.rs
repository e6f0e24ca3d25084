//! The emulated register (ККТ with its fiscal drive): counters and the fiscal attributes it
//! gives a document, plus the clock and identifiers the emulators share.

use fiskal_ffd::datetime::LocalDateTime;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Moscow time (UTC+3, no daylight saving since 2014): what the ATOL service prints.
const MSK_OFFSET_SECS: u64 = 3 * 3600;

/// The current Moscow wall-clock time.
pub(crate) fn now_msk() -> LocalDateTime {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
        + MSK_OFFSET_SECS;
    LocalDateTime::from_unix(u32::try_from(secs).unwrap_or(u32::MAX))
}

/// `dd.mm.yyyy HH:MM:SS`, the ATOL timestamp format.
pub(crate) fn atol_timestamp(t: LocalDateTime) -> String {
    let (y, mo, d, h, mi, s) = t.fields();
    format!("{d:02}.{mo:02}.{y:04} {h:02}:{mi:02}:{s:02}")
}

/// `yyyymmddTHHMM`, the `t=` of the FNS QR code.
fn qr_time(t: LocalDateTime) -> String {
    let (y, mo, d, h, mi, _) = t.fields();
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}")
}

/// A random (version 4) UUID from the system's secure generator.
pub(crate) fn new_uuid() -> String {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 16];
    if ring::rand::SystemRandom::new().fill(&mut b).is_err() {
        // No system randomness: fall back to the clock; uniqueness is all that matters here.
        let n = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_nanos();
        b = n.to_be_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Whether `s` is a UUID in the 8-4-4-4-12 hex form.
pub(crate) fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `n` decimal digits derived from `seed` (SHA-256), for stable per-register numbers.
pub(crate) fn digits_from(seed: &str, n: usize) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, seed.as_bytes());
    d.as_ref()
        .iter()
        .cycle()
        .take(n)
        .map(|b| char::from(b'0' + b % 10))
        .collect()
}

/// The fiscal attributes a register gives a document (ATOL report `payload`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FiscalData {
    /// 1041 «номер ФН», 16 digits.
    pub fn_number: String,
    /// 1037 «регистрационный номер ККТ», 16 digits.
    pub ecr_registration_number: String,
    /// 1040 «номер ФД», increasing per register.
    pub fiscal_document_number: u32,
    /// 1077 «ФПД», an integer of up to 10 digits.
    pub fiscal_document_attribute: u32,
    /// 1038 «номер смены».
    pub shift_number: u32,
    /// 1042 «номер чека за смену».
    pub fiscal_receipt_number: u32,
    /// 1012 «дата, время», `dd.mm.yyyy HH:MM:SS` (Moscow time).
    pub receipt_datetime: String,
    /// 1020 «сумма расчета», kopecks.
    pub total_kopecks: u64,
    /// 1060 «адрес сайта ФНС».
    pub fns_site: String,
    /// 1017 «ИНН ОФД».
    pub ofd_inn: String,
    /// The OFD's receipt page (`fn`, `fp`, `i`, `t`, `s`, `n`).
    pub ofd_receipt_url: String,
}

/// What the OFD and FNS parts of the attributes say (from the emulator configuration).
#[derive(Debug, Clone)]
pub(crate) struct OfdInfo {
    pub(crate) fns_site: String,
    pub(crate) ofd_inn: String,
    pub(crate) receipt_url_base: String,
}

/// One register: its identity and counters.
#[derive(Debug, Clone)]
pub(crate) struct Kkt {
    pub(crate) fn_number: String,
    pub(crate) reg_number: String,
    next_fd: u32,
    shift: u32,
    receipt_in_shift: u32,
}

impl Kkt {
    pub(crate) fn new(fn_number: String, reg_number: String) -> Kkt {
        Kkt {
            fn_number,
            reg_number,
            // A drive that has already stored its registration report and a few shifts.
            next_fd: 101,
            shift: 7,
            receipt_in_shift: 0,
        }
    }

    /// Stores one document: the next numbers, the time, and a ФПД derived from them.
    /// `operation` is the 1054 code (the `n=` of the receipt URL).
    pub(crate) fn fiscalise(
        &mut self,
        total_kopecks: u64,
        operation: u8,
        ofd: &OfdInfo,
    ) -> FiscalData {
        if self.receipt_in_shift == 0 {
            // The shift opening report takes one document number of its own.
            self.next_fd = self.next_fd.saturating_add(1);
        }
        let fd = self.next_fd;
        self.next_fd = self.next_fd.saturating_add(1);
        self.receipt_in_shift = self.receipt_in_shift.saturating_add(1);
        let now = now_msk();
        let datetime = atol_timestamp(now);
        let fp_seed = format!("{}|{fd}|{datetime}|{total_kopecks}", self.fn_number);
        let fp_digits = digits_from(&fp_seed, 9);
        let fp: u32 = fp_digits.parse().unwrap_or(1);
        let fp = fp.max(1);
        let sum = format!("{}.{:02}", total_kopecks / 100, total_kopecks % 100);
        FiscalData {
            fn_number: self.fn_number.clone(),
            ecr_registration_number: self.reg_number.clone(),
            fiscal_document_number: fd,
            fiscal_document_attribute: fp,
            shift_number: self.shift,
            fiscal_receipt_number: self.receipt_in_shift,
            ofd_receipt_url: format!(
                "{}?fn={}&fp={fp}&i={fd}&t={}&s={sum}&n={operation}",
                ofd.receipt_url_base,
                self.fn_number,
                qr_time(now)
            ),
            receipt_datetime: datetime,
            total_kopecks,
            fns_site: ofd.fns_site.clone(),
            ofd_inn: ofd.ofd_inn.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_increase_and_look_real() {
        let ofd = OfdInfo {
            fns_site: "www.nalog.gov.ru".into(),
            ofd_inn: "7709364346".into(),
            receipt_url_base: "https://consumer.1-ofd-test.ru/v1".into(),
        };
        let mut k = Kkt::new(digits_from("a", 16), digits_from("b", 16));
        let a = k.fiscalise(100, 1, &ofd);
        let b = k.fiscalise(250, 2, &ofd);
        assert_eq!(a.fn_number.len(), 16);
        assert_eq!(b.fiscal_document_number, a.fiscal_document_number + 1);
        assert_eq!(b.fiscal_receipt_number, 2);
        assert!(b.ofd_receipt_url.contains("&s=2.50&n=2"));
        assert!(is_uuid(&new_uuid()));
        assert_eq!(atol_timestamp(LocalDateTime::from_unix(0)).len(), 19);
    }
}
