//! The platform's side of the Native API for the mock host: `tVariant`, `IMemoryManager` and the
//! connection `IAddInDefBase`, laid out as the C++ interfaces of the 1C SDK (`types.h`,
//! `IMemoryManager.h`, `AddInDefBase.h`).

use std::alloc::{alloc, dealloc, Layout};
use std::collections::HashMap;
use std::ffi::{c_long, c_ulong, c_ushort, c_void};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// tVariant
// ---------------------------------------------------------------------------------------------

/// `VTYPE_EMPTY`.
pub(crate) const VT_EMPTY: u16 = 0;
/// `VTYPE_I4`.
pub(crate) const VT_I4: u16 = 3;
/// `VTYPE_R8`.
pub(crate) const VT_R8: u16 = 5;
/// `VTYPE_BOOL`.
pub(crate) const VT_BOOL: u16 = 11;
/// `VTYPE_PWSTR`.
pub(crate) const VT_PWSTR: u16 = 22;
/// `VTYPE_BLOB`.
pub(crate) const VT_BLOB: u16 = 23;

/// `{pwstrVal, wstrLen}` / `{pstrVal, strLen}`.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct StrVal {
    pub(crate) ptr: *mut c_void,
    pub(crate) len: u32,
}

/// The value union of `tVariant` (its largest member is `struct tm`: 56 bytes on Linux).
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) union VariantValue {
    pub(crate) b: bool,
    pub(crate) i4: i32,
    pub(crate) r8: f64,
    pub(crate) s: StrVal,
    pub(crate) tm: Tm,
}

/// `struct tm` as raw words. Linux (glibc): nine `int`s, then `tm_gmtoff` and `tm_zone`, 56
/// bytes. Windows (the CRT's `struct tm`, which MinGW shares): the nine `int`s alone, 36 bytes,
/// so the union and `tVariant` are smaller there (48 bytes on x86-64).
#[cfg(unix)]
type Tm = [u64; 7];
#[cfg(windows)]
type Tm = [u32; 9];

/// `tVariant` of the Native API's `types.h`.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct TVariant {
    pub(crate) value: VariantValue,
    pub(crate) elements: u32,
    pub(crate) vt: u16,
}

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
const _: () = assert!(std::mem::size_of::<TVariant>() == 64);
#[cfg(all(windows, target_pointer_width = "64"))]
const _: () = assert!(std::mem::size_of::<TVariant>() == 48);

impl TVariant {
    pub(crate) fn empty() -> TVariant {
        TVariant {
            value: VariantValue { tm: Tm::default() },
            elements: 0,
            vt: VT_EMPTY,
        }
    }

    /// Fills the value with garbage: every word of the union (`struct tm`'s size) set to
    /// `byte`, so the first byte of the value is `byte` whatever the type says.
    pub(crate) fn fill_value(&mut self, byte: u8) {
        let mut words = Tm::default();
        for w in &mut words {
            *w = byte.into();
        }
        self.value.tm = words;
    }
}

/// A 1C value as the host sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// `Неопределено`.
    Empty,
    /// `Булево`.
    Bool(bool),
    /// `Число` (whole).
    Int(i32),
    /// `Число`.
    Double(f64),
    /// `Строка`.
    Str(String),
    /// `ДвоичныеДанные`.
    Blob(Vec<u8>),
    /// A string with raw UTF-16 units (for lone surrogates).
    Utf16(Vec<u16>),
    /// A `VTYPE_PWSTR` whose pointer is NULL and whose `wstrLen` is this (0: what a platform
    /// may pass for `""`; more: a broken value that must be an argument error, never a read).
    NullStr(u32),
    /// A `VTYPE_BLOB` whose pointer is NULL and whose `strLen` is this.
    NullBlob(u32),
}

impl Value {
    /// The string, or a panic naming what it was.
    pub(crate) fn str(&self) -> &str {
        match self {
            Value::Str(s) => s,
            other => panic!("expected a string, got {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// IMemoryManager
// ---------------------------------------------------------------------------------------------

#[repr(C)]
pub(crate) struct MemoryManagerVTable {
    dtor: usize,
    #[cfg(unix)]
    dtor2: usize,
    alloc_memory: unsafe extern "system" fn(*mut MemoryManager, *mut *mut c_void, c_ulong) -> bool,
    free_memory: unsafe extern "system" fn(*mut MemoryManager, *mut *mut c_void),
}

/// The platform's memory manager: every block is recorded until it is freed.
#[repr(C)]
pub(crate) struct MemoryManager {
    vptr: &'static MemoryManagerVTable,
    /// Live blocks: address → size in bytes.
    live: Mutex<HashMap<usize, usize>>,
    /// Frees of pointers this manager never gave out (or gave out and already took back).
    foreign_frees: AtomicUsize,
    /// How many blocks were handed out in all.
    allocations: AtomicUsize,
    /// Refuse 0-byte allocations (a platform whose allocator does).
    pub(crate) refuse_empty: AtomicBool,
    /// Refuse allocations larger than this many bytes (out of memory).
    pub(crate) refuse_over: AtomicUsize,
    /// Answer every allocation with `true` and a NULL block (a broken allocator).
    pub(crate) null_blocks: AtomicBool,
}

static MEMORY_VTABLE: MemoryManagerVTable = MemoryManagerVTable {
    dtor: 0,
    #[cfg(unix)]
    dtor2: 0,
    alloc_memory: mm_alloc,
    free_memory: mm_free,
};

pub(crate) fn block_layout(size: usize) -> Layout {
    Layout::from_size_align(size.max(1), 8).expect("layout")
}

pub(crate) unsafe extern "system" fn mm_alloc(
    this: *mut MemoryManager,
    out: *mut *mut c_void,
    size: c_ulong,
) -> bool {
    // SAFETY: as in `alloc_block`.
    unsafe { alloc_block(this, out, size, false) }
}

/// `AllocMemory`; `for_host`: the host's own argument strings, which a broken allocator
/// (`null_blocks`) does not touch.
unsafe fn alloc_block(
    this: *mut MemoryManager,
    out: *mut *mut c_void,
    size: c_ulong,
    for_host: bool,
) -> bool {
    // SAFETY: the add-in passes back the manager we gave it, which lives for the whole test.
    let this = unsafe { &*this };
    let size = usize::try_from(size).expect("size");
    if size == 0 && this.refuse_empty.load(Ordering::SeqCst) {
        return false;
    }
    if size > this.refuse_over.load(Ordering::SeqCst) {
        return false;
    }
    if !for_host && this.null_blocks.load(Ordering::SeqCst) {
        // SAFETY: `out` is the add-in's out-pointer.
        unsafe { *out = ptr::null_mut() };
        return true;
    }
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { alloc(block_layout(size)) };
    assert!(!p.is_null(), "out of memory");
    this.live.lock().expect("lock").insert(p as usize, size);
    this.allocations.fetch_add(1, Ordering::SeqCst);
    // SAFETY: `out` is the add-in's out-pointer.
    unsafe { *out = p.cast() };
    true
}

pub(crate) unsafe extern "system" fn mm_free(this: *mut MemoryManager, block: *mut *mut c_void) {
    // SAFETY: as in `mm_alloc`.
    let this = unsafe { &*this };
    // SAFETY: `block` points to a pointer the caller holds.
    let p = unsafe { *block };
    if p.is_null() {
        return;
    }
    match this.live.lock().expect("lock").remove(&(p as usize)) {
        // SAFETY: the block came from `mm_alloc` with this size and is freed once.
        Some(size) => unsafe { dealloc(p.cast(), block_layout(size)) },
        None => {
            this.foreign_frees.fetch_add(1, Ordering::SeqCst);
        }
    }
    // SAFETY: as above.
    unsafe { *block = ptr::null_mut() };
}

impl MemoryManager {
    pub(crate) fn new() -> &'static MemoryManager {
        Box::leak(Box::new(MemoryManager {
            vptr: &MEMORY_VTABLE,
            live: Mutex::new(HashMap::new()),
            foreign_frees: AtomicUsize::new(0),
            allocations: AtomicUsize::new(0),
            refuse_empty: AtomicBool::new(false),
            refuse_over: AtomicUsize::new(usize::MAX),
            null_blocks: AtomicBool::new(false),
        }))
    }

    pub(crate) fn as_ptr(&self) -> *mut MemoryManager {
        ptr::from_ref(self).cast_mut()
    }

    /// Allocates like the add-in would (through the vtable), for argument strings.
    pub(crate) fn alloc(&self, bytes: usize) -> *mut c_void {
        let mut p = ptr::null_mut();
        // SAFETY: our own manager and a valid out-pointer.
        let ok = unsafe {
            alloc_block(
                self.as_ptr(),
                &mut p,
                c_ulong::try_from(bytes).expect("size"),
                true,
            )
        };
        assert!(ok || bytes == 0);
        p
    }

    pub(crate) fn free(&self, p: *mut c_void) {
        let mut p = p;
        // SAFETY: our own manager and a valid pointer to the block pointer.
        unsafe { mm_free(self.as_ptr(), &mut p) };
    }

    /// Whether `p` is a live block of this manager.
    pub(crate) fn owns(&self, p: *const c_void) -> bool {
        self.live.lock().expect("lock").contains_key(&(p as usize))
    }

    /// How many blocks are live.
    pub(crate) fn live_blocks(&self) -> usize {
        self.live.lock().expect("lock").len()
    }

    /// How many frees named a block this manager does not own.
    pub(crate) fn foreign_frees(&self) -> usize {
        self.foreign_frees.load(Ordering::SeqCst)
    }

    /// How many blocks were handed out in all.
    pub(crate) fn allocations(&self) -> usize {
        self.allocations.load(Ordering::SeqCst)
    }
}

// ---------------------------------------------------------------------------------------------
// IAddInDefBase (the connection)
// ---------------------------------------------------------------------------------------------

#[repr(C)]
pub(crate) struct ConnectionVTable {
    dtor: usize,
    #[cfg(unix)]
    dtor2: usize,
    add_error: unsafe extern "system" fn(
        *mut Connection,
        c_ushort,
        *const u16,
        *const u16,
        c_long,
    ) -> bool,
    read: unsafe extern "system" fn(
        *mut Connection,
        *mut u16,
        *mut TVariant,
        c_long,
        *mut *mut u16,
    ) -> bool,
    write: unsafe extern "system" fn(*mut Connection, *mut u16, *mut TVariant) -> bool,
    register_profile_as: unsafe extern "system" fn(*mut Connection, *mut u16) -> bool,
    set_event_buffer_depth: unsafe extern "system" fn(*mut Connection, c_long) -> bool,
    get_event_buffer_depth: unsafe extern "system" fn(*mut Connection) -> c_long,
    external_event:
        unsafe extern "system" fn(*mut Connection, *const u16, *const u16, *const u16) -> bool,
    clean_event_buffer: unsafe extern "system" fn(*mut Connection),
    set_status_line: unsafe extern "system" fn(*mut Connection, *mut u16) -> bool,
    reset_status_line: unsafe extern "system" fn(*mut Connection),
}

/// One `ExternalEvent` as the platform received it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Event {
    /// Источник.
    pub(crate) source: String,
    /// Событие.
    pub(crate) event: String,
    /// Данные.
    pub(crate) data: String,
}

/// The platform's connection object.
#[repr(C)]
pub(crate) struct Connection {
    vptr: &'static ConnectionVTable,
    events: Mutex<Vec<Event>>,
    arrived: Condvar,
    depth: Mutex<c_long>,
    errors: Mutex<Vec<(u16, String, String)>>,
}

static CONNECTION_VTABLE: ConnectionVTable = ConnectionVTable {
    dtor: 0,
    #[cfg(unix)]
    dtor2: 0,
    add_error: conn_add_error,
    read: conn_read,
    write: conn_write,
    register_profile_as: conn_register_profile_as,
    set_event_buffer_depth: conn_set_depth,
    get_event_buffer_depth: conn_get_depth,
    external_event: conn_external_event,
    clean_event_buffer: conn_clean,
    set_status_line: conn_set_status_line,
    reset_status_line: conn_reset_status_line,
};

/// Reads a NUL-terminated UTF-16 string.
///
/// # Safety
///
/// `p` must be NULL or a NUL-terminated UTF-16 string.
pub(crate) unsafe fn read_wstr(p: *const u16) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let mut n = 0;
    // SAFETY: the string is NUL-terminated (the caller's contract).
    while unsafe { *p.add(n) } != 0 {
        n += 1;
    }
    // SAFETY: `n` units were just read.
    Some(String::from_utf16(unsafe { std::slice::from_raw_parts(p, n) }).expect("UTF-16"))
}

pub(crate) unsafe extern "system" fn conn_add_error(
    this: *mut Connection,
    code: c_ushort,
    source: *const u16,
    descr: *const u16,
    _scode: c_long,
) -> bool {
    // SAFETY: the connection lives for the whole test; the strings are NUL-terminated.
    let (this, source, descr) = unsafe { (&*this, read_wstr(source), read_wstr(descr)) };
    this.errors.lock().expect("lock").push((
        code,
        source.unwrap_or_default(),
        descr.unwrap_or_default(),
    ));
    true
}

pub(crate) unsafe extern "system" fn conn_read(
    _: *mut Connection,
    _: *mut u16,
    _: *mut TVariant,
    _: c_long,
    _: *mut *mut u16,
) -> bool {
    false
}

pub(crate) unsafe extern "system" fn conn_write(
    _: *mut Connection,
    _: *mut u16,
    _: *mut TVariant,
) -> bool {
    false
}

pub(crate) unsafe extern "system" fn conn_register_profile_as(
    _: *mut Connection,
    _: *mut u16,
) -> bool {
    false
}

pub(crate) unsafe extern "system" fn conn_set_depth(this: *mut Connection, depth: c_long) -> bool {
    // SAFETY: the connection lives for the whole test.
    *unsafe { &*this }.depth.lock().expect("lock") = depth;
    true
}

pub(crate) unsafe extern "system" fn conn_get_depth(this: *mut Connection) -> c_long {
    // SAFETY: the connection lives for the whole test.
    *unsafe { &*this }.depth.lock().expect("lock")
}

pub(crate) unsafe extern "system" fn conn_external_event(
    this: *mut Connection,
    source: *const u16,
    event: *const u16,
    data: *const u16,
) -> bool {
    // SAFETY: the connection lives for the whole test; the strings are NUL-terminated.
    let (this, source, event, data) =
        unsafe { (&*this, read_wstr(source), read_wstr(event), read_wstr(data)) };
    this.events.lock().expect("lock").push(Event {
        source: source.unwrap_or_default(),
        event: event.unwrap_or_default(),
        data: data.unwrap_or_default(),
    });
    this.arrived.notify_all();
    true
}

pub(crate) unsafe extern "system" fn conn_clean(this: *mut Connection) {
    // SAFETY: the connection lives for the whole test.
    unsafe { &*this }.events.lock().expect("lock").clear();
}

pub(crate) unsafe extern "system" fn conn_set_status_line(_: *mut Connection, _: *mut u16) -> bool {
    true
}

pub(crate) unsafe extern "system" fn conn_reset_status_line(_: *mut Connection) {}

impl Connection {
    pub(crate) fn new() -> &'static Connection {
        Box::leak(Box::new(Connection {
            vptr: &CONNECTION_VTABLE,
            events: Mutex::new(Vec::new()),
            arrived: Condvar::new(),
            depth: Mutex::new(1),
            errors: Mutex::new(Vec::new()),
        }))
    }

    pub(crate) fn as_ptr(&self) -> *mut Connection {
        ptr::from_ref(self).cast_mut()
    }

    /// The events received so far.
    pub(crate) fn events(&self) -> Vec<Event> {
        self.events.lock().expect("lock").clone()
    }

    /// Waits until `pred` holds for the events received, or `timeout` passes.
    pub(crate) fn wait_events(
        &self,
        timeout: Duration,
        pred: impl Fn(&[Event]) -> bool,
    ) -> Vec<Event> {
        let end = Instant::now() + timeout;
        let mut events = self.events.lock().expect("lock");
        while !pred(&events) {
            let now = Instant::now();
            if now >= end {
                break;
            }
            events = self
                .arrived
                .wait_timeout(events, end - now)
                .expect("lock")
                .0;
        }
        events.clone()
    }

    /// The event buffer depth the add-in asked for.
    pub(crate) fn depth(&self) -> c_long {
        *self.depth.lock().expect("lock")
    }

    /// The errors the add-in reported with `AddError`.
    pub(crate) fn errors(&self) -> Vec<(u16, String, String)> {
        self.errors.lock().expect("lock").clone()
    }
}
