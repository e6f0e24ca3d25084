//! Opaque handles: how a Rust value is lent to C and taken back, with the ownership fixed by the
//! handle's type.
//!
//! A handle type is a zero-sized opaque struct that C only ever sees behind a pointer:
//!
//! ```text
//! /// A provider client. Methods: fiskal_client_new, fiskal_client_submit, fiskal_client_free.
//! pub struct fiskal_client { _private: [u8; 0] }
//! impl Castable for fiskal_client {
//!     type Ownership = OwnershipArc;      // or OwnershipBox
//!     type RustType = ClientState;
//! }
//! ```
//!
//! * [`OwnershipBox`]: one owner; created by [`to_boxed_mut_ptr`], borrowed by
//!   [`try_ref_from_ptr!`] / [`try_mut_from_ptr!`], destroyed by [`free_box`] (the `_free`
//!   function; NULL is a no-op). A consumable builder keeps an `Option<T>` inside the box and
//!   takes it with [`try_take!`], so a second `_build` is [`Code::AlreadyUsed`] and `_free`
//!   stays the caller's job.
//! * [`OwnershipArc`]: shared, for handles used from several threads at once (the outbox);
//!   [`to_arc_const_ptr`], [`try_clone_arc`], [`free_arc`].
//!
//! The borrow helpers check for NULL *before* any dereference and make the exported function
//! return [`Code::NullParameter`] (recording the last error). The provider client
//! (`fiskal_client`) and the outbox (`fiskal_outbox`) are Arc handles.

// The Box helpers serve future single-owner handles (builders); the tests below exercise them.
#![cfg_attr(not(test), allow(dead_code, unused_macros, unused_imports))]

use std::sync::Arc;

/// Ties an opaque C handle type to the Rust value it stands for and to how it is owned.
pub(crate) trait Castable {
    /// [`OwnershipBox`] or [`OwnershipArc`].
    type Ownership;
    /// The Rust value behind the handle.
    type RustType;
}

/// The handle owns its value through a `Box`: exactly one owner, freed once.
#[derive(Debug)]
pub(crate) struct OwnershipBox;

/// The handle is one strong count of an `Arc`: shared between threads.
#[derive(Debug)]
pub(crate) struct OwnershipArc;

/// Moves `value` to the heap and hands C the pointer (free it with [`free_box`]).
pub(crate) fn to_boxed_mut_ptr<C>(value: C::RustType) -> *mut C
where
    C: Castable<Ownership = OwnershipBox>,
{
    Box::into_raw(Box::new(value)).cast::<C>()
}

/// Borrows the value behind a Box handle; `None` for NULL.
pub(crate) fn try_from_box<'a, C>(ptr: *const C) -> Option<&'a C::RustType>
where
    C: Castable<Ownership = OwnershipBox>,
{
    if ptr.is_null() {
        return None;
    }
    // SAFETY: not NULL (checked above); by the API contract a non-NULL handle pointer came from
    // `to_boxed_mut_ptr::<C>` and has not been freed, so it points to a live `C::RustType`. The
    // borrow ends before the exported function returns.
    Some(unsafe { &*ptr.cast::<C::RustType>() })
}

/// Mutably borrows the value behind a Box handle; `None` for NULL.
pub(crate) fn try_from_box_mut<'a, C>(ptr: *mut C) -> Option<&'a mut C::RustType>
where
    C: Castable<Ownership = OwnershipBox>,
{
    if ptr.is_null() {
        return None;
    }
    // SAFETY: not NULL; by the API contract it came from `to_boxed_mut_ptr::<C>`, is live, and
    // the caller does not use it concurrently (documented "not safe for concurrent mutation").
    Some(unsafe { &mut *ptr.cast::<C::RustType>() })
}

/// Drops the value behind a Box handle. NULL is a no-op.
pub(crate) fn free_box<C>(ptr: *mut C)
where
    C: Castable<Ownership = OwnershipBox>,
{
    if ptr.is_null() {
        return;
    }
    // SAFETY: not NULL; by the API contract it came from `to_boxed_mut_ptr::<C>` (so from
    // `Box::into_raw` of a `C::RustType`) and is freed exactly once.
    drop(unsafe { Box::from_raw(ptr.cast::<C::RustType>()) });
}

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

/// Borrows a Box handle, or makes the enclosing export return [`Code::NullParameter`]
/// (recording the last error) when it is NULL.
macro_rules! try_ref_from_ptr {
    ($ptr:expr, $name:literal) => {
        match $crate::handle::try_from_box($ptr) {
            Some(r) => r,
            None => return $crate::error::fail($crate::error::null_parameter($name)),
        }
    };
}

/// Mutably borrows a Box handle, or returns [`Code::NullParameter`] when it is NULL.
macro_rules! try_mut_from_ptr {
    ($ptr:expr, $name:literal) => {
        match $crate::handle::try_from_box_mut($ptr) {
            Some(r) => r,
            None => return $crate::error::fail($crate::error::null_parameter($name)),
        }
    };
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

/// Takes the value out of an `Option` held by a builder, or returns [`Code::AlreadyUsed`].
macro_rules! try_take {
    ($opt:expr) => {
        match $opt.take() {
            Some(v) => v,
            None => {
                return $crate::error::fail(::fiskal_api::ApiError::new(
                    ::fiskal_api::Code::AlreadyUsed,
                ))
            }
        }
    };
}

// Re-exported for the handle modules added later (the tests use the macros by their textual scope).
#[allow(unused_imports)]
pub(crate) use {try_arc_from_ptr, try_mut_from_ptr, try_ref_from_ptr, try_take};

#[cfg(test)]
mod tests {
    use super::*;
    use fiskal_api::Code;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A Box handle whose value is a consumable builder.
    #[allow(non_camel_case_types)]
    struct fiskal_test_builder {
        _private: [u8; 0],
    }
    impl Castable for fiskal_test_builder {
        type Ownership = OwnershipBox;
        type RustType = Option<String>;
    }

    fn builder_len(b: *const fiskal_test_builder, out: &mut usize) -> Code {
        let v = try_ref_from_ptr!(b, "builder");
        *out = v.as_ref().map_or(0, String::len);
        Code::Ok
    }

    fn builder_build(b: *mut fiskal_test_builder, out: &mut String) -> Code {
        let v = try_mut_from_ptr!(b, "builder");
        *out = try_take!(v);
        Code::Ok
    }

    #[test]
    fn box_handles() {
        let b = to_boxed_mut_ptr::<fiskal_test_builder>(Some("abc".to_owned()));
        let mut n = 0;
        assert_eq!(builder_len(b, &mut n), Code::Ok);
        assert_eq!(n, 3);
        let mut s = String::new();
        assert_eq!(builder_build(b, &mut s), Code::Ok);
        assert_eq!(s, "abc");
        assert_eq!(builder_build(b, &mut s), Code::AlreadyUsed);
        assert_eq!(crate::error::last_error_code(), Code::AlreadyUsed);
        assert_eq!(builder_len(std::ptr::null(), &mut n), Code::NullParameter);
        assert_eq!(
            builder_build(std::ptr::null_mut(), &mut s),
            Code::NullParameter
        );
        free_box(b);
        free_box::<fiskal_test_builder>(std::ptr::null_mut());
    }

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
