//! Opaque handles: how a Rust value is lent to C and taken back, with the ownership fixed by the
//! handle's type.
//!
//! A handle type is a zero-sized opaque struct that C only ever sees behind a pointer:
//!
//! ```text
//! /// A provider client. Methods: fiskal_client_new, fiskal_client_submit, fiskal_client_free.
//! pub struct fiskal_client { _private: [u8; 0] }
//! impl Castable for fiskal_client {
//!     type Ownership = OwnershipArc;
//!     type RustType = ClientState;
//! }
//! ```
//!
//! * [`OwnershipArc`]: shared, for handles used from several threads at once; created by
//!   [`to_arc_const_ptr`], borrowed by [`try_arc_from_ptr!`] (through [`try_clone_arc`]),
//!   released by [`free_arc`] (the `_free` function; NULL is a no-op).
//!
//! The borrow helper checks for NULL *before* any dereference and makes the exported function
//! return [`Code::NullParameter`] (recording the last error). The provider client
//! (`fiskal_client`) and the outbox (`fiskal_outbox`) are Arc handles, the only handles there
//! are. A single-owner handle (a builder) would add a Box ownership beside `OwnershipArc`, with
//! its `to_boxed_mut_ptr` / `free_box` and an `Option` taken once (a second `_build` being
//! [`Code::AlreadyUsed`]), as rustls-ffi's `Castable` does; none exists yet, so neither do they.
//!
//! [`Code::NullParameter`]: fiskal_json::Code::NullParameter
//! [`Code::AlreadyUsed`]: fiskal_json::Code::AlreadyUsed

use std::sync::Arc;

/// Ties an opaque C handle type to the Rust value it stands for and to how it is owned.
pub(crate) trait Castable {
    /// How the handle owns its value: [`OwnershipArc`].
    type Ownership;
    /// The Rust value behind the handle.
    type RustType;
}

/// The handle is one strong count of an `Arc`: shared between threads.
#[derive(Debug)]
pub(crate) struct OwnershipArc;

/// Moves `value` into an `Arc` and hands C one strong count (release it with [`free_arc`]).
pub(crate) fn to_arc_const_ptr<C>(value: C::RustType) -> *const C
where
    C: Castable<Ownership = OwnershipArc>,
{
    Arc::into_raw(Arc::new(value)).cast::<C>()
}

/// A new strong count of the value behind an Arc handle (the handle stays valid); `None` for
/// NULL.
pub(crate) fn try_clone_arc<C>(ptr: *const C) -> Option<Arc<C::RustType>>
where
    C: Castable<Ownership = OwnershipArc>,
{
    if ptr.is_null() {
        return None;
    }
    let ptr = ptr.cast::<C::RustType>();
    // SAFETY: not NULL; by the API contract it came from `to_arc_const_ptr::<C>` (so from
    // `Arc::into_raw`) and the caller's count is still held, so the count is at least one.
    unsafe { Arc::increment_strong_count(ptr) };
    // SAFETY: the count incremented just above is the one this `Arc` takes over.
    Some(unsafe { Arc::from_raw(ptr) })
}

/// Releases the caller's count of an Arc handle. NULL is a no-op.
pub(crate) fn free_arc<C>(ptr: *const C)
where
    C: Castable<Ownership = OwnershipArc>,
{
    if ptr.is_null() {
        return;
    }
    // SAFETY: not NULL; it came from `to_arc_const_ptr::<C>` and the caller gives up its count
    // exactly once.
    drop(unsafe { Arc::from_raw(ptr.cast::<C::RustType>()) });
}

/// Clones an Arc handle, or returns [`Code::NullParameter`] when it is NULL.
macro_rules! try_arc_from_ptr {
    ($ptr:expr, $name:literal) => {
        match $crate::handle::try_clone_arc($ptr) {
            Some(r) => r,
            None => return $crate::error::fail($crate::error::null_parameter($name)),
        }
    };
}

pub(crate) use try_arc_from_ptr;

#[cfg(test)]
mod tests {
    use super::*;
    use fiskal_json::Code;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static DROPS: AtomicUsize = AtomicUsize::new(0);

    struct Counted;
    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[allow(non_camel_case_types)]
    struct fiskal_test_shared {
        _private: [u8; 0],
    }
    impl Castable for fiskal_test_shared {
        type Ownership = OwnershipArc;
        type RustType = Counted;
    }

    fn shared_use(p: *const fiskal_test_shared) -> Code {
        let arc = try_arc_from_ptr!(p, "shared");
        assert!(Arc::strong_count(&arc) >= 2);
        Code::Ok
    }

    #[test]
    fn arc_handles() {
        let p = to_arc_const_ptr::<fiskal_test_shared>(Counted);
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let addr = p as usize;
                std::thread::spawn(move || shared_use(addr as *const fiskal_test_shared))
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().ok(), Some(Code::Ok));
        }
        assert_eq!(DROPS.load(Ordering::SeqCst), 0);
        assert_eq!(shared_use(std::ptr::null()), Code::NullParameter);
        free_arc(p);
        free_arc::<fiskal_test_shared>(std::ptr::null());
        assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    }
}
