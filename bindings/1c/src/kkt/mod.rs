//! The class `AddIn.Fiskal.KKT`: 1C's standard ККТ equipment driver («ККТ с передачей данных в
//! ОФД», interface revision [`INTERFACE_REVISION`]) in front of fiskal's outbox and cloud
//! registers, so that «Подключаемое оборудование» of a typical configuration (БПО) fiscalises
//! through ATOL Online, Orange Data, Business.ru … without code.
//!
//! The source is 1C's «Требования к разработке драйверов подключаемого оборудования»
//! (its.1c.ru, metod8dev, `…/developers/additional/guides/i8104829.htm`): the common methods
//! (section «Общие методы»), the ККТ methods and XML documents, the marking methods. Every
//! method returns `Булево` (success) except `GetInterfaceRevision` and `GetLastError`
//! (`Число`); results come back through **output parameters**: the driver writes them into the
//! caller's variables (the `tVariant`s of the call's argument array, which the platform copies
//! back into the variables passed).
//!
//! A method never raises into 1C: a failure returns `Ложь`, and `GetLastError(Описание)` gives
//! its code and Russian text. `docs/1c-driver.md` is the user's guide.

pub(crate) mod mapping;
pub(crate) mod methods;
pub(crate) mod state;
pub(crate) mod xml;

use std::collections::BTreeMap;

use fiskal_json::ApiError;

pub use methods::{KktMethodInfo, KKT_METHODS};

/// What `GetInterfaceRevision` answers: 4007, for VAT 22 % and 22/122. The last public edition
/// of the requirements (4.5, its.1c.ru `…/guides/i8104829.htm`, 24.03.2025) lists VAT 5 %, 7 %,
/// 5/105, 7/107 under 4.4; no public text of the edition with 22 % was found, so 4007 follows
/// what users of certified drivers report (see the verification table in docs/1c-driver.md).
pub const INTERFACE_REVISION: i32 = 4007;

/// The class name: `AddIn.<name given to ПодключитьВнешнююКомпоненту>.KKT`.
pub const KKT_CLASS_NAME: &str = "KKT";

/// Why a driver method failed; `GetLastError` gives [`KktError::code`] and the Russian text.
///
/// The Display text is for people, not a contract.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum KktError {
    /// An XML document could not be read (syntax, or an attribute the driver does not know:
    /// quick-xml's message names it).
    Xml {
        /// Which document.
        document: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A field has a value the driver cannot map, or no equivalent in a cloud register.
    Field {
        /// The field's path, e.g. `Positions.FiscalString[2].PriceWithDiscount`.
        field: String,
        /// Russian text.
        message_ru: String,
        /// English text.
        message_en: String,
    },
    /// A fiskal operation failed (outbox, validation, …): its code and messages.
    Api(ApiError),
    /// No device is connected, or the `DeviceID` is not this object's.
    NotConnected,
    /// A connection parameter is missing or wrong.
    Setting {
        /// The parameter's name.
        name: &'static str,
        /// What is wrong (Russian).
        message: String,
    },
    /// The receipt is in the outbox but was not fiscalised within the wait timeout: repeating
    /// the same call waits for the same entry (no second receipt).
    Timeout {
        /// The outbox key.
        key: String,
        /// The timeout, milliseconds.
        ms: u32,
        /// The entry's state.
        state: String,
    },
    /// The provider refused the receipt (final).
    Rejected {
        /// The outbox key.
        key: String,
        /// The CheckPackage field the refusal is about, when the provider named a receipt
        /// field (`Positions.FiscalString[1].VATRate`).
        field: Option<String>,
        /// The provider's message (it names the provider and the receipt field).
        message: String,
    },
    /// The journal's driver state file could not be read or written.
    State {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The operation is not possible now (shift state, marking session, cash balance, …).
    Refused {
        /// Russian text.
        message: String,
    },
}

impl KktError {
    /// The number `GetLastError` returns: the fiskal error code for [`KktError::Api`], else a
    /// driver code from 1 to 9 (0 is "no error").
    pub fn code(&self) -> i32 {
        match self {
            KktError::Xml { .. } => 1,
            KktError::Field { .. } => 2,
            KktError::NotConnected => 3,
            KktError::Setting { .. } => 4,
            KktError::Timeout { .. } => 5,
            KktError::Rejected { .. } => 6,
            KktError::State { .. } => 7,
            KktError::Refused { .. } => 8,
            KktError::Api(e) => i32::try_from(e.code as u32).unwrap_or(9),
        }
    }

    /// The Russian text `GetLastError` writes into its output parameter.
    pub fn message_ru(&self) -> String {
        match self {
            KktError::Xml { document, message } => {
                format!("документ {document} не прочитан: {message}")
            }
            KktError::Field {
                field, message_ru, ..
            } => format!("{field}: {message_ru}"),
            KktError::Api(e) => {
                let v: serde_json::Value =
                    serde_json::from_str(&e.to_json()).unwrap_or(serde_json::Value::Null);
                let msg = v["message_ru"]
                    .as_str()
                    .unwrap_or("ошибка fiskal")
                    .to_owned();
                match v["path"].as_str() {
                    Some(p) if !msg.contains(p) => format!("{p}: {msg}"),
                    _ => msg,
                }
            }
            KktError::NotConnected => {
                "устройство не подключено (вызовите ПодключитьОборудование) или DeviceID чужой"
                    .to_owned()
            }
            KktError::Setting { name, message } => format!("параметр {name}: {message}"),
            KktError::Timeout { key, ms, state } => format!(
                "чек принят в очередь (ключ {key}, состояние {state}), но не пробит за {ms} мс; \
                 повторите операцию: повтор дождётся того же чека, второй чек не будет пробит"
            ),
            KktError::Rejected {
                key,
                field: Some(field),
                message,
            } => format!(
                "{field}: облачная касса отклонила чек по этому полю (ключ {key}): {message}"
            ),
            KktError::Rejected {
                key,
                field: None,
                message,
            } => format!("облачная касса отказала в чеке (ключ {key}): {message}"),
            KktError::State { path, message } => {
                format!("файл состояния драйвера {path}: {message}")
            }
            KktError::Refused { message } => message.clone(),
        }
    }
}

impl std::fmt::Display for KktError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KktError::Field {
                field, message_en, ..
            } => write!(f, "{field}: {message_en}"),
            other => f.write_str(&other.message_ru()),
        }
    }
}

impl std::error::Error for KktError {}

impl From<ApiError> for KktError {
    fn from(e: ApiError) -> KktError {
        KktError::Api(e)
    }
}

/// A value written into an output parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Out {
    /// `Строка`.
    Str(String),
    /// `Число`.
    Int(i32),
    /// `Булево`.
    Bool(bool),
}

/// What a method gives back: the return value and the output parameters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    /// The return value.
    pub(crate) ret: Out,
    /// Output parameters by index (from 0).
    pub(crate) outs: Vec<(usize, Out)>,
}

impl Reply {
    /// `Истина` and no output.
    pub(crate) fn ok() -> Reply {
        Reply {
            ret: Out::Bool(true),
            outs: Vec::new(),
        }
    }

    /// `Истина` and one string output at `index`.
    pub(crate) fn out(index: usize, text: String) -> Reply {
        Reply {
            ret: Out::Bool(true),
            outs: vec![(index, Out::Str(text))],
        }
    }
}

/// One object `AddIn.Fiskal.KKT`: its settings, the connected device, the last error.
#[derive(Default)]
pub struct Kkt {
    /// Parameters given with `SetParameter` (3.x) or by the last `ConnectEquipment`.
    pub(crate) settings: BTreeMap<String, String>,
    /// The connected device.
    pub(crate) device: Option<methods::Device>,
    /// The last error: code and Russian text (`None`: the last call succeeded).
    pub(crate) last_error: Option<(i32, String)>,
    /// What `SetApplicationInformation` told the driver (kept for the log only).
    pub(crate) application: String,
}

impl std::fmt::Debug for Kkt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Settings may hold passwords inside the outbox settings JSON: names only.
        f.debug_struct("Kkt")
            .field("settings", &self.settings.keys().collect::<Vec<_>>())
            .field("connected", &self.device.is_some())
            .field("last_error", &self.last_error)
            .finish()
    }
}

impl Kkt {
    /// Runs method `num` with the arguments the boundary read; `None` if there is no such
    /// method. A failure (or a panic, caught here) returns `Ложь` and is kept for
    /// `GetLastError`; `GetLastError` itself answers the kept error and leaves it in place.
    pub(crate) fn call(&mut self, num: usize, values: &[crate::abi::Arg<'_>]) -> Option<Reply> {
        let method = KKT_METHODS.get(num)?;
        if method.name_en == "GetLastError" {
            let (code, text) = self.last_error.clone().unwrap_or((0, String::new()));
            return Some(Reply {
                ret: Out::Int(code),
                outs: vec![(0, Out::Str(text))],
            });
        }
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (method.run)(self, values)))
                .unwrap_or_else(|payload| {
                    let message = payload
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    Err(KktError::Refused {
                        message: format!(
                            "внутренняя ошибка драйвера в {}: {message}",
                            method.name_en
                        ),
                    })
                });
        Some(match result {
            Ok(reply) => {
                self.last_error = None;
                reply
            }
            Err(e) => {
                self.last_error = Some((e.code(), e.message_ru()));
                let ret = match method.name_en {
                    "GetInterfaceRevision" => Out::Int(0),
                    _ => Out::Bool(false),
                };
                Reply {
                    ret,
                    outs: Vec::new(),
                }
            }
        })
    }
}
