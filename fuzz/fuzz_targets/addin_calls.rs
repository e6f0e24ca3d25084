//! The 1C add-in (`bindings/1c`, class `Fiskal`) driven through a mock platform (the test
//! host's `platform.rs`: memory manager, connection, `tVariant`) with arbitrary method ids,
//! parameter counts, variant types (known and unknown tags), data pointers (NULL or valid),
//! lengths and contents, as `CallAsFunc` and `CallAsProc`, plus property reads and the other
//! interface entries with NULL pointers.
//!
//! Properties: no crash, no abort, no UB the sanitizer sees; the add-in never frees or returns
//! memory that is not the platform's; every block it hands back is the manager's; nothing
//! leaks after the object is destroyed.
//!
//! An input that starts with the byte `K` drives the ККТ driver class `KKT` instead
//! ([`kkt`]): the same arbitrary calls on a fresh, unconnected object, then calls of the
//! driver's methods with their parameter count on one connected object (a journal in a
//! temporary directory, a route to a closed loopback port, `WaitTimeoutMs` 0), whose string
//! arguments are the driver's XML documents with fuzzed attribute values and insertions, or
//! arbitrary text. Beyond the properties above: a call with the declared parameter count
//! always returns to the platform (`CallAsFunc` true, never an exception raised into 1C) with
//! a `Булево` or `Число` result.
#![no_main]

#[allow(dead_code, unused_imports)]
#[path = "../../bindings/1c/tests/host/platform.rs"]
mod platform;

use std::ffi::{c_long, c_void};
use std::ptr;
use std::sync::atomic::Ordering;

use libfuzzer_sys::fuzz_target;
use platform::{Connection, MemoryManager, StrVal, TVariant};

type This = *mut c_void;

#[repr(C)]
struct InitDoneVTable {
    dtor: usize,
    dtor2: usize,
    init: unsafe extern "system" fn(This, *mut Connection) -> bool,
    set_mem_manager: unsafe extern "system" fn(This, *mut MemoryManager) -> bool,
    get_info: unsafe extern "system" fn(This) -> c_long,
    done: unsafe extern "system" fn(This),
}

#[repr(C)]
struct ExtenderVTable {
    dtor: usize,
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
struct SetterVTable {
    dtor: usize,
    dtor2: usize,
    set: unsafe extern "system" fn(This, *const u16),
}

struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }
    /// A chunk: a length byte (255: a 16-bit little-endian length follows), then up to that
    /// many bytes.
    fn chunk(&mut self) -> &'a [u8] {
        let n = match self.byte() {
            255 => usize::from(u16::from_le_bytes([self.byte(), self.byte()])),
            n => usize::from(n),
        };
        let n = n.min(self.0.len());
        let (c, rest) = self.0.split_at(n);
        self.0 = rest;
        c
    }
}

/// Builds one argument: its memory (if any) comes from the platform's manager, as the
/// platform's does; returns the variant.
fn variant(inp: &mut Input<'_>, mem: &MemoryManager) -> TVariant {
    let mut t = TVariant::empty();
    let kind = inp.byte();
    match kind % 12 {
        0 => {}
        1 => {
            t.vt = 11; // VTYPE_BOOL, any byte
            t.value.tm = [u64::from(inp.byte()); 7];
        }
        2 => {
            t.vt = 3;
            t.value.i4 = i32::from_le_bytes([inp.byte(), inp.byte(), inp.byte(), inp.byte()]);
        }
        3 => {
            t.vt = 5;
            t.value.r8 = f64::from_bits(u64::from(inp.u16()) << 48 | u64::from(inp.u16()));
        }
        4 => {
            // Any tag, value bytes that are never a valid pointer to follow (all small).
            t.vt = inp.u16();
            if t.vt == 22 || t.vt == 23 || t.vt == 8 || t.vt == 9 || t.vt == 12 {
                t.vt = 0x2000 | t.vt;
            }
            t.value.tm = [u64::from(inp.byte()); 7];
        }
        5 | 6 => {
            // A string (UTF-8 text or raw UTF-16 units).
            let bytes = inp.chunk();
            let units: Vec<u16> = if kind % 12 == 5 {
                String::from_utf8_lossy(bytes).encode_utf16().collect()
            } else {
                bytes
                    .chunks(2)
                    .map(|c| u16::from_le_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                    .collect()
            };
            let p = mem.alloc((units.len() + 1) * 2).cast::<u16>();
            // SAFETY: room for the units and a NUL.
            unsafe {
                ptr::copy_nonoverlapping(units.as_ptr(), p, units.len());
                *p.add(units.len()) = 0;
            }
            // A length up to the real one (never past the block).
            let len = if inp.byte() % 4 == 0 {
                inp.byte() as usize % (units.len() + 1)
            } else {
                units.len()
            };
            t.vt = 22;
            t.value.s = StrVal {
                ptr: p.cast(),
                len: len as u32,
            };
        }
        7 => {
            let bytes = inp.chunk();
            let p = mem.alloc(bytes.len()).cast::<u8>();
            if !bytes.is_empty() {
                // SAFETY: room for the bytes.
                unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
            }
            t.vt = 23;
            t.value.s = StrVal {
                ptr: p.cast(),
                len: bytes.len() as u32,
            };
        }
        8 | 9 => {
            // NULL data, length 0 or anything.
            t.vt = if kind % 12 == 8 { 22 } else { 23 };
            let len = if inp.byte() % 2 == 0 {
                0
            } else {
                u32::from(inp.u16()) << (inp.byte() % 17)
            };
            t.value.s = StrVal {
                ptr: ptr::null_mut(),
                len,
            };
        }
        10 => {
            t.vt = 7; // VTYPE_TM, any fields
            t.value.tm = [u64::from(inp.u16()) * 0x0001_0001_0001; 7];
        }
        _ => {
            t.vt = 1; // VTYPE_NULL
        }
    }
    t
}

/// Frees an argument the way the platform frees its own.
fn free_variant(t: &mut TVariant, mem: &MemoryManager) {
    if t.vt == 22 || t.vt == 23 {
        // SAFETY: the string member is set.
        let p = unsafe { t.value.s.ptr };
        assert!(
            p.is_null() || mem.owns(p),
            "an argument replaced by foreign memory"
        );
        mem.free(p);
    }
    *t = TVariant::empty();
}

/// Takes back a value the add-in returned: it must be the platform's memory.
fn take_result(t: &mut TVariant, mem: &MemoryManager) {
    if t.vt == 22 || t.vt == 23 {
        // SAFETY: the string member is set.
        let p = unsafe { t.value.s.ptr };
        assert!(
            mem.owns(p),
            "a result not allocated by the platform's manager"
        );
        mem.free(p);
    }
    *t = TVariant::empty();
}

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

fuzz_target!(|data: &[u8]| {
    if let Some((b'K', rest)) = data.split_first() {
        kkt(rest);
        return;
    }
    let mut inp = Input(data);
    // One platform for the whole run (its manager and connection are leaked once, on purpose).
    static PLATFORM: std::sync::OnceLock<(usize, usize)> = std::sync::OnceLock::new();
    let &(m, c) = PLATFORM.get_or_init(|| {
        (
            ptr::from_ref(MemoryManager::new()) as usize,
            ptr::from_ref(Connection::new()) as usize,
        )
    });
    // SAFETY: leaked above, never freed.
    let (mem, conn) = unsafe { (&*(m as *const MemoryManager), &*(c as *const Connection)) };
    let name = wide("Fiskal");
    let mut obj: *mut c_void = ptr::null_mut();
    // SAFETY: the entry points of the linked add-in, called as the platform does.
    unsafe {
        assert_eq!(fiskal_1c::GetClassObject(name.as_ptr(), &mut obj), 1);
    }
    let slots = obj.cast::<*const c_void>();
    // SAFETY: the object's four interfaces (ComponentBase.h), alive until DestroyObject.
    let (this0, vt0, this1, vt1, this2, vt2) = unsafe {
        (
            obj,
            &*(*slots).cast::<InitDoneVTable>(),
            slots.add(1).cast_mut().cast::<c_void>(),
            &*(*slots.add(1)).cast::<ExtenderVTable>(),
            slots.add(2).cast_mut().cast::<c_void>(),
            &*(*slots.add(2)).cast::<SetterVTable>(),
        )
    };
    // SAFETY: valid manager and connection (leaked / boxed for the object's life).
    unsafe {
        assert!((vt0.set_mem_manager)(this0, mem.as_ptr()));
        assert!((vt0.init)(this0, conn.as_ptr()));
    }
    mem.refuse_over.store(usize::MAX, Ordering::SeqCst);
    let n_methods = unsafe { (vt1.get_n_methods)(this1) };
    for _ in 0..6 {
        if inp.0.is_empty() {
            break;
        }
        let op = inp.byte();
        // A broken allocator now and then (only the add-in's allocations are affected).
        mem.null_blocks.store(op & 0x40 != 0, Ordering::SeqCst);
        mem.refuse_empty.store(op & 0x20 != 0, Ordering::SeqCst);
        match op % 8 {
            0..=4 => {
                let raw = inp.byte();
                let num = if raw < 0xF0 {
                    c_long::from(raw) % (n_methods + 2)
                } else {
                    -c_long::from(raw - 0xEF)
                };
                let count = usize::from(inp.byte() % 5);
                let mut params: Vec<TVariant> =
                    (0..count).map(|_| variant(&mut inp, mem)).collect();
                let shape = inp.byte();
                let (base, n) = match shape % 8 {
                    0 => (ptr::null_mut(), count as c_long), // NULL array
                    1 => (params.as_mut_ptr(), -(count as c_long) - 1), // negative count
                    2 if count > 0 => (params.as_mut_ptr(), (count - 1) as c_long), // fewer
                    _ if count == 0 => (ptr::null_mut(), 0),
                    _ => (params.as_mut_ptr(), count as c_long),
                };
                let mut ret = if shape & 0x80 != 0 {
                    variant(&mut inp, mem)
                } else {
                    TVariant::empty()
                };
                // SAFETY: the string member is read only for the string tags.
                let ret_allocated =
                    (ret.vt == 22 || ret.vt == 23) && !unsafe { ret.value.s.ptr }.is_null();
                // SAFETY: what a (possibly broken) platform passes; all memory is valid or NULL.
                unsafe {
                    if shape & 0x10 != 0 {
                        (vt1.call_as_proc)(this1, num, base, n);
                    } else if shape & 0x20 != 0 {
                        (vt1.call_as_func)(this1, num, ptr::null_mut(), base, n);
                    } else {
                        (vt1.call_as_func)(this1, num, &mut ret, base, n);
                    }
                }
                if ret_allocated
                    && (ret.vt == 22 || ret.vt == 23)
                    && !mem.owns(unsafe { ret.value.s.ptr })
                {
                    // The platform's own value came back untouched but was freed? It must not be.
                    panic!("the result variant points at freed memory");
                }
                if ret.vt == 22 || ret.vt == 23 {
                    let p = unsafe { ret.value.s.ptr };
                    if !p.is_null() {
                        take_result(&mut ret, mem);
                    }
                }
                for p in &mut params {
                    free_variant(p, mem);
                }
            }
            5 => {
                let num = c_long::from(inp.byte() % 4) - 1;
                let mut v = TVariant::empty();
                // SAFETY: a valid or NULL variant.
                unsafe {
                    let ok = if inp.byte() % 4 == 0 {
                        (vt1.get_prop_val)(this1, num, ptr::null_mut())
                    } else {
                        (vt1.get_prop_val)(this1, num, &mut v)
                    };
                    let _ = ok;
                    if v.vt == 22 && !v.value.s.ptr.is_null() {
                        take_result(&mut v, mem);
                    }
                    let mut w = variant(&mut inp, mem);
                    (vt1.set_prop_val)(this1, num, &mut w);
                    free_variant(&mut w, mem);
                }
            }
            6 => {
                let text = String::from_utf8_lossy(inp.chunk()).into_owned();
                let w = wide(&text);
                let p = if inp.byte() % 4 == 0 {
                    ptr::null()
                } else {
                    w.as_ptr()
                };
                // SAFETY: NUL-terminated names or NULL.
                unsafe {
                    let _ = (vt1.find_method)(this1, p);
                    let _ = (vt1.find_prop)(this1, p);
                    (vt2.set)(this2, p);
                    let num = c_long::from(inp.byte()) - 3;
                    for alias in [0, 1, 2] {
                        let name = (vt1.get_method_name)(this1, num, alias);
                        if !name.is_null() {
                            assert!(mem.owns(name.cast()));
                            mem.free(name.cast_mut().cast());
                        }
                        let name = (vt1.get_prop_name)(this1, num, alias);
                        if !name.is_null() {
                            assert!(mem.owns(name.cast()));
                            mem.free(name.cast_mut().cast());
                        }
                    }
                    let _ = (
                        (vt1.get_n_params)(this1, num),
                        (vt1.has_ret_val)(this1, num),
                    );
                    let _ = (
                        (vt1.is_prop_readable)(this1, num),
                        (vt1.is_prop_writable)(this1, num),
                    );
                    let mut d = TVariant::empty();
                    let param = c_long::from(inp.byte() % 4) - 1;
                    if (vt1.get_param_def_value)(this1, num, param, &mut d) {
                        take_result(&mut d, mem);
                    }
                    let _ = (vt1.get_param_def_value)(this1, num, param, ptr::null_mut());
                }
            }
            _ => {
                // SAFETY: NULL where pointers go: each entry must refuse, not dereference.
                unsafe {
                    let mut ext = ptr::null_mut();
                    if (vt1.register_extension_as)(this1, &mut ext) {
                        assert!(mem.owns(ext.cast()));
                        mem.free(ext.cast());
                    }
                    assert!(!(vt1.register_extension_as)(this1, ptr::null_mut()));
                    assert!(!(vt0.init)(this0, ptr::null_mut()));
                    assert!(!(vt0.set_mem_manager)(this0, ptr::null_mut()));
                    let _ = (vt0.get_info)(this0);
                }
            }
        }
    }
    mem.null_blocks.store(false, Ordering::SeqCst);
    mem.refuse_empty.store(false, Ordering::SeqCst);
    // SAFETY: Done, then DestroyObject, once.
    unsafe {
        (vt0.done)(this0);
        assert_eq!(fiskal_1c::DestroyObject(&mut obj), 0);
    }
    assert_eq!(
        mem.foreign_frees(),
        0,
        "the add-in freed memory the platform did not give it"
    );
    assert_eq!(
        mem.live_blocks(),
        0,
        "memory the add-in allocated was not handed back"
    );
});

/// The platform shared by every run (leaked once, on purpose).
fn platform() -> (&'static MemoryManager, &'static Connection) {
    static PLATFORM: std::sync::OnceLock<(usize, usize)> = std::sync::OnceLock::new();
    let &(m, c) = PLATFORM.get_or_init(|| {
        (
            ptr::from_ref(MemoryManager::new()) as usize,
            ptr::from_ref(Connection::new()) as usize,
        )
    });
    // SAFETY: leaked by `MemoryManager::new` / `Connection::new`, never freed.
    unsafe { (&*(m as *const MemoryManager), &*(c as *const Connection)) }
}

/// An object of class `class`, initialised on the platform: its pointer and interfaces.
struct Object {
    obj: *mut c_void,
    this0: This,
    vt0: &'static InitDoneVTable,
    this1: This,
    vt1: &'static ExtenderVTable,
}

impl Object {
    fn new(class: &str, mem: &MemoryManager, conn: &Connection) -> Object {
        let name = wide(class);
        let mut obj: *mut c_void = ptr::null_mut();
        // SAFETY: the entry points of the linked add-in, called as the platform does.
        unsafe {
            assert_eq!(fiskal_1c::GetClassObject(name.as_ptr(), &mut obj), 1);
        }
        let slots = obj.cast::<*const c_void>();
        // SAFETY: the object's interfaces (ComponentBase.h), alive until DestroyObject.
        let o = unsafe {
            Object {
                obj,
                this0: obj,
                vt0: &*(*slots).cast::<InitDoneVTable>(),
                this1: slots.add(1).cast_mut().cast::<c_void>(),
                vt1: &*(*slots.add(1)).cast::<ExtenderVTable>(),
            }
        };
        // SAFETY: valid manager and connection.
        unsafe {
            assert!((o.vt0.set_mem_manager)(o.this0, mem.as_ptr()));
            assert!((o.vt0.init)(o.this0, conn.as_ptr()));
        }
        o
    }

    fn method(&self, name: &str) -> c_long {
        let w = wide(name);
        // SAFETY: a NUL-terminated name.
        unsafe { (self.vt1.find_method)(self.this1, w.as_ptr()) }
    }

    fn destroy(mut self) {
        // SAFETY: Done, then DestroyObject, once.
        unsafe {
            (self.vt0.done)(self.this0);
            assert_eq!(fiskal_1c::DestroyObject(&mut self.obj), 0);
        }
    }
}

/// A `Строка` argument in the platform's memory.
fn string_variant(text: &str, mem: &MemoryManager) -> TVariant {
    let units: Vec<u16> = text.encode_utf16().collect();
    let p = mem.alloc((units.len() + 1) * 2).cast::<u16>();
    // SAFETY: room for the units and a NUL.
    unsafe {
        ptr::copy_nonoverlapping(units.as_ptr(), p, units.len());
        *p.add(units.len()) = 0;
    }
    let mut t = TVariant::empty();
    t.vt = 22;
    t.value.s = StrVal {
        ptr: p.cast(),
        len: units.len() as u32,
    };
    t
}

/// The driver's XML documents, the shapes 1C passes (the attribute values get fuzzed).
const TEMPLATES: &[&str] = &[
    r#"<CheckPackage><Parameters CashierName="К" CashierINN="" OperationType="1" TaxationSystem="0" CustomerEmail="a@b.ru" SaleAddress="А" SaleLocation="https://x.ru" AgentType="5"><CorrectionData Type="0" Date="2026-01-10T00:00:00" Number="1" Description="d"/><CustomerDetail Info="И" INN="7707083893" DateOfBirth="01.01.1990"/><AgentData AgentPhone="+79990000001" AgentOperation="о"/><VendorData VendorName="П" VendorINN="500100732259" VendorPhone="+7999"/><UserAttribute Name="n" Value="v"/><OperationalAttribute OperationID="0" OperationData="d" DateTime="2026-01-10T10:00:00"/><IndustryAttribute IdentifierFOIV="030" DocumentDate="26.03.2022" DocumentNumber="477" AttributeValue="x"/></Parameters><Positions><FiscalString Name="Т" Quantity="1.5" PriceWithDiscount="10.00" AmountWithDiscount="15.00" DiscountAmount="0" Department="1" VATRate="22/122" VATAmount="2.70" PaymentMethod="4" CalculationSubject="33" CalculationAgent="1" MeasureOfQuantity="11" CountryOfOrigin="643" CustomsDeclaration="1" ExciseAmount="1.00" AdditionalAttribute="u" MarkingCode="MDEwNDYwMTIzNDU2Nzg5MzIxNVJ0JUtwMihMbTgveB05MUZGMDEdOTJsSDJaUlo4b3hZeWJnKzlzVk80MEo1ZGV1TXhKY1NIcTI0SXNISWZZdWZBPQ=="><FractionalQuantity Numerator="1" Denominator="2"/><GoodCodeData EAN13="NDYwMTIzNDU2Nzg5Mw=="/><AgentData/><VendorData/><IndustryAttribute/></FiscalString><TextString Text="t"/><Barcode Type="QR" ValueBase64="eA=="/></Positions><Payments Cash="15" ElectronicPayment="0" PrePayment="0" PostPayment="0" Barter="0"/></CheckPackage>"#,
    r#"<CheckPackage><Parameters CashierName="К" OperationType="2" TaxationSystem="1"/><Positions><FiscalString Name="У" Quantity="1" PriceWithDiscount="5" AmountWithDiscount="5" VATRate="none" PaymentMethod="1" CalculationSubject="4"/></Positions><Payments ElectronicPayment="5"/></CheckPackage>"#,
    r#"<RequestKM GUID="6f1c2d3e-0000-4000-8000-000000000001" WaitForResult="true" MarkingCode="MDEwNDYwMTIzNDU2Nzg5MzIxNVJ0JUtwMihMbTgveB05MUZGMDEdOTJsSDJaUlo4b3hZeWJnKzlzVk80MEo1ZGV1TXhKY1NIcTI0SXNISWZZdWZBPQ==" PlannedStatus="1" Quantity="1" MeasureOfQuantity="0"><FractionalQuantity Numerator="1" Denominator="2"/></RequestKM>"#,
    r#"<InputParameters><Parameters CashierName="К" CashierINN="500100732259" SaleAddress="А" SaleLocation="М" PrintRequired="false"/></InputParameters>"#,
    r#"<Document><Positions><TextString Text="t"/><Barcode Type="EAN13" ValueBase64="NDYwMTIzNDU2Nzg5Mw=="/></Positions></Document>"#,
    r#"<Parameters><Parameter Name="JournalPath" Value=""/><Parameter Name="TaxationSystems" Value="0,1"/><Parameter Name="FFDVersion" Value="1.2"/></Parameters>"#,
    "fiskal-kkt-1",
    "6f1c2d3e-0000-4000-8000-000000000001",
];

/// A template with fuzzed edits: attribute values replaced, text inserted (on char boundaries).
fn document(inp: &mut Input<'_>) -> String {
    let mut text = TEMPLATES[usize::from(inp.byte()) % TEMPLATES.len()].to_owned();
    for _ in 0..inp.byte() % 4 {
        let what = inp.byte();
        let piece = String::from_utf8_lossy(inp.chunk()).into_owned();
        let starts: Vec<usize> = text.match_indices("=\"").map(|(i, _)| i + 2).collect();
        if what % 2 == 0 && !starts.is_empty() {
            let at = starts[usize::from(inp.byte()) % starts.len()];
            let end = text[at..].find('"').map_or(text.len(), |e| at + e);
            text.replace_range(at..end, &piece);
        } else {
            let mut at = usize::from(inp.u16()) % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, &piece);
        }
    }
    text
}

/// The connected driver object shared by the runs (connecting opens a journal and starts a
/// worker: too slow for every run). Its memory is Rust's, never the manager's.
fn connected(mem: &MemoryManager, conn: &Connection) -> usize {
    static OBJECT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *OBJECT.get_or_init(|| {
        let o = Object::new("KKT", mem, conn);
        let dir = std::env::temp_dir().join(format!("fiskal-fuzz-kkt-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let settings = r#"{"routes": {"atol": {"provider": {"provider": "atol", "api": "v5", "preset": "test", "base_url": "http://127.0.0.1:9/possystem/v5/", "password": "x"}}}, "default_route": "atol", "worker": {"concurrency": 1, "lease_ms": 5000, "call_timeout_ms": 200, "idle_wait_ms": 50, "drain_timeout_ms": 200}}"#;
        let esc = |v: &str| v.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
        let params = format!(
            r#"<Parameters><Parameter Name="OutboxSettings" Value="{}"/><Parameter Name="JournalPath" Value="{}"/><Parameter Name="WaitTimeoutMs" Value="0"/><Parameter Name="CompanyINN" Value="5544332219"/><Parameter Name="PaymentPlace" Value="https://x.ru"/></Parameters>"#,
            esc(settings),
            esc(&dir.join("outbox.db").to_string_lossy())
        );
        let num = o.method("ConnectEquipment");
        let mut args = [
            string_variant("ККТ", mem),
            string_variant(&params, mem),
            TVariant::empty(),
        ];
        let mut ret = TVariant::empty();
        // SAFETY: three valid arguments and a valid result.
        let ok = unsafe { (o.vt1.call_as_func)(o.this1, num, &mut ret, args.as_mut_ptr(), 3) };
        assert!(ok);
        // SAFETY: a Булево result.
        assert!(ret.vt == 11 && unsafe { ret.value.tm[0] } & 0xFF != 0, "connected");
        for a in &mut args {
            take_result(a, mem);
        }
        let addr = o.obj as usize;
        std::mem::forget(o);
        addr
    })
}

fn kkt(data: &[u8]) {
    let mut inp = Input(data);
    let (mem, conn) = platform();
    mem.refuse_over.store(usize::MAX, Ordering::SeqCst);
    // 1. Arbitrary calls on a fresh object, nothing connected.
    let fresh = Object::new("KKT", mem, conn);
    // SAFETY: a plain call.
    let n_methods = unsafe { (fresh.vt1.get_n_methods)(fresh.this1) };
    for _ in 0..inp.byte() % 4 {
        let num = c_long::from(inp.byte()) % (n_methods + 2) - 1;
        let count = usize::from(inp.byte() % 6);
        let mut params: Vec<TVariant> = (0..count)
            .map(|_| {
                if inp.byte() % 2 == 0 {
                    string_variant(&document(&mut inp), mem)
                } else {
                    variant(&mut inp, mem)
                }
            })
            .collect();
        let mut ret = TVariant::empty();
        let base = if count == 0 {
            ptr::null_mut()
        } else {
            params.as_mut_ptr()
        };
        // SAFETY: valid or NULL memory, as a platform passes it.
        unsafe { (fresh.vt1.call_as_func)(fresh.this1, num, &mut ret, base, count as c_long) };
        // SAFETY: the string member is read only for the string tags.
        if (ret.vt == 22 || ret.vt == 23) && !unsafe { ret.value.s.ptr }.is_null() {
            take_result(&mut ret, mem);
        }
        for p in &mut params {
            // An output the add-in wrote, or our own argument: the manager's (or NULL) either way.
            free_variant(p, mem);
        }
    }
    fresh.destroy();
    // 2. The driver's methods with their parameter count on the connected object.
    let obj = connected(mem, conn) as *mut c_void;
    let slots = obj.cast::<*const c_void>();
    // SAFETY: the connected object's extender interface, alive for the process.
    let (this1, vt1) = unsafe {
        (
            slots.add(1).cast_mut().cast::<c_void>(),
            &*(*slots.add(1)).cast::<ExtenderVTable>(),
        )
    };
    // SAFETY: a plain call.
    let n_methods = unsafe { (vt1.get_n_methods)(this1) };
    let skip = ["ConnectEquipment", "DisconnectEquipment", "Open", "Close"].map(|n| {
        let w = wide(n);
        // SAFETY: a NUL-terminated name.
        unsafe { (vt1.find_method)(this1, w.as_ptr()) }
    });
    for _ in 0..6 {
        if inp.0.is_empty() {
            break;
        }
        let num = c_long::from(inp.byte()) % n_methods;
        if skip.contains(&num) {
            continue;
        }
        // SAFETY: a plain call.
        let count = usize::try_from(unsafe { (vt1.get_n_params)(this1, num) }).unwrap_or(0);
        let mut params: Vec<TVariant> = (0..count)
            .map(|i| match inp.byte() % 5 {
                _ if i == 0 && inp.byte() % 8 != 0 => string_variant("fiskal-kkt-1", mem),
                0 | 1 | 2 => string_variant(&document(&mut inp), mem),
                3 => variant(&mut inp, mem),
                _ => TVariant::empty(),
            })
            .collect();
        let mut ret = TVariant::empty();
        let base = if count == 0 {
            ptr::null_mut()
        } else {
            params.as_mut_ptr()
        };
        // SAFETY: `count` valid arguments and a valid result.
        let ok = unsafe { (vt1.call_as_func)(this1, num, &mut ret, base, count as c_long) };
        assert!(ok, "method {num} raised into the platform");
        assert!(
            ret.vt == 11 || ret.vt == 3,
            "method {num} returned type {} instead of Булево / Число",
            ret.vt
        );
        for p in &mut params {
            free_variant(p, mem);
        }
    }
    assert_eq!(
        mem.foreign_frees(),
        0,
        "the add-in freed memory the platform did not give it"
    );
    assert_eq!(
        mem.live_blocks(),
        0,
        "memory the add-in allocated was not handed back"
    );
}
