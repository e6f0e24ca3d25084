//! The object `AddIn.Fiskal.Fiskal`: the Native API interface (`addin1c::RawAddin`) over the
//! method table of [`crate::methods`].

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use addin1c::{name, CStr1C, Connection, RawAddin, Variant};
use fiskal_json::{ApiError, Code};
use serde_json::json;

use crate::abi::{take_args, Arg};
use crate::args::{eq_ignore_case, Args};
use crate::methods::{MethodInfo, METHODS, PROPERTIES};
use crate::stateful::EventSink;

/// The extension name the platform puts after `AddIn.<name>.`.
const EXTENSION_NAME: &CStr1C = name!("Fiskal");

/// The event buffer depth asked of the platform: `ExternalEvent`s beyond it are dropped by
/// the platform while the configuration is busy (its default depth is 1).
const EVENT_BUFFER_DEPTH: std::ffi::c_long = 1000;

/// Runs `f`; a panic gives `default` instead of unwinding into the platform.
fn guard<R>(default: R, f: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(default)
}

/// One object of the add-in (the platform makes one per `Новый("AddIn.Fiskal.Fiskal")`).
///
/// The platform calls it from one thread at a time; it keeps the last error of its own
/// methods, so two objects never see each other's.
pub struct Fiskal {
    /// The platform's connection (`IAddInDefBase`), from `Init` until `Done`.
    connection: Option<&'static Connection>,
    /// `ПоследняяОшибка`: the error JSON of the last method call, `""` after a success.
    last_error: String,
    /// The provider client of `СоздатьКлиента`.
    pub(crate) client: Option<fiskal_json::Client>,
    /// The outbox of `ОткрытьОчередь`.
    pub(crate) outbox: Option<fiskal_json::OutboxHandle>,
    /// Where the outbox worker's events go (`ExternalEvent`).
    pub(crate) events: Arc<EventSink>,
    /// `Some` for an object of class `KKT` (the standard ККТ driver, `crate::kkt`): its
    /// methods replace the table of [`METHODS`].
    pub(crate) kkt: Option<Box<crate::kkt::Kkt>>,
}

impl std::fmt::Debug for Fiskal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fiskal")
            .field("connected", &self.connection.is_some())
            .field("last_error", &self.last_error)
            .field("client", &self.client)
            .field("outbox", &self.outbox)
            .finish()
    }
}

impl Default for Fiskal {
    fn default() -> Fiskal {
        Fiskal::new()
    }
}

impl Fiskal {
    /// A new object, not yet connected to a platform.
    pub fn new() -> Fiskal {
        Fiskal {
            connection: None,
            last_error: String::new(),
            client: None,
            outbox: None,
            events: Arc::new(EventSink::default()),
            kkt: None,
        }
    }

    /// A new object of class `KKT` (`AddIn.Fiskal.KKT`), the standard ККТ driver.
    pub fn new_kkt() -> Fiskal {
        let mut f = Fiskal::new();
        f.kkt = Some(Box::default());
        f
    }

    /// Runs a driver method (class `KKT`) and writes its output parameters into the caller's
    /// values; `None` for no such method. The arguments are copied by the method before any
    /// output is written over them.
    fn invoke_kkt(&mut self, num: usize, params: &mut [Variant<'_>]) -> Option<crate::kkt::Out> {
        let kkt = self.kkt.as_mut()?;
        let reply = match take_args() {
            Some(values) if values.len() == params.len() => kkt.call(num, &values)?,
            _ => {
                crate::kkt::KKT_METHODS.get(num)?;
                kkt.last_error = Some((
                    9,
                    "аргументы вызова не прочитаны на границе Native API".to_owned(),
                ));
                return Some(crate::kkt::Out::Bool(false));
            }
        };
        for (index, value) in reply.outs {
            if let Some(slot) = params.get_mut(index) {
                match value {
                    crate::kkt::Out::Str(text) => {
                        if slot.set_str1c(text.as_str()).is_err() {
                            slot.set_empty();
                        }
                    }
                    crate::kkt::Out::Int(n) => slot.set_i32(n),
                    crate::kkt::Out::Bool(b) => slot.set_bool(b),
                }
            }
        }
        Some(reply.ret)
    }

    /// `ПоследняяОшибка`: the error JSON of the last method call, or `""` if it succeeded.
    pub fn last_error(&self) -> &str {
        &self.last_error
    }

    /// Runs a method behind the panic boundary: a panic becomes error 104 (`panic`).
    pub(crate) fn dispatch(
        &mut self,
        method: &MethodInfo,
        values: &[Arg<'_>],
    ) -> Result<String, ApiError> {
        let args = Args {
            names: (method.name_ru, method.name_en),
            values,
        };
        match catch_unwind(AssertUnwindSafe(|| (method.run)(self, &args))) {
            Ok(result) => result,
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(ApiError::new(Code::Panic).details(json!({
                    "method": method.name_en,
                    "message": message,
                })))
            }
        }
    }

    /// Runs method `num` and records the outcome; `Some(result JSON or "")`, or `None` if there
    /// is no such method.
    ///
    /// The arguments are the ones [`crate::abi`] read from the platform's `tVariant`s for this
    /// call (`addin1c`'s own view of them, `params`, is only counted: its conversion is not
    /// safe for every value a host can pass).
    fn invoke(&mut self, num: usize, params: &[Variant<'_>]) -> Option<String> {
        let method = METHODS.get(num)?;
        let result = match take_args() {
            Some(values) if values.len() == params.len() => self.dispatch(method, &values),
            _ => Err(ApiError::with_messages(
                Code::Internal,
                "аргументы вызова не прочитаны на границе Native API",
                "the call's arguments were not read at the Native API boundary",
            )),
        };
        Some(match result {
            Ok(json) => {
                self.last_error.clear();
                json
            }
            Err(e) => {
                self.last_error = e.to_json();
                String::new()
            }
        })
    }

    /// Lets go of the platform (no event after this returns), then stops the worker and
    /// closes the journal and the client.
    fn release(&mut self) {
        self.events.set(None);
        self.connection = None;
        self.outbox = None;
        self.client = None;
        if let Some(k) = self.kkt.as_mut() {
            k.device = None;
        }
    }

    /// Stores `text` in a 1C value (UTF-16, allocated through the platform's memory manager).
    /// `false` if the platform could not allocate it; the value is then left empty (an empty
    /// string is `Неопределено` only if the platform refuses even a 0-byte allocation).
    fn store(&mut self, value: &mut Variant<'_>, text: &str) -> bool {
        if value.set_str1c(text).is_ok() {
            return true;
        }
        if text.is_empty() {
            value.set_empty();
            return true;
        }
        self.last_error = ApiError::with_messages(
            Code::Internal,
            "платформа не выделила память для результата",
            "the platform could not allocate memory for the result",
        )
        .details(json!({"utf16_len": text.encode_utf16().count()}))
        .to_json();
        let _ = value.set_str1c("");
        false
    }
}

/// Finds a name among `(ru, en)` pairs, ignoring case.
fn find<T>(
    entries: &[T],
    names: impl Fn(&T) -> (&'static CStr1C, &'static CStr1C),
    name: &CStr1C,
) -> Option<usize> {
    entries.iter().position(|e| {
        let (ru, en) = names(e);
        eq_ignore_case(name, ru) || eq_ignore_case(name, en)
    })
}

/// The name of an entry: alias 0 is the English name, any other the Russian (local) one.
fn alias_name(
    (ru, en): (&'static CStr1C, &'static CStr1C),
    alias: usize,
) -> Option<&'static CStr1C> {
    Some(if alias == 0 { en } else { ru })
}

impl RawAddin for Fiskal {
    fn init(&mut self, interface: &'static Connection) -> bool {
        guard(false, || {
            interface.set_event_buffer_depth(EVENT_BUFFER_DEPTH);
            self.connection = Some(interface);
            self.events.set(Some(interface));
            true
        })
    }

    fn get_info(&mut self) -> u16 {
        2000
    }

    fn done(&mut self) {
        guard((), || self.release());
    }

    fn register_extension_as(&mut self) -> &CStr1C {
        if self.kkt.is_some() {
            return name!("KKT");
        }
        EXTENSION_NAME
    }

    fn get_n_props(&mut self) -> usize {
        if self.kkt.is_some() {
            return 0;
        }
        PROPERTIES.len()
    }

    fn find_prop(&mut self, name: &CStr1C) -> Option<usize> {
        if self.kkt.is_some() {
            return None;
        }
        guard(None, || find(PROPERTIES, |p| p.names_1c, name))
    }

    fn get_prop_name(&mut self, num: usize, alias: usize) -> Option<&'static CStr1C> {
        alias_name(PROPERTIES.get(num)?.names_1c, alias)
    }

    fn get_prop_val(&mut self, num: usize, val: &mut Variant<'_>) -> bool {
        guard(false, || match PROPERTIES.get(num) {
            Some(p) => {
                let text = (p.get)(self);
                self.store(val, &text)
            }
            None => false,
        })
    }

    fn set_prop_val(&mut self, _num: usize, _val: &Variant<'_>) -> bool {
        false
    }

    fn is_prop_readable(&mut self, num: usize) -> bool {
        num < PROPERTIES.len()
    }

    fn is_prop_writable(&mut self, _num: usize) -> bool {
        false
    }

    fn get_n_methods(&mut self) -> usize {
        if self.kkt.is_some() {
            return crate::kkt::KKT_METHODS.len();
        }
        METHODS.len()
    }

    fn find_method(&mut self, name: &CStr1C) -> Option<usize> {
        if self.kkt.is_some() {
            return guard(None, || find(crate::kkt::KKT_METHODS, |m| m.names_1c, name));
        }
        guard(None, || find(METHODS, |m| m.names_1c, name))
    }

    fn get_method_name(&mut self, num: usize, alias: usize) -> Option<&'static CStr1C> {
        if self.kkt.is_some() {
            return alias_name(crate::kkt::KKT_METHODS.get(num)?.names_1c, alias);
        }
        alias_name(METHODS.get(num)?.names_1c, alias)
    }

    fn get_n_params(&mut self, num: usize) -> usize {
        if self.kkt.is_some() {
            return crate::kkt::KKT_METHODS.get(num).map_or(0, |m| m.params);
        }
        METHODS.get(num).map_or(0, |m| m.params)
    }

    fn get_param_def_value(
        &mut self,
        method_num: usize,
        param_num: usize,
        mut value: Variant<'_>,
    ) -> bool {
        // The driver's parameters have no defaults (БПО passes every one), except the fourth
        // of ProcessCorrectionCheck, which callers older than revision 4.4 leave out.
        if self.kkt.is_some() {
            return guard(false, || {
                if crate::kkt::methods::has_default(method_num, param_num) {
                    value.set_empty();
                    true
                } else {
                    false
                }
            });
        }
        // Only the optional timeouts have a default: 0 (the client's own timeouts).
        guard(false, || match METHODS.get(method_num) {
            Some(m) if param_num >= m.required && param_num < m.params => {
                value.set_i32(0);
                true
            }
            _ => false,
        })
    }

    fn has_ret_val(&mut self, num: usize) -> bool {
        if self.kkt.is_some() {
            return num < crate::kkt::KKT_METHODS.len();
        }
        num < METHODS.len()
    }

    fn call_as_proc(&mut self, num: usize, params: &mut [Variant<'_>]) -> bool {
        if self.kkt.is_some() {
            return guard(false, || self.invoke_kkt(num, params).is_some());
        }
        // Called as a statement (`Объект.ВТЛВ(Чек);`): the same call, the result dropped;
        // an error still goes to ПоследняяОшибка.
        guard(false, || self.invoke(num, params).is_some())
    }

    fn call_as_func(
        &mut self,
        num: usize,
        params: &mut [Variant<'_>],
        val: &mut Variant<'_>,
    ) -> bool {
        if self.kkt.is_some() {
            return guard(false, || match self.invoke_kkt(num, params) {
                Some(crate::kkt::Out::Bool(b)) => {
                    val.set_bool(b);
                    true
                }
                Some(crate::kkt::Out::Int(n)) => {
                    val.set_i32(n);
                    true
                }
                Some(crate::kkt::Out::Str(text)) => self.store(val, &text),
                None => false,
            });
        }
        guard(false, || match self.invoke(num, params) {
            Some(text) => self.store(val, &text),
            None => false,
        })
    }

    fn set_locale(&mut self, _loc: &[u16]) {}

    fn set_user_interface_language_code(&mut self, _lang: &[u16]) {}
}

impl Drop for Fiskal {
    fn drop(&mut self) {
        // The platform calls Done first; this covers a host that does not.
        guard((), || self.release());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_error_104() {
        let boom = MethodInfo {
            name_ru: "Взрыв",
            name_en: "Boom",
            params: 0,
            required: 0,
            names_1c: (name!("Взрыв"), name!("Boom")),
            run: |_, _| panic!("boom"),
        };
        let mut f = Fiskal::new();
        let e = f.dispatch(&boom, &[]).expect_err("panics");
        assert_eq!(e.code, Code::Panic);
        assert_eq!(
            e.details,
            Some(json!({"method": "Boom", "message": "boom"}))
        );
    }

    #[test]
    fn names_are_unique_ignoring_case() {
        let mut seen = std::collections::HashSet::new();
        for m in METHODS {
            assert!(seen.insert(m.name_ru.to_lowercase()), "{}", m.name_ru);
            assert!(seen.insert(m.name_en.to_lowercase()), "{}", m.name_en);
        }
        for p in PROPERTIES {
            assert!(seen.insert(p.name_ru.to_lowercase()), "{}", p.name_ru);
            assert!(seen.insert(p.name_en.to_lowercase()), "{}", p.name_en);
        }
    }
}
