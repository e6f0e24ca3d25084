//! A mock 1C:Enterprise platform: loads the built add-in (`libfiskal_1c.so`) with `dlopen`,
//! exactly as the platform does, and drives it through the Native API's C++ interfaces.
//!
//! What the platform does, and so what this host does:
//!
//! * looks up `GetClassNames`, `GetClassObject`, `DestroyObject`, `SetPlatformCapabilities`
//!   and `GetAttachType`; calls `SetPlatformCapabilities(3)`, then `GetClassObject(name)`;
//! * treats the object as a C++ `IComponentBase`, which inherits four interfaces, each a
//!   vtable pointer at word 0, 1, 2, 3 of the object (`IInitDoneBase`, `ILanguageExtenderBase`,
//!   `LocaleBase`, `IUserLanguageBase`); the Itanium ABI (Linux) puts two destructor slots at
//!   the start of every vtable, MSVC one;
//! * gives it an `IMemoryManager` (`setMemManager`) and an `IAddInDefBase` connection (`Init`),
//!   calls `GetInfo`, `RegisterExtensionAs`, `SetLocale`, `SetUserInterfaceLanguageCode`;
//! * finds methods and properties by name (`FindMethod`, `FindProp`), passes arguments as an
//!   array of `tVariant` whose strings (UTF-16, `wstrLen` units) it allocated with its memory
//!   manager, and frees what the add-in returns with that same manager;
//! * calls `Done` and `DestroyObject` at the end.
//!
//! The memory manager records every block it hands out, so the tests can check that every
//! string the add-in returned came from it (a foreign pointer is recorded as an error when
//! freed) and that nothing leaks. The connection records `ExternalEvent`s.

#![allow(dead_code)] // Each test file uses part of the host.

mod platform;

use std::ffi::{c_int, c_long, c_void};
use std::path::PathBuf;
use std::ptr;
use std::sync::OnceLock;

use platform::{read_wstr, StrVal, VT_BLOB, VT_BOOL, VT_EMPTY, VT_I4, VT_PWSTR, VT_R8};
pub(crate) use platform::{Connection, MemoryManager, TVariant, Value};

use serde_json::Value as Json;

// ---------------------------------------------------------------------------------------------
// The library and its entry points
// ---------------------------------------------------------------------------------------------

type GetClassNames = unsafe extern "C" fn() -> *const u16;
type GetClassObject = unsafe extern "C" fn(*const u16, *mut *mut c_void) -> c_long;
type DestroyObject = unsafe extern "C" fn(*mut *mut c_void) -> c_long;
type SetPlatformCapabilities = unsafe extern "C" fn(c_int) -> c_int;
type GetAttachType = unsafe extern "C" fn() -> c_int;

/// The loaded add-in library and its five entry points.
pub(crate) struct Library {
    /// Where it was loaded from.
    pub(crate) path: PathBuf,
    pub(crate) get_class_names: GetClassNames,
    pub(crate) get_class_object: GetClassObject,
    pub(crate) destroy_object: DestroyObject,
    pub(crate) set_platform_capabilities: SetPlatformCapabilities,
    pub(crate) get_attach_type: GetAttachType,
    _lib: libloading::Library,
}

/// Where the add-in built for these tests is: `FISKAL_1C_LIB`, or next to the test binary
/// (`target/debug/deps/…` → `target/debug/libfiskal_1c.so`).
fn library_path() -> PathBuf {
    if let Some(p) = std::env::var_os("FISKAL_1C_LIB") {
        return PathBuf::from(p);
    }
    let file = libloading::library_filename("fiskal_1c");
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("test binary directory");
    [deps.join(&file), deps.join("..").join(&file)]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{file:?} not found next to {}", exe.display()))
}

/// The add-in, loaded once per test binary (the platform too loads a library once).
pub(crate) fn library() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| {
        let path = library_path();
        // SAFETY: loading the add-in runs no initialisers beyond Rust's own.
        let lib = unsafe { libloading::Library::new(&path) }
            .unwrap_or_else(|e| panic!("dlopen {}: {e}", path.display()));
        // SAFETY: the symbols have these signatures (the Native API's `ComponentBase.h`).
        unsafe {
            Library {
                get_class_names: *lib
                    .get::<GetClassNames>(b"GetClassNames\0")
                    .expect("GetClassNames"),
                get_class_object: *lib
                    .get::<GetClassObject>(b"GetClassObject\0")
                    .expect("GetClassObject"),
                destroy_object: *lib
                    .get::<DestroyObject>(b"DestroyObject\0")
                    .expect("DestroyObject"),
                set_platform_capabilities: *lib
                    .get::<SetPlatformCapabilities>(b"SetPlatformCapabilities\0")
                    .expect("SetPlatformCapabilities"),
                get_attach_type: *lib
                    .get::<GetAttachType>(b"GetAttachType\0")
                    .expect("GetAttachType"),
                path,
                _lib: lib,
            }
        }
    })
}

/// A NUL-terminated UTF-16 copy of `s`.
pub(crate) fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

impl Library {
    /// `GetClassNames()` as text.
    pub(crate) fn class_names(&self) -> String {
        // SAFETY: the entry point returns a static NUL-terminated string.
        unsafe { read_wstr((self.get_class_names)()) }.expect("class names")
    }
}

// ---------------------------------------------------------------------------------------------
// The component's interfaces
// ---------------------------------------------------------------------------------------------

type This = *mut c_void;

#[repr(C)]
struct InitDoneVTable {
    dtor: usize,
    #[cfg(unix)]
    dtor2: usize,
    init: unsafe extern "system" fn(This, *mut Connection) -> bool,
    set_mem_manager: unsafe extern "system" fn(This, *mut MemoryManager) -> bool,
    get_info: unsafe extern "system" fn(This) -> c_long,
    done: unsafe extern "system" fn(This),
}

#[repr(C)]
struct LanguageExtenderVTable {
    dtor: usize,
    #[cfg(unix)]
    dtor2: usize,
    register_extension_as: unsafe extern "system" fn(This, *mut *mut u16) -> bool,
    get_n_props: unsafe extern "system" fn(This) -> c_long,
    find_prop: unsafe extern "system" fn(This, *const u16) -> c_long,
    get_prop_name: unsafe extern "system" fn(This, c_long, c_long) -> *const u16,
    get_prop_val: unsafe extern "system" fn(This, c_long, *mut TVariant) -> bool,
    set_prop_val: unsafe extern "system" fn(This, c_long, *mut TVariant) -> bool,
    is_prop_readable: unsafe extern "system" fn(This, c_long) -> bool,
    is_prop_writable: unsafe extern "system" fn(This, c_long) -> bool,
    get_n_methods: unsafe extern "system" fn(This) -> c_long,
    find_method: unsafe extern "system" fn(This, *const u16) -> c_long,
    get_method_name: unsafe extern "system" fn(This, c_long, c_long) -> *const u16,
    get_n_params: unsafe extern "system" fn(This, c_long) -> c_long,
    get_param_def_value: unsafe extern "system" fn(This, c_long, c_long, *mut TVariant) -> bool,
    has_ret_val: unsafe extern "system" fn(This, c_long) -> bool,
    call_as_proc: unsafe extern "system" fn(This, c_long, *mut TVariant, c_long) -> bool,
    call_as_func:
        unsafe extern "system" fn(This, c_long, *mut TVariant, *mut TVariant, c_long) -> bool,
}

#[repr(C)]
struct LocaleVTable {
    dtor: usize,
    #[cfg(unix)]
    dtor2: usize,
    set_locale: unsafe extern "system" fn(This, *const u16),
}

#[repr(C)]
struct UserLanguageVTable {
    dtor: usize,
    #[cfg(unix)]
    dtor2: usize,
    set_user_interface_language_code: unsafe extern "system" fn(This, *const u16),
}

/// What a method call gave back.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Call {
    /// The boolean `CallAsFunc` / `CallAsProc` returned (false: the platform raises an exception).
    pub(crate) ok: bool,
    /// The return value (`Value::Empty` for `CallAsProc`).
    pub(crate) ret: Value,
}

/// One object `AddIn.Fiskal.Fiskal`, created and driven as the platform does.
pub(crate) struct AddIn {
    obj: *mut c_void,
    /// The platform's memory manager given to this object.
    pub(crate) mem: &'static MemoryManager,
    /// The platform's connection given to this object.
    pub(crate) conn: &'static Connection,
    /// What `RegisterExtensionAs` said.
    pub(crate) extension_name: String,
    /// What `GetInfo` said.
    pub(crate) info: c_long,
}

// The platform may drive an object from a thread other than the one that made it.
// SAFETY: the add-in's object is only ever used by one thread at a time here (`&mut`-free API,
// but each test keeps an `AddIn` to one thread at a time).
unsafe impl Send for AddIn {}

impl AddIn {
    /// Creates `Fiskal` as the platform does on `Новый("AddIn.Fiskal.Fiskal")`.
    pub(crate) fn new() -> AddIn {
        AddIn::with_class("Fiskal").expect("GetClassObject(\"Fiskal\")")
    }

    /// Creates `KKT` as the platform does on `Новый("AddIn.Fiskal.KKT")`.
    pub(crate) fn kkt() -> AddIn {
        AddIn::with_class("KKT").expect("GetClassObject(\"KKT\")")
    }

    /// Creates an object of class `class`; `None` if `GetClassObject` refuses it.
    pub(crate) fn with_class(class: &str) -> Option<AddIn> {
        let lib = library();
        // SAFETY: the entry point takes any capability number.
        let caps = unsafe { (lib.set_platform_capabilities)(3) };
        assert_eq!(caps, 3);
        let mut obj = ptr::null_mut();
        let name = wide(class);
        // SAFETY: a NUL-terminated name and a valid out-pointer.
        let made = unsafe { (lib.get_class_object)(name.as_ptr(), &mut obj) };
        if made == 0 {
            assert!(obj.is_null());
            return None;
        }
        assert!(!obj.is_null());
        let mem = MemoryManager::new();
        let conn = Connection::new();
        let mut addin = AddIn {
            obj,
            mem,
            conn,
            extension_name: String::new(),
            info: 0,
        };
        let (this, vt) = addin.init_done();
        // SAFETY: the object's first interface is IInitDoneBase; the manager and the connection
        // are leaked, so they outlive the object.
        unsafe {
            assert!((vt.set_mem_manager)(this, mem.as_ptr()));
            assert!((vt.init)(this, conn.as_ptr()));
            addin.info = (vt.get_info)(this);
        }
        let (this, vt) = addin.extender();
        let mut ext = ptr::null_mut();
        // SAFETY: a valid out-pointer; the name is allocated through our manager.
        assert!(unsafe { (vt.register_extension_as)(this, &mut ext) });
        addin.extension_name = addin.take_wstr(ext).expect("extension name");
        let ru = wide("ru_RU");
        let (this, vt) = addin.interface::<LocaleVTable>(2);
        // SAFETY: the third interface is LocaleBase.
        unsafe { (vt.set_locale)(this, ru.as_ptr()) };
        let ru = wide("ru");
        let (this, vt) = addin.interface::<UserLanguageVTable>(3);
        // SAFETY: the fourth interface is IUserLanguageBase (capabilities 3).
        unsafe { (vt.set_user_interface_language_code)(this, ru.as_ptr()) };
        Some(addin)
    }

    /// Interface `index` of the object: its `this` pointer and its vtable.
    fn interface<V>(&self, index: usize) -> (This, &'static V) {
        // SAFETY: the object starts with four vtable pointers (IComponentBase's bases), and the
        // vtables live as long as the object; `V` is the vtable type of that base.
        unsafe {
            let this = self.obj.cast::<*const V>().add(index);
            (this.cast(), &**this)
        }
    }

    fn init_done(&self) -> (This, &'static InitDoneVTable) {
        self.interface(0)
    }

    fn extender(&self) -> (This, &'static LanguageExtenderVTable) {
        self.interface(1)
    }

    /// Reads a string the add-in allocated through our manager, checks it is ours, frees it.
    fn take_wstr(&self, p: *const u16) -> Option<String> {
        if p.is_null() {
            return None;
        }
        assert!(
            self.mem.owns(p.cast()),
            "a string not allocated by the platform's manager"
        );
        // SAFETY: the add-in returns NUL-terminated names.
        let s = unsafe { read_wstr(p) };
        self.mem.free(p.cast_mut().cast());
        s
    }

    /// `FindMethod(name)`.
    pub(crate) fn find_method(&self, name: &str) -> c_long {
        let (this, vt) = self.extender();
        let w = wide(name);
        // SAFETY: a NUL-terminated name.
        unsafe { (vt.find_method)(this, w.as_ptr()) }
    }

    /// `FindProp(name)`.
    pub(crate) fn find_prop(&self, name: &str) -> c_long {
        let (this, vt) = self.extender();
        let w = wide(name);
        // SAFETY: a NUL-terminated name.
        unsafe { (vt.find_prop)(this, w.as_ptr()) }
    }

    /// `GetNMethods()`, `GetNProps()`.
    pub(crate) fn counts(&self) -> (c_long, c_long) {
        let (this, vt) = self.extender();
        // SAFETY: plain calls on the object.
        unsafe { ((vt.get_n_methods)(this), (vt.get_n_props)(this)) }
    }

    /// `GetMethodName(num, alias)`.
    pub(crate) fn method_name(&self, num: c_long, alias: c_long) -> Option<String> {
        let (this, vt) = self.extender();
        // SAFETY: a plain call; the name is allocated through our manager.
        let p = unsafe { (vt.get_method_name)(this, num, alias) };
        self.take_wstr(p)
    }

    /// `GetPropName(num, alias)`.
    pub(crate) fn prop_name(&self, num: c_long, alias: c_long) -> Option<String> {
        let (this, vt) = self.extender();
        // SAFETY: a plain call; the name is allocated through our manager.
        let p = unsafe { (vt.get_prop_name)(this, num, alias) };
        self.take_wstr(p)
    }

    /// `GetNParams(num)`, `HasRetVal(num)`.
    pub(crate) fn signature(&self, num: c_long) -> (c_long, bool) {
        let (this, vt) = self.extender();
        // SAFETY: plain calls.
        unsafe { ((vt.get_n_params)(this, num), (vt.has_ret_val)(this, num)) }
    }

    /// `GetParamDefValue(method, param)`: `Some(value)` if there is a default.
    pub(crate) fn default_value(&self, method: c_long, param: c_long) -> Option<Value> {
        let (this, vt) = self.extender();
        let mut v = TVariant::empty();
        // SAFETY: a valid variant.
        let has = unsafe { (vt.get_param_def_value)(this, method, param, &mut v) };
        let value = self.take_value(&mut v);
        has.then_some(value)
    }

    /// `IsPropReadable(num)`, `IsPropWritable(num)`.
    pub(crate) fn prop_access(&self, num: c_long) -> (bool, bool) {
        let (this, vt) = self.extender();
        // SAFETY: plain calls.
        unsafe {
            (
                (vt.is_prop_readable)(this, num),
                (vt.is_prop_writable)(this, num),
            )
        }
    }

    /// A 1C value as a `tVariant` whose memory comes from our manager (as the platform's does).
    fn make_variant(&self, v: &Value) -> TVariant {
        let mut t = TVariant::empty();
        match v {
            Value::Empty => {}
            Value::Bool(b) => {
                t.vt = VT_BOOL;
                t.value.b = *b;
            }
            Value::Int(i) => {
                t.vt = VT_I4;
                t.value.i4 = *i;
            }
            Value::Double(f) => {
                t.vt = VT_R8;
                t.value.r8 = *f;
            }
            Value::Str(s) => return self.make_variant(&Value::Utf16(s.encode_utf16().collect())),
            Value::Utf16(units) => {
                // Like the platform: room for a terminating NUL that `wstrLen` does not count.
                let p = self.mem.alloc((units.len() + 1) * 2).cast::<u16>();
                // SAFETY: `p` has room for `units.len() + 1` units.
                unsafe {
                    ptr::copy_nonoverlapping(units.as_ptr(), p, units.len());
                    *p.add(units.len()) = 0;
                }
                t.vt = VT_PWSTR;
                t.value.s = StrVal {
                    ptr: p.cast(),
                    len: u32::try_from(units.len()).expect("len"),
                };
            }
            Value::NullStr(len) | Value::NullBlob(len) => {
                t.vt = if matches!(v, Value::NullStr(_)) {
                    VT_PWSTR
                } else {
                    VT_BLOB
                };
                t.value.s = StrVal {
                    ptr: ptr::null_mut(),
                    len: *len,
                };
            }
            Value::Blob(bytes) => {
                let p = self.mem.alloc(bytes.len()).cast::<u8>();
                // SAFETY: `p` has room for the bytes.
                unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
                t.vt = VT_BLOB;
                t.value.s = StrVal {
                    ptr: p.cast(),
                    len: u32::try_from(bytes.len()).expect("len"),
                };
            }
        }
        t
    }

    /// Reads a `tVariant` and frees its memory through our manager (checking that it is ours).
    fn take_value(&self, t: &mut TVariant) -> Value {
        // SAFETY: `vt` says which union member is set.
        let v = unsafe {
            match t.vt {
                VT_EMPTY => Value::Empty,
                VT_BOOL => Value::Bool(t.value.b),
                VT_I4 => Value::Int(t.value.i4),
                VT_R8 => Value::Double(t.value.r8),
                VT_PWSTR | VT_BLOB => {
                    let StrVal { ptr: p, len } = t.value.s;
                    let len = len as usize;
                    assert!(
                        self.mem.owns(p) || (len == 0 && p.is_null()),
                        "a value not allocated by the platform's manager"
                    );
                    let v = if t.vt == VT_PWSTR {
                        let units = if len == 0 {
                            &[][..]
                        } else {
                            std::slice::from_raw_parts(p.cast::<u16>(), len)
                        };
                        Value::Str(
                            String::from_utf16(units).expect("the add-in returned bad UTF-16"),
                        )
                    } else {
                        let bytes = if len == 0 {
                            &[][..]
                        } else {
                            std::slice::from_raw_parts(p.cast::<u8>(), len)
                        };
                        Value::Blob(bytes.to_vec())
                    };
                    self.mem.free(p);
                    v
                }
                other => panic!("unexpected variant type {other}"),
            }
        };
        *t = TVariant::empty();
        v
    }

    /// Frees a `tVariant`'s memory (an argument the platform made) without reading it.
    fn free_value(&self, t: &mut TVariant) {
        if t.vt == VT_PWSTR || t.vt == VT_BLOB {
            // SAFETY: `vt` says the string member is set.
            let p = unsafe { t.value.s.ptr };
            assert!(
                self.mem.owns(p) || p.is_null(),
                "an argument replaced by foreign memory"
            );
            self.mem.free(p);
        }
        *t = TVariant::empty();
    }

    /// Calls method `name` as a function (`Результат = Объект.Метод(…)`), as the platform does:
    /// `FindMethod`, `GetNParams`, `HasRetVal`, then `CallAsFunc`; frees everything after.
    pub(crate) fn call(&self, name: &str, args: &[Value]) -> Call {
        self.invoke(name, args, true)
    }

    /// Calls method `name` as a procedure (`Объект.Метод(…);`): `CallAsProc`.
    pub(crate) fn call_proc(&self, name: &str, args: &[Value]) -> Call {
        self.invoke(name, args, false)
    }

    /// Calls method `name` as a function and reads every parameter back afterwards, as the
    /// platform copies the argument array back into the caller's variables (the output
    /// parameters of 1C's equipment-driver interface): the call and the parameters' values
    /// after it (the add-in's writes freed through our manager, checked to be ours).
    pub(crate) fn call_out(&self, name: &str, args: &[Value]) -> (Call, Vec<Value>) {
        let num = self.find_method(name);
        assert!(num >= 0, "no method {name}");
        let (n_params, has_ret) = self.signature(num);
        assert!(has_ret, "{name} has no return value");
        let n_params = usize::try_from(n_params).expect("count");
        assert!(args.len() <= n_params, "{name}: too many parameters");
        // As the platform does: a parameter left out is asked for with GetParamDefValue, and
        // one without a default is "Недостаточно фактических параметров" (a test failure here).
        let mut args = args.to_vec();
        for p in args.len()..n_params {
            let p = c_long::try_from(p).expect("index");
            let default = self
                .default_value(num, p)
                .unwrap_or_else(|| panic!("{name}: parameter {} has no default", p + 1));
            args.push(default);
        }
        let mut params: Vec<TVariant> = args.iter().map(|a| self.make_variant(a)).collect();
        let mut ret = TVariant::empty();
        let (this, vt) = self.extender();
        let count = c_long::try_from(params.len()).expect("count");
        let base = if params.is_empty() {
            ptr::null_mut()
        } else {
            params.as_mut_ptr()
        };
        // SAFETY: `params` holds `count` valid variants and `ret` is a valid empty variant.
        let ok = unsafe { (vt.call_as_func)(this, num, &mut ret, base, count) };
        let ret = self.take_value(&mut ret);
        let outs = params.iter_mut().map(|p| self.take_value(p)).collect();
        (Call { ok, ret }, outs)
    }

    fn invoke(&self, name: &str, args: &[Value], as_func: bool) -> Call {
        let num = self.find_method(name);
        assert!(num >= 0, "no method {name}");
        let (n_params, has_ret) = self.signature(num);
        let n_params = usize::try_from(n_params).expect("parameter count");
        assert!(args.len() <= n_params, "{name}: too many parameters");
        assert!(has_ret, "{name} has no return value");
        // Parameters left out are asked for with GetParamDefValue; without a default the
        // platform raises "Недостаточно фактических параметров".
        let mut args = args.to_vec();
        for p in args.len()..n_params {
            let p = c_long::try_from(p).expect("index");
            let default = self
                .default_value(num, p)
                .unwrap_or_else(|| panic!("{name}: parameter {} has no default", p + 1));
            args.push(default);
        }
        let mut params: Vec<TVariant> = args.iter().map(|a| self.make_variant(a)).collect();
        let mut ret = TVariant::empty();
        let (this, vt) = self.extender();
        let count = c_long::try_from(params.len()).expect("count");
        let base = if params.is_empty() {
            ptr::null_mut()
        } else {
            params.as_mut_ptr()
        };
        // SAFETY: `params` holds `count` valid variants and `ret` is a valid empty variant.
        let ok = unsafe {
            if as_func {
                (vt.call_as_func)(this, num, &mut ret, base, count)
            } else {
                (vt.call_as_proc)(this, num, base, count)
            }
        };
        let ret = self.take_value(&mut ret);
        for p in &mut params {
            // The platform frees its own argument strings.
            self.free_value(p);
        }
        Call { ok, ret }
    }

    /// `CallAsFunc(num, ret, params, count)` (or `CallAsProc` when `ret` is `None`) with whatever
    /// the caller built, NULLs and bad counts included; the caller keeps and frees its variants.
    /// The result variant, if any, is read and freed afterwards.
    ///
    /// # Safety
    ///
    /// `params` must be what a (possibly broken) platform could pass: NULL, or `count` readable
    /// and writable variants (a NULL data pointer in them is fine, a wild one is not).
    pub(crate) unsafe fn call_raw(
        &self,
        num: c_long,
        ret: Option<*mut TVariant>,
        params: *mut TVariant,
        count: c_long,
    ) -> (bool, Option<Value>) {
        let (this, vt) = self.extender();
        match ret {
            // SAFETY: the caller's contract: `params` is NULL or `count` valid variants.
            None => (unsafe { (vt.call_as_proc)(this, num, params, count) }, None),
            Some(r) if r.is_null() => (
                // SAFETY: as above; a NULL result is what is being tested.
                unsafe { (vt.call_as_func)(this, num, r, params, count) },
                None,
            ),
            Some(r) => {
                // SAFETY: as above; `r` is a valid variant of the caller's.
                let ok = unsafe { (vt.call_as_func)(this, num, r, params, count) };
                // SAFETY: `r` is non-NULL and the caller's valid variant.
                (ok, Some(self.take_value(unsafe { &mut *r })))
            }
        }
    }

    /// The add-in's entries that take a pointer, each given NULL (a broken platform): they must
    /// answer "no" (false, -1, nothing), never dereference it.
    pub(crate) fn null_pointers(&self) -> Vec<(&'static str, bool)> {
        let (this, vt) = self.extender();
        let (this0, vt0) = self.init_done();
        let (this2, vt2) = self.interface::<LocaleVTable>(2);
        let (this3, vt3) = self.interface::<UserLanguageVTable>(3);
        let num = self.find_method("ВТЛВ");
        // SAFETY: every call passes NULL where a pointer goes; the add-in must not read it.
        unsafe {
            (vt2.set_locale)(this2, ptr::null());
            (vt3.set_user_interface_language_code)(this3, ptr::null());
            vec![
                ("Init", (vt0.init)(this0, ptr::null_mut())),
                (
                    "setMemManager",
                    (vt0.set_mem_manager)(this0, ptr::null_mut()),
                ),
                (
                    "RegisterExtensionAs",
                    (vt.register_extension_as)(this, ptr::null_mut()),
                ),
                ("FindMethod", (vt.find_method)(this, ptr::null()) != -1),
                ("FindProp", (vt.find_prop)(this, ptr::null()) != -1),
                ("GetPropVal", (vt.get_prop_val)(this, 0, ptr::null_mut())),
                ("SetPropVal", (vt.set_prop_val)(this, 0, ptr::null_mut())),
                (
                    "GetParamDefValue",
                    (vt.get_param_def_value)(this, num, 0, ptr::null_mut()),
                ),
                (
                    "CallAsFunc(ret NULL)",
                    (vt.call_as_func)(this, num, ptr::null_mut(), ptr::null_mut(), 0),
                ),
            ]
        }
    }

    /// Reads property `name` (`Объект.Свойство`): `FindProp`, `IsPropReadable`, `GetPropVal`.
    pub(crate) fn prop(&self, name: &str) -> Option<Value> {
        let num = self.find_prop(name);
        if num < 0 {
            return None;
        }
        let (this, vt) = self.extender();
        let mut v = TVariant::empty();
        // SAFETY: a valid variant.
        let ok =
            unsafe { (vt.is_prop_readable)(this, num) && (vt.get_prop_val)(this, num, &mut v) };
        let value = self.take_value(&mut v);
        ok.then_some(value)
    }

    /// Writes property `name`: `SetPropVal`'s answer.
    pub(crate) fn set_prop(&self, name: &str, value: &Value) -> bool {
        let num = self.find_prop(name);
        let (this, vt) = self.extender();
        let mut v = self.make_variant(value);
        // SAFETY: a valid variant.
        let ok = unsafe { (vt.set_prop_val)(this, num, &mut v) };
        let _ = self.take_value(&mut v);
        ok
    }

    /// `ПоследняяОшибка` parsed as JSON; `None` when it is `""`.
    pub(crate) fn last_error(&self) -> Option<Json> {
        match self.prop("ПоследняяОшибка").expect("ПоследняяОшибка") {
            Value::Str(s) if s.is_empty() => None,
            Value::Str(s) => Some(serde_json::from_str(&s).expect("ПоследняяОшибка is JSON")),
            Value::Empty => None,
            other => panic!("ПоследняяОшибка is {other:?}"),
        }
    }

    /// Calls a method that must succeed and returns its result as JSON.
    pub(crate) fn ok(&self, name: &str, args: &[Value]) -> Json {
        let c = self.call(name, args);
        assert!(c.ok, "{name}: CallAsFunc returned false");
        let text = match &c.ret {
            Value::Str(s) => s.clone(),
            other => panic!("{name} returned {other:?}"),
        };
        assert!(
            !text.is_empty(),
            "{name} failed: {}",
            self.last_error().map(|e| e.to_string()).unwrap_or_default()
        );
        assert_eq!(
            self.last_error(),
            None,
            "{name}: ПоследняяОшибка after a success"
        );
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {text}"))
    }

    /// Calls a method that must fail the fiskal way (`""` and `ПоследняяОшибка`); returns the
    /// error JSON.
    pub(crate) fn err(&self, name: &str, args: &[Value]) -> Json {
        let c = self.call(name, args);
        assert!(c.ok, "{name}: CallAsFunc returned false (a 1C exception)");
        assert!(
            c.ret == Value::Str(String::new()) || c.ret == Value::Empty,
            "{name}: expected \"\", got {:?}",
            c.ret
        );
        self.last_error()
            .unwrap_or_else(|| panic!("{name}: no ПоследняяОшибка"))
    }
}

impl Drop for AddIn {
    fn drop(&mut self) {
        let (this, vt) = self.init_done();
        // SAFETY: Done, then DestroyObject, once, as the platform does.
        unsafe {
            (vt.done)(this);
            let r = (library().destroy_object)(&mut self.obj);
            if !std::thread::panicking() {
                assert_eq!(r, 0);
                assert!(self.obj.is_null());
            }
        }
    }
}
