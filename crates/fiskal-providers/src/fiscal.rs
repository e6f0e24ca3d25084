//! The fiscal result of a receipt, as the register reports it, and the FNS QR-code string.

use fiskal_ffd::datetime::LocalDateTime;
use fiskal_ffd::{Money, Operation};
use std::fmt::Write as _;

/// What the register and the fiscal drive assigned to a fiscalised receipt — what a shop prints,
/// e-mails and keeps to prove the receipt reached the tax service.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct FiscalAttributes {
    /// 1041 «номер ФН» (16 digits).
    pub fn_number: String,
    /// 1040 «номер ФД».
    pub fd_number: u32,
    /// 1077 «ФПД» as the number printed on the receipt (ФП, up to 10 digits).
    pub fiscal_sign: u32,
    /// 1038 «номер смены».
    pub shift_number: Option<u32>,
    /// 1042 «номер чека за смену».
    pub receipt_number: Option<u32>,
    /// 1012 «дата, время» (local time of the place of settlement).
    pub date_time: LocalDateTime,
    /// 1037 «регистрационный номер ККТ».
    pub kkt_reg_number: Option<String>,
    /// ИНН of the ОФД that received the receipt.
    pub ofd_inn: Option<String>,
    /// Where the buyer can see the receipt (the ОФД's page), when the provider says.
    pub receipt_url: Option<String>,
    /// 1020 «сумма расчета».
    pub total: Money,
    /// 1054 «признак расчета».
    pub operation: Operation,
}

impl FiscalAttributes {
    /// The string encoded in the QR code of a receipt, as FNS checks it:
    /// `t=YYYYMMDDTHHMM&s=RUB.KK&fn=…&i=…&fp=…&n=…` (t: local date-time without seconds;
    /// s: total with two decimals; fn: ФН number; i: ФД number; fp: ФП; n: 1054).
    pub fn qr_string(&self) -> String {
        let (y, mo, d, h, mi, _) = self.date_time.fields();
        let mut s = String::with_capacity(96);
        let _ = write!(
            s,
            "t={y:04}{mo:02}{d:02}T{h:02}{mi:02}&s={}&fn={}&i={}&fp={}&n={}",
            self.total, self.fn_number, self.fd_number, self.fiscal_sign, self.operation.0
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_string_layout() {
        let f = FiscalAttributes {
            fn_number: "9999078900001234".into(),
            fd_number: 1234,
            fiscal_sign: 3_826_187_301,
            shift_number: Some(12),
            receipt_number: Some(5),
            date_time: "2026-03-02T10:15:42".parse().expect("time"),
            kkt_reg_number: None,
            ofd_inn: None,
            receipt_url: None,
            total: Money::from_kopecks(59_970),
            operation: Operation::SELL,
        };
        assert_eq!(
            f.qr_string(),
            "t=20260302T1015&s=599.70&fn=9999078900001234&i=1234&fp=3826187301&n=1"
        );
    }
}
