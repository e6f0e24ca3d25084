//! Local provider emulators (work in progress).
#![forbid(unsafe_code)]
