//! The methods of `AddIn.Fiskal.KKT`, each with its Russian and English name, and what they do.
//!
//! The order of [`KKT_METHODS`] is the numbering the platform sees; new entries are appended.
//!
//! (Over 800 lines: the method table of the driver interface (about forty methods, Russian and
//! English names) and what each does, side by side.)

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use addin1c::{name, CStr1C};
use base64::Engine as _;
use fiskal_json::OutboxHandle;
use serde_json::{json, Value};

use super::mapping::{self, kopecks, roubles, Company};
use super::state::{self, State};
use super::xml::{self, DocumentOutputFields, DocumentOutputParameters};
use super::{Kkt, KktError, Out, Reply, INTERFACE_REVISION};
use crate::abi::Arg;
use crate::args::utf16_to_string;

/// What runs a method.
pub(crate) type KktRun = fn(&mut Kkt, &[Arg<'_>]) -> Result<Reply, KktError>;

/// One method of the driver.
pub struct KktMethodInfo {
    /// The Russian name (alias 1).
    pub name_ru: &'static str,
    /// The English name (alias 0).
    pub name_en: &'static str,
    /// How many parameters it takes (inputs and outputs).
    pub params: usize,
    /// The names as the platform reads them.
    pub(crate) names_1c: (&'static CStr1C, &'static CStr1C),
    /// The implementation.
    pub(crate) run: KktRun,
}

impl std::fmt::Debug for KktMethodInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KktMethodInfo")
            .field("name_ru", &self.name_ru)
            .field("name_en", &self.name_en)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

macro_rules! kkt_method {
    ($ru:literal, $en:literal, $params:literal, $run:expr) => {
        KktMethodInfo {
            name_ru: $ru,
            name_en: $en,
            params: $params,
            names_1c: (name!($ru), name!($en)),
            run: $run,
        }
    };
}

/// Every method of the driver, in the platform's numbering.
pub static KKT_METHODS: &[KktMethodInfo] = &[
    // ---- common (every equipment type) ----
    kkt_method!(
        "ПолучитьРевизиюИнтерфейса",
        "GetInterfaceRevision",
        0,
        |_, _| {
            Ok(Reply {
                ret: Out::Int(INTERFACE_REVISION),
                outs: Vec::new(),
            })
        }
    ),
    kkt_method!("ПолучитьОписание", "GetDescription", 1, get_description),
    // Answered by `Kkt::call` itself (it must not clear the error it reports).
    kkt_method!("ПолучитьОшибку", "GetLastError", 1, |_, _| Ok(
        Reply::ok()
    )),
    kkt_method!(
        "ПараметрыОборудования",
        "EquipmentParameters",
        2,
        |_, _| { Ok(Reply::out(1, parameters_table()?)) }
    ),
    kkt_method!(
        "ПодключитьОборудование",
        "ConnectEquipment",
        3,
        connect_equipment
    ),
    kkt_method!(
        "ОтключитьОборудование",
        "DisconnectEquipment",
        1,
        disconnect
    ),
    kkt_method!(
        "ТестированиеОборудования",
        "EquipmentTest",
        4,
        equipment_test
    ),
    kkt_method!(
        "АвтонастройкаОборудования",
        "EquipmentAutoSetup",
        5,
        |_, _| {
            Err(refused(
                "автонастройка не поддерживается: облачную кассу настраивают параметрами",
            ))
        }
    ),
    kkt_method!(
        "УстановитьИнформациюПриложения",
        "SetApplicationInformation",
        1,
        |k, a| {
            k.application = text(a, 0, "ApplicationSettings")?;
            Ok(Reply::ok())
        }
    ),
    kkt_method!(
        "ПолучитьДополнительныеДействия",
        "GetAdditionalActions",
        1,
        |_, _| { Ok(Reply::out(0, xml::write(&xml::Actions::default())?)) }
    ),
    kkt_method!(
        "ВыполнитьДополнительноеДействие",
        "DoAdditionalAction",
        1,
        |_, a| {
            let name = text(a, 0, "ActionName")?;
            Err(refused(&format!("дополнительного действия «{name}» нет")))
        }
    ),
    kkt_method!(
        "ПолучитьШаблонЛокализации",
        "GetLocalizationPattern",
        1,
        |_, _| { Ok(Reply::out(0, String::new())) }
    ),
    kkt_method!(
        "УстановитьЛокализацию",
        "SetLocalization",
        2,
        |_, _| Ok(Reply::ok())
    ),
    // ---- 3.x, still called by older БПО ----
    kkt_method!(
        "ПолучитьПараметры",
        "GetParameters",
        1,
        |_, _| { Ok(Reply::out(0, parameters_table()?)) }
    ),
    kkt_method!("УстановитьПараметр", "SetParameter", 2, set_parameter),
    kkt_method!("Подключить", "Open", 1, open),
    kkt_method!("Отключить", "Close", 1, disconnect),
    kkt_method!("ТестУстройства", "DeviceTest", 2, device_test),
    // ---- ККТ ----
    kkt_method!("ПолучитьПараметрыККТ", "GetDataKKT", 2, get_data_kkt),
    kkt_method!("ОперацияФН", "OperationFN", 3, |k, a| {
        device(k, a)?;
        Err(refused(
            "регистрация, перерегистрация и закрытие ФН облачной кассы выполняются у провайдера",
        ))
    }),
    kkt_method!("ОткрытьСмену", "OpenShift", 3, open_shift),
    kkt_method!("ЗакрытьСмену", "CloseShift", 3, close_shift),
    kkt_method!("ПробитьЧек", "ProcessCheck", 4, process_check),
    // Four parameters: revision 4.4 of the standard added «признак формирования чека коррекции
    // только в электронном виде»; a caller of that revision passes (DeviceID, Electronically,
    // CheckPackage, DocumentOutputParameters), an older one (DeviceID, CheckPackage,
    // DocumentOutputParameters) and the platform fills the fourth with its default
    // (`GetParamDefValue`). `process_correction` tells them apart by the second's type.
    kkt_method!(
        "ПробитьЧекКоррекции",
        "ProcessCorrectionCheck",
        4,
        process_correction
    ),
    kkt_method!(
        "НапечататьТекстовыйДокумент",
        "PrintTextDocument",
        2,
        |k, a| {
            device(k, a)?;
            let _: xml::DocumentPackage =
                xml::parse("DocumentPackage", &text(a, 1, "DocumentPackage")?)?;
            Ok(Reply::ok())
        }
    ),
    kkt_method!("Инкассация", "CashInOutcome", 3, cash_in_outcome),
    kkt_method!(
        "НапечататьОтчетБезГашения",
        "PrintXReport",
        2,
        |k, a| {
            device(k, a)?;
            input_parameters(a, 1)?;
            Ok(Reply::ok())
        }
    ),
    kkt_method!(
        "НапечататьКопиюЧека",
        "PrintCheckCopy",
        2,
        |k, a| {
            device(k, a)?;
            text(a, 1, "CheckNumber")?;
            Ok(Reply::ok())
        }
    ),
    kkt_method!(
        "ПолучитьТекущееСостояние",
        "GetCurrentStatus",
        3,
        current_status
    ),
    kkt_method!(
        "ОтчетОТекущемСостоянииРасчетов",
        "ReportCurrentStatusOfSettlements",
        3,
        current_status
    ),
    kkt_method!(
        "ОткрытьДенежныйЯщик",
        "OpenCashDrawer",
        1,
        |k, a| {
            device(k, a)?;
            Ok(Reply::ok())
        }
    ),
    kkt_method!(
        "ПолучитьШиринуСтроки",
        "GetLineLength",
        2,
        |k, a| {
            device(k, a)?;
            Ok(Reply {
                ret: Out::Bool(true),
                outs: vec![(1, Out::Int(LINE_LENGTH))],
            })
        }
    ),
    // ---- marking (ФФД 1.2) ----
    kkt_method!(
        "ОткрытьСессиюРегистрацииКМ",
        "OpenSessionRegistrationKM",
        1,
        |k, a| {
            let d = device(k, a)?;
            d.km_open = true;
            d.km_pending.clear();
            Ok(Reply::ok())
        }
    ),
    kkt_method!("ЗапросКМ", "RequestKM", 3, request_km),
    kkt_method!(
        "ПолучитьРезультатыЗапросаКМ",
        "GetProcessingKMResult",
        3,
        processing_km_result
    ),
    kkt_method!("ПодтвердитьКМ", "ConfirmKM", 3, confirm_km),
    kkt_method!(
        "ЗакрытьСессиюРегистрацииКМ",
        "CloseSessionRegistrationKM",
        1,
        |k, a| {
            let d = device(k, a)?;
            d.km_open = false;
            d.km_pending.clear();
            Ok(Reply::ok())
        }
    ),
];

/// `GetLineLength`: the width of a printed line; a cloud register prints nothing, 48 is the
/// common 80 mm receipt width so configurations that lay out text keep working.
const LINE_LENGTH: i32 = 48;

/// The DeviceID this object gives `ConnectEquipment` / `Open`.
const DEVICE_ID: &str = "fiskal-kkt-1";

/// How long `ProcessCheck` waits when `WaitTimeoutMs` is not given.
const DEFAULT_WAIT_MS: u32 = 30_000;

/// A marking code asked about in the session (`RequestKM`).
#[derive(Debug, Clone)]
pub(crate) struct KmRequest {
    /// 1C's GUID.
    pub(crate) guid: String,
    /// The raw scan.
    pub(crate) code: Vec<u8>,
    /// 2003 as asked.
    pub(crate) planned_status: Option<u8>,
    /// `ConfirmKM`: `Some(true)` accepted, `Some(false)` rejected.
    pub(crate) confirmed: Option<bool>,
    /// Whether `GetProcessingKMResult` has answered it.
    pub(crate) reported: bool,
}

/// The connected device: the outbox, its worker, the synthetic state.
pub(crate) struct Device {
    /// The journal (worker started on connect).
    pub(crate) outbox: OutboxHandle,
    /// What the receipt needs beyond the CheckPackage.
    pub(crate) company: Company,
    /// `WaitTimeoutMs`.
    pub(crate) wait_ms: u32,
    /// The synthetic state and its file.
    pub(crate) state: State,
    /// Where the state lives.
    pub(crate) state_path: std::path::PathBuf,
    /// The `Route` setting (`None`: the outbox's default route).
    pub(crate) route: Option<String>,
    /// A marking session is open.
    pub(crate) km_open: bool,
    /// The session's requests (and the confirmed ones until the receipt).
    pub(crate) km_pending: Vec<KmRequest>,
}

fn refused(message: &str) -> KktError {
    KktError::Refused {
        message: message.to_owned(),
    }
}

/// A string argument (`Строка`, or UTF-8 `ДвоичныеДанные`); `what` names it in errors.
fn text(a: &[Arg<'_>], index: usize, what: &'static str) -> Result<String, KktError> {
    match a.get(index) {
        Some(Arg::Str(units)) => Ok(utf16_to_string(units)?),
        Some(Arg::Blob(bytes)) => String::from_utf8(bytes.to_vec()).map_err(|_| KktError::Field {
            field: what.to_owned(),
            message_ru: "двоичные данные не в UTF-8".into(),
            message_en: "the binary data is not UTF-8".into(),
        }),
        Some(Arg::Empty) => Ok(String::new()),
        other => Err(KktError::Field {
            field: what.to_owned(),
            message_ru: format!(
                "ожидается строка, получено {}",
                other.map_or("ничего", |v| v.type_name().0)
            ),
            message_en: format!(
                "expected a string, got {}",
                other.map_or("nothing", |v| v.type_name().1)
            ),
        }),
    }
}

/// An amount argument (`Число`, or a string) as exact text: a float is printed in its shortest
/// round-trip form and then read as decimal text, so `12.34` stays 1234 kopecks.
fn amount_text(a: &[Arg<'_>], index: usize, what: &'static str) -> Result<String, KktError> {
    match a.get(index) {
        Some(Arg::I32(n)) => Ok(n.to_string()),
        Some(Arg::F64(f)) if f.is_finite() => Ok(format!("{f}")),
        _ => text(a, index, what),
    }
}

/// Checks the `DeviceID` argument (index 0) and gives the device.
fn device<'k>(k: &'k mut Kkt, a: &[Arg<'_>]) -> Result<&'k mut Device, KktError> {
    let id = text(a, 0, "DeviceID")?;
    match &mut k.device {
        Some(d) if id == DEVICE_ID => Ok(d),
        _ => Err(KktError::NotConnected),
    }
}

fn input_parameters(a: &[Arg<'_>], index: usize) -> Result<xml::InputFields, KktError> {
    let t = text(a, index, "InputParameters")?;
    if t.trim().is_empty() {
        return Ok(xml::InputFields::default());
    }
    let p: xml::InputParameters = xml::parse("InputParameters", &t)?;
    Ok(p.parameters)
}

fn get_description(_: &mut Kkt, _: &[Arg<'_>]) -> Result<Reply, KktError> {
    let d = xml::DriverDescription {
        name: "fiskal: облачная ККТ (ATOL Online, Orange Data, Business.ru, …)".into(),
        description: "Драйвер ККТ с передачей данных в ОФД через облачные кассы; чеки хранятся \
                      в журнале и отправляются фоновым обработчиком"
            .into(),
        equipment_type: "ККТ".into(),
        integration_component: false,
        main_driver_installed: true,
        driver_version: env!("CARGO_PKG_VERSION").into(),
        integration_component_version: env!("CARGO_PKG_VERSION").into(),
        is_emulator: false,
        localization_supported: false,
        auto_setup: false,
        download_url: String::new(),
        environment: String::new(),
        log_is_enabled: false,
        log_path: String::new(),
    };
    Ok(Reply::out(0, xml::write(&d)?))
}

/// The parameters table (`EquipmentParameters`, `GetParameters`).
fn parameters_table() -> Result<String, KktError> {
    let p =
        |name: &str, caption: &str, description: &str, ty: &str, default: &str| xml::ParameterDef {
            name: name.into(),
            caption: caption.into(),
            description: description.into(),
            type_value: ty.into(),
            default_value: default.into(),
            read_only: false,
            choice_list: None,
        };
    // A fixed set of values is offered as a choice list (the `Parameter/ChoiceList/Item Value`
    // form of the standard's parameters table).
    let choices = |mut def: xml::ParameterDef, values: &[(&str, &str)]| {
        def.choice_list = Some(xml::ChoiceList {
            items: values
                .iter()
                .map(|(value, text)| xml::ChoiceItem {
                    value: (*value).into(),
                    text: (*text).into(),
                })
                .collect(),
        });
        def
    };
    let s = xml::Settings {
        page: xml::Page {
            caption: "Параметры".into(),
            groups: vec![
                xml::Group {
                    caption: "Облачная касса".into(),
                    parameters: vec![
                        p("OutboxSettings", "Настройки маршрутов (JSON)",
                          "Настройки очереди fiskal: маршруты (провайдер, логин, пароль, группа), обработчик, сроки (docs/outbox.md)",
                          "String", ""),
                        p("Route", "Маршрут", "Имя маршрута из настроек; пусто — маршрут по умолчанию", "String", ""),
                    ],
                },
                xml::Group {
                    caption: "Организация".into(),
                    parameters: vec![
                        p("CompanyINN", "ИНН организации", "ИНН пользователя (1018)", "String", ""),
                        p("CompanyName", "Наименование организации", "Для ПолучитьПараметрыККТ (CompanyName); в чек не передаётся", "String", ""),
                        p("TaxationSystems", "Системы налогообложения",
                          "Коды систем налогообложения кассы через «,» (0 ОСН, 1 УСН доход, 2 УСН доход − расход, 3 ЕНВД, 4 ЕСХН, 5 ПСН); чек с другой системой отклоняется. Пусто — не проверять",
                          "String", ""),
                        p("PaymentPlace", "Место расчетов", "Место расчетов (1187), если в чеке нет SaleLocation", "String", ""),
                        p("PaymentAddress", "Адрес расчетов", "Адрес расчетов (1009), если в чеке нет SaleAddress", "String", ""),
                        choices(
                            p("FFDVersion", "Версия ФФД", "1.2 или 1.05", "String", "1.2"),
                            &[("1.2", "1.2"), ("1.05", "1.05")],
                        ),
                    ],
                },
                xml::Group {
                    caption: "Журнал".into(),
                    parameters: vec![
                        p("JournalPath", "Путь к журналу", "Файл журнала чеков (SQLite); рядом хранится состояние смены", "String", ""),
                        p(state::STATE_PATH, "Файл состояния смены",
                          "Файл, в котором драйвер хранит состояние смены рабочего места. Пусто — рядом с журналом (<журнал>.kkt.json); обязателен, если журнал — адрес PostgreSQL (postgres://…)",
                          "String", ""),
                        p("WaitTimeoutMs", "Ожидание чека, мс", "Сколько ПробитьЧек ждёт фискализации", "Number", "30000"),
                    ],
                },
            ],
        },
    };
    xml::write(&s)
}

/// The settings → an open device (worker started).
fn connect(settings: &BTreeMap<String, String>) -> Result<Device, KktError> {
    let get = |n: &'static str| {
        settings
            .get(n)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let need = |n: &'static str| {
        let v = get(n);
        if v.is_empty() {
            Err(KktError::Setting {
                name: n,
                message: "не задан".into(),
            })
        } else {
            Ok(v)
        }
    };
    let journal = need("JournalPath")?;
    let outbox_settings = need("OutboxSettings")?;
    let inn = need("CompanyINN")?;
    let ffd = match get("FFDVersion").as_str() {
        "" | "1.2" => "1.2".to_owned(),
        "1.05" => "1.05".to_owned(),
        other => {
            return Err(KktError::Setting {
                name: "FFDVersion",
                message: format!("«{other}»: ожидается 1.2 или 1.05"),
            })
        }
    };
    let mut taxation_systems = Vec::new();
    for code in get("TaxationSystems")
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        match code.parse::<u8>() {
            Ok(n) if n <= 5 && !taxation_systems.contains(&n) => taxation_systems.push(n),
            _ => {
                return Err(KktError::Setting {
                    name: "TaxationSystems",
                    message: format!(
                        "«{code}»: ожидаются коды 0–5 через запятую (таблица «Системы налогообложения»)"
                    ),
                })
            }
        }
    }
    let wait_ms = match get("WaitTimeoutMs").as_str() {
        "" => DEFAULT_WAIT_MS,
        t => t.parse::<u32>().map_err(|_| KktError::Setting {
            name: "WaitTimeoutMs",
            message: format!("«{t}»: ожидается целое число миллисекунд"),
        })?,
    };
    let state_path = state::location(&journal, &get(state::STATE_PATH))?;
    let state = State::load(&state_path)?;
    let outbox = OutboxHandle::open(&journal, &outbox_settings, None)?;
    outbox.start()?;
    let company = Company {
        inn,
        payment_place: get("PaymentPlace"),
        payment_address: get("PaymentAddress"),
        ffd,
        taxation_systems,
        name: get("CompanyName"),
    };
    Ok(Device {
        outbox,
        company,
        wait_ms,
        state,
        state_path,
        route: Some(get("Route")).filter(|r| !r.is_empty()),
        km_open: false,
        km_pending: Vec::new(),
    })
}

fn connect_equipment(k: &mut Kkt, a: &[Arg<'_>]) -> Result<Reply, KktError> {
    let _equipment_type = text(a, 0, "EquipmentType")?;
    let values = xml::connection_values(&text(a, 1, "ConnectionParameters")?)?;
    // A second connect replaces the first (the journal must not be open twice).
    k.device = None;
    let d = connect(&values)?;
    k.settings = values;
    k.device = Some(d);
    Ok(Reply::out(2, DEVICE_ID.to_owned()))
}

fn open(k: &mut Kkt, _: &[Arg<'_>]) -> Result<Reply, KktError> {
    k.device = None;
    let d = connect(&k.settings)?;
    k.device = Some(d);
    Ok(Reply::out(0, DEVICE_ID.to_owned()))
}

fn disconnect(k: &mut Kkt, a: &[Arg<'_>]) -> Result<Reply, KktError> {
    device(k, a)?;
    // Dropping the handle stops the worker gracefully; the journal keeps every receipt, and
    // the next connect's worker continues where this one stopped.
    k.device = None;
    Ok(Reply::ok())
}

fn set_parameter(k: &mut Kkt, a: &[Arg<'_>]) -> Result<Reply, KktError> {
    let name = text(a, 0, "Name")?;
    let value = match a.get(1) {
        Some(Arg::I32(n)) => n.to_string(),
        Some(Arg::Bool(b)) => b.to_string(),
        Some(Arg::F64(f)) => format!("{f}"),
        _ => text(a, 1, "Value")?,
    };
    k.settings.insert(name, value);
    Ok(Reply::ok())
}

/// Checks settings without keeping anything: the outbox settings are opened on a scratch
/// journal (no network), the rest read as `connect` reads them.
fn test_settings(settings: &BTreeMap<String, String>) -> Result<String, KktError> {
    let dir = std::env::temp_dir().join(format!(
        "fiskal-kkt-test-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| KktError::State {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    // The state's place is checked against the real journal (a URL needs StatePath); the
    // scratch connect keeps its state beside the scratch journal, away from the real one.
    let journal = settings
        .get("JournalPath")
        .map_or("", |j| j.trim())
        .to_owned();
    let state_path = settings
        .get(state::STATE_PATH)
        .map_or("", |p| p.trim())
        .to_owned();
    let placed = state::location(&journal, &state_path);
    let mut s = settings.clone();
    s.insert(
        "JournalPath".into(),
        dir.join("test.db").to_string_lossy().into_owned(),
    );
    s.remove(state::STATE_PATH);
    let result = connect(&s).map(|d| {
        drop(d);
        "Параметры верны: настройки маршрутов прочитаны, журнал открывается".to_owned()
    });
    let _ = std::fs::remove_dir_all(&dir);
    if journal.is_empty() {
        return Err(KktError::Setting {
            name: "JournalPath",
            message: "не задан".into(),
        });
    }
    placed?;
    result
}

fn equipment_test(_: &mut Kkt, a: &[Arg<'_>]) -> Result<Reply, KktError> {
    let values = xml::connection_values(&text(a, 1, "ConnectionParameters")?)?;
    let description = test_settings(&values)?;
    Ok(Reply {
        ret: Out::Bool(true),
        outs: vec![(2, Out::Str(description)), (3, Out::Str(String::new()))],
    })
}

fn device_test(k: &mut Kkt, _: &[Arg<'_>]) -> Result<Reply, KktError> {
    let description = test_settings(&k.settings)?;
    Ok(Reply {
        ret: Out::Bool(true),
        outs: vec![(0, Out::Str(description)), (1, Out::Str(String::new()))],
    })
}

fn get_data_kkt(k: &mut Kkt, a: &[Arg<'_>]) -> Result<Reply, KktError> {
    let d = device(k, a)?;
    let f = xml::KktFields {
        kkt_number: d.state.kkt_number.clone(),
        kkt_serial: d.state.kkt_serial.clone(),
        firmware: format!("fiskal {}", env!("CARGO_PKG_VERSION")),
        fiscal: true,
        ffd_fn: d.company.ffd.clone(),
        ffd_kkt: d.company.ffd.clone(),
        fn_serial: d.state.fn_number.clone(),
        // The ФН registration report's number and date: no provider reports them.
        document_number: String::new(),
        date_time: String::new(),
        company_name: d.company.name.clone(),
        inn: d.company.inn.clone(),
        sale_address: d.company.payment_address.clone(),
        sale_location: d.company.payment_place.clone(),
        taxation_systems: d
            .company
            .taxation_systems
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(","),
        is_offline: false,
        is_encrypted: false,
        is_service: false,
        is_excisable: false,
        is_gambling: false,
        is_lottery: false,
        bso: false,
        is_online: true,
        is_automatic_printer: false,
        is_automatic: false,
        is_marking: d.company.ffd == "1.2",
        is_pawnshop: false,
        is_assurance: false,
        agent_types: String::new(),
        automatic_number: String::new(),
        ofd_company: String::new(),
        ofd_company_inn: String::new(),
        fns_url: d.state.fns_site.clone(),
        sender_email: String::new(),
    };
    Ok(Reply::out(1, xml::write(&f)?))
}

/// `OutputParameters` from the synthetic state.
fn output_parameters(d: &Device) -> Result<String, KktError> {
    let c = |i: usize| {
        let x = d.state.counters[i];
        xml::OperationCounters {
            parameters: xml::Counters {
                check_count: x.count,
                total: roubles(x.total),
                correction_count: x.correction_count,
                correction_total: roubles(x.correction_total),
            },
        }
    };
    let f = xml::OutputFields {
        shift_number: d.state.shift_number,
        check_number: d.state.last_fd,
        shift_check_number: d.state.shift_checks,
        date_time: state::now(),
        shift_state: if d.state.shift_open { 2 } else { 1 },
        cash_balance: roubles(d.state.cash),
        backlog: backlog(&d.outbox),
        fn_error: false,
        fn_overflow: false,
        fn_fail: false,
        counters1: c(0),
        counters2: c(1),
        counters3: c(2),
        counters4: c(3),
    };
    xml::write(&xml::OutputParameters { parameters: f })
}

/// Receipts in the journal not yet in a final state (`BacklogDocumentsCounter`).
fn backlog(outbox: &OutboxHandle) -> u32 {
    let Ok(text) = outbox.stats() else {
        return 0;
    };
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let Some(states) = v.get("states").and_then(Value::as_object) else {
        return 0;
    };
    let n: u64 = states
        .iter()
        .filter(|(s, _)| !matches!(s.as_str(), "done" | "rejected" | "cancelled" | "stuck"))
        .filter_map(|(_, n)| n.as_u64())
        .sum();
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn save(d: &mut Device) -> Result<(), KktError> {
    d.state.last_date_time = state::now();
    d.state.save(&d.state_path)
}

fn open_shift(k: &mut Kkt, a: &[Arg<'_>]) -> Result<Reply, KktError> {
    input_parameters(a, 1)?;
    let d = device(k, a)?;
    if !d.state.shift_open {
        d.state.shift_open = true;
        d.state.shift_number += 1;
        d.state.shift_checks = 0;
        d.state.counters = Default::default();
        save(d)?;
    }
    Ok(Reply::out(2, output_parameters(d)?))
}

fn close_shift(k: &mut Kkt, a: &[Arg<'_>]) -> Result<Reply, KktError> {
    input_parameters(a, 1)?;
    let d = device(k, a)?;
    if !d.state.shift_open {
        return Err(refused("смена не открыта"));
    }
    let out = output_parameters(d)?;
    d.state.shift_open = false;
    save(d)?;
    Ok(Reply::out(2, out))
}

fn current_status(k: &mut Kkt, a: &[Arg<'_>]) -> Result<Reply, KktError> {
    input_parameters(a, 1)?;
    let d = device(k, a)?;
    Ok(Reply::out(2, output_parameters(d)?))
}

fn cash_in_outcome(k: &mut Kkt, a: &[Arg<'_>]) -> Result<Reply, KktError> {
    input_parameters(a, 1)?;
    let t = amount_text(a, 2, "Amount")?;
    let (neg, digits) = match t.trim().strip_prefix('-') {
        Some(rest) => (true, rest.to_owned()),
        None => (false, t.trim().to_owned()),
    };
    let amount = kopecks("Amount", &digits)?;
    let d = device(k, a)?;
    if !d.state.shift_open {
        return Err(refused(
            "смена не открыта: внесение и выемка — только в открытой смене",
        ));
    }
    if neg {
        d.state.cash = d.state.cash.checked_sub(amount).ok_or_else(|| {
            refused(&format!(
                "выемка {} больше остатка наличных {}",
                roubles(amount),
                roubles(d.state.cash)
            ))
        })?;
    } else {
        d.state.cash = d
            .state
            .cash
            .checked_add(amount)
            .ok_or_else(|| refused("сумма слишком велика"))?;
    }
    save(d)?;
    Ok(Reply::ok())
}

/// FNV-1a 64 of `bytes` (stable across runs and Rust versions, unlike `DefaultHasher`).
fn fnv64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn process_check(k: &mut Kkt, a: &[Arg<'_>]) -> Result<Reply, KktError> {
    // Electronically: a cloud register never prints; the receipt goes to the buyer's contact.
    let _electronically = a.get(1);
    let package = text(a, 2, "CheckPackage")?;
    let out = fiscalise(k, a, &package, false)?;
    Ok(Reply::out(3, out))
}

fn process_correction(k: &mut Kkt, a: &[Arg<'_>]) -> Result<Reply, KktError> {
    // 4.4: (DeviceID, Electronically: Булево, CheckPackage, out); before: (DeviceID,
    // CheckPackage, out) and the platform's default in the fourth place.
    let (package_at, out_at) = match a.get(1) {
        Some(Arg::Bool(_)) => (2, 3),
        _ => (1, 2),
    };
    let package = text(a, package_at, "CheckPackage")?;
    let out = fiscalise(k, a, &package, true)?;
    Ok(Reply::out(out_at, out))
}

/// Whether parameter `param` (from 0) of method `num` has a default, for a caller that leaves
/// it out: only the fourth of `ProcessCorrectionCheck` (see its entry in [`KKT_METHODS`]).
pub(crate) fn has_default(num: usize, param: usize) -> bool {
    KKT_METHODS
        .get(num)
        .is_some_and(|m| m.name_en == "ProcessCorrectionCheck" && param == 3)
}

/// Enqueues the receipt under a key derived from it and waits for the fiscal attributes.
///
/// The key is `1c-kkt-<hash of the receipt JSON>-<n>`, n = how many times this same receipt
/// was already answered with success. A repeat after a timeout or an error (not answered) gets
/// the same key and so the same entry: never a second receipt. The same goods sold again after
/// a success get n + 1: a new receipt, as they should.
fn fiscalise(
    k: &mut Kkt,
    a: &[Arg<'_>],
    package: &str,
    correction: bool,
) -> Result<String, KktError> {
    let d = device(k, a)?;
    let parsed: xml::CheckPackage = xml::parse("CheckPackage", package)?;
    let mut mapped = mapping::map_check(&parsed, &d.company, correction)?;
    apply_marking_session(d, &mut mapped)?;
    let receipt_text = mapped.receipt.to_string();
    let hash = format!("{:016x}", fnv64(receipt_text.as_bytes()));
    let n = d.state.answered.get(&hash).copied().unwrap_or(0);
    let key = format!("1c-kkt-{hash}-{n}");
    let route = d.company_route();
    let mut req = json!({"version": 1, "key": key, "receipt": mapped.receipt});
    if let Some(r) = route {
        req["route"] = json!(r);
    }
    d.outbox.enqueue(&req.to_string())?;
    let deadline = Instant::now() + Duration::from_millis(u64::from(d.wait_ms));
    let entry = loop {
        let e: Value = serde_json::from_str(&d.outbox.get(&key)?).unwrap_or(Value::Null);
        let st = e["state"].as_str().unwrap_or("").to_owned();
        match st.as_str() {
            "done" => break e,
            "rejected" | "stuck" | "cancelled" => {
                let message = e["last_message"].as_str().unwrap_or(&st).to_owned();
                return Err(KktError::Rejected {
                    key,
                    field: refused_field(&message)
                        .and_then(|path| mapping::package_field(path, &parsed)),
                    message,
                });
            }
            _ => {}
        }
        if Instant::now() >= deadline {
            return Err(KktError::Timeout {
                key,
                ms: d.wait_ms,
                state: st,
            });
        }
        // The worker runs on its own thread; look again shortly (a condition poll, bounded
        // by the deadline above).
        std::thread::sleep(Duration::from_millis(20));
    };
    let f = &entry["fiscal"];
    let fd = u32::try_from(f["fd_number"].as_u64().unwrap_or(0)).unwrap_or(0);
    // The synthetic shift opens with the first receipt, as a register opens one itself.
    if !d.state.shift_open {
        d.state.shift_open = true;
        d.state.shift_number += 1;
        d.state.shift_checks = 0;
        d.state.counters = Default::default();
    }
    d.state.shift_checks += 1;
    d.state.last_fd = fd;
    let i = usize::from(mapped.operation_type.clamp(1, 4) - 1);
    let c = &mut d.state.counters[i];
    if correction {
        c.correction_count += 1;
        c.correction_total += mapped.total;
    } else {
        c.count += 1;
        c.total += mapped.total;
    }
    // Cash: in for sell / buy refund, out for sell refund / buy.
    match mapped.operation_type {
        1 | 4 => d.state.cash = d.state.cash.saturating_add(mapped.cash),
        _ => d.state.cash = d.state.cash.saturating_sub(mapped.cash),
    }
    for (field, key) in [
        (&mut d.state.kkt_number, "kkt_reg_number"),
        (&mut d.state.fn_number, "fn_number"),
        (&mut d.state.kkt_serial, "kkt_serial_number"),
        (&mut d.state.fns_site, "fns_site"),
    ] {
        if let Some(v) = f[key].as_str() {
            *field = v.to_owned();
        }
    }
    d.state.answered.insert(hash, n + 1);
    d.km_pending.retain(|r| r.confirmed.is_none());
    save(d)?;
    let out = DocumentOutputParameters {
        parameters: DocumentOutputFields {
            // The shift and the receipt's number in it are the journal's (synthetic) ones, so
            // they agree with OpenShift / GetCurrentStatus / CloseShift: a cloud register is
            // shared, its own shift (1038, 1042) runs independently of this shop's.
            shift_number: d.state.shift_number,
            check_number: fd,
            shift_check_number: d.state.shift_checks,
            fns_site: f["fns_site"]
                .as_str()
                .unwrap_or("www.nalog.gov.ru")
                .to_owned(),
            fiscal_sign: f["fiscal_sign"]
                .as_u64()
                .map(|v| v.to_string())
                .unwrap_or_default(),
            date_time: f["date_time"].as_str().unwrap_or("").to_owned(),
        },
    };
    xml::write(&out)
}

/// The receipt field a provider's refusal names: the first `` `path` `` in its message
/// (fiskal-providers writes `the receipt cannot be sent to <provider>: `<path>`: …`).
fn refused_field(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    let path = &message[start..start + len];
    path.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'[' | b']'))
        .then_some(path)
        .filter(|p| !p.is_empty())
}

impl Device {
    /// The `Route` setting, when given.
    fn company_route(&self) -> Option<String> {
        self.route.clone()
    }
}

/// Marks in the receipt against the marking session: a code 1C rejected with `ConfirmKM` is
/// refused; an accepted one carries its planned status (2003) into the receipt.
fn apply_marking_session(d: &Device, mapped: &mut mapping::Mapped) -> Result<(), KktError> {
    let Some(items) = mapped.receipt["items"].as_array_mut() else {
        return Ok(());
    };
    for (n, item) in items.iter_mut().enumerate() {
        let Some(code) = item["mark"]["code"].as_str().map(str::as_bytes) else {
            continue;
        };
        let Some(req) = d.km_pending.iter().rev().find(|r| r.code == code) else {
            continue;
        };
        if req.confirmed == Some(false) {
            return Err(KktError::Field {
                field: format!("Positions.FiscalString[{}].MarkingCode", n + 1),
                message_ru: "код маркировки отклонён в сессии (ConfirmKM = 1)".into(),
                message_en: "the marking code was rejected in the session (ConfirmKM = 1)".into(),
            });
        }
        if let Some(ps) = req.planned_status {
            item["mark"]["planned_status"] = json!(ps);
        }
    }
    Ok(())
}

fn request_km(k: &mut Kkt, a: &[Arg<'_>]) -> Result<Reply, KktError> {
    let t = text(a, 1, "RequestKM")?;
    let d = device(k, a)?;
    if !d.km_open {
        return Err(refused(
            "сессия регистрации КМ не открыта (OpenSessionRegistrationKM)",
        ));
    }
    let r: xml::RequestKm = xml::parse("RequestKM", &t)?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(r.marking_code.trim())
        .map_err(|e| KktError::Field {
            field: "RequestKM.MarkingCode".into(),
            message_ru: format!("код маркировки не в Base64 ({e})"),
            message_en: format!("the marking code is not Base64 ({e})"),
        })?;
    // The local check: the code must be readable (fiskal-marks through the `mark` operation).
    fiskal_json::mark(&json!({"version": 1, "code_hex": hex::encode(&raw)}).to_string())?;
    d.km_pending.retain(|p| p.guid != r.guid);
    d.km_pending.push(super::methods::KmRequest {
        guid: r.guid,
        code: raw,
        planned_status: r.planned_status,
        confirmed: None,
        reported: false,
    });
    // Checking = false: no ФН checked the crypto tail (the cloud register does it when the
    // receipt is sent).
    let out = xml::RequestKmResult {
        checking: false,
        checking_result: false,
    };
    Ok(Reply::out(2, xml::write(&out)?))
}

fn processing_km_result(k: &mut Kkt, a: &[Arg<'_>]) -> Result<Reply, KktError> {
    let d = device(k, a)?;
    let Some(req) = d.km_pending.iter_mut().find(|r| !r.reported) else {
        return Err(refused("нет запросов КМ без ответа"));
    };
    req.reported = true;
    // No provider check of the code before the receipt: the answer of the marking system
    // cannot be received (RequestStatus 2), 2106 = 0 «not checked».
    let out = xml::ProcessingKmResult {
        guid: req.guid.clone(),
        result: false,
        result_code: 0,
    };
    Ok(Reply {
        ret: Out::Bool(true),
        outs: vec![(1, Out::Str(xml::write(&out)?)), (2, Out::Int(2))],
    })
}

fn confirm_km(k: &mut Kkt, a: &[Arg<'_>]) -> Result<Reply, KktError> {
    let guid = text(a, 1, "GUID")?;
    let kind = match a.get(2) {
        Some(Arg::I32(n)) => *n,
        Some(Arg::F64(f)) if *f == 0.0 || *f == 1.0 => i32::from(*f == 1.0),
        _ => {
            return Err(KktError::Field {
                field: "ConfirmationType".into(),
                message_ru: "ожидается 0 (принять) или 1 (отклонить)".into(),
                message_en: "expected 0 (accept) or 1 (reject)".into(),
            })
        }
    };
    let d = device(k, a)?;
    let Some(req) = d.km_pending.iter_mut().find(|r| r.guid == guid) else {
        return Err(refused(&format!("запроса КМ с GUID {guid} нет в сессии")));
    };
    req.confirmed = Some(kind == 0);
    Ok(Reply::ok())
}
