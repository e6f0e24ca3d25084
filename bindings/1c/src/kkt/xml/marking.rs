//! The marking documents: `RequestKM` in, `RequestKMResult` and `ProcessingKMResult` out.

use super::*;

/// `RequestKM`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestKm {
    /// `GUID`: made by 1C, names the request in `ConfirmKM`.
    #[serde(rename = "@GUID")]
    pub(crate) guid: String,
    /// `WaitForResult`.
    #[serde(rename = "@WaitForResult")]
    pub(crate) wait_for_result: Option<bool>,
    /// `MarkingCode`: the raw scan, Base64.
    #[serde(rename = "@MarkingCode")]
    pub(crate) marking_code: String,
    /// `PlannedStatus` (2003), 1–5 / 255.
    #[serde(rename = "@PlannedStatus")]
    pub(crate) planned_status: Option<u8>,
    /// `Quantity`.
    #[serde(rename = "@Quantity")]
    pub(crate) quantity: Option<String>,
    /// `MeasureOfQuantity` (2108).
    #[serde(rename = "@MeasureOfQuantity")]
    pub(crate) measure: Option<u8>,
    /// `NotSendToServer`.
    #[serde(rename = "@NotSendToServer")]
    pub(crate) not_send_to_server: Option<bool>,
    /// `FractionalQuantity`.
    #[serde(rename = "FractionalQuantity")]
    pub(crate) fraction: Option<FractionalQuantity>,
}

/// `RequestKMResult`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename = "RequestKMResult")]
pub(crate) struct RequestKmResult {
    /// `Checking`: whether the ФН checked the code's crypto tail (never here: no ФН).
    #[serde(rename = "@Checking")]
    pub(crate) checking: bool,
    /// `CheckingResult`.
    #[serde(rename = "@CheckingResult")]
    pub(crate) checking_result: bool,
}

/// `ProcessingKMResult`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename = "ProcessingKMResult")]
pub(crate) struct ProcessingKmResult {
    /// `GUID` of the request.
    #[serde(rename = "@GUID")]
    pub(crate) guid: String,
    /// `Result`: whether an answer of the marking system came back.
    #[serde(rename = "@Result")]
    pub(crate) result: bool,
    /// `ResultCode` (2106); 0: the code was not checked.
    #[serde(rename = "@ResultCode")]
    pub(crate) result_code: u8,
}
