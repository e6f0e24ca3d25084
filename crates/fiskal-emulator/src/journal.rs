//! The journal: every document an emulator accepted, so that tests can assert "fiscalised
//! exactly once" and "nothing lost".
//!
//! A document is journaled at the moment the provider would have stored it — before any answer
//! is sent, so a document whose answer was lost (the in-doubt fault) is in the journal too. A
//! request refused before acceptance (validation, authentication, a 5xx fault) is not.

use crate::fiscal::FiscalData;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

/// Where a document is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DocState {
    /// Accepted, not yet processed by a register.
    Wait,
    /// Fiscalised: the register stored it with these attributes.
    Done(FiscalData),
    /// Processed and refused (never fiscalised).
    Fail(DocError),
}

/// Why a document ended `fail`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DocError {
    /// The provider's code (ATOL: 1, 2009, 134 …).
    pub code: i64,
    /// Its text.
    pub text: String,
    /// The provider's error type (ATOL: `timeout`, `driver`, `agent`, `system`).
    pub error_type: String,
}

impl std::fmt::Display for DocError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} error {}: {}", self.error_type, self.code, self.text)
    }
}

impl std::error::Error for DocError {}

/// What happened to the callback of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackState {
    /// The document asked for none (or is not processed yet).
    None,
    /// Not sent: the address is not an `http://` loopback address (the reason is given).
    Skipped(String),
    /// Sent; the receiver answered with this HTTP status.
    Delivered(u16),
    /// Sending failed (connection refused, timeout …).
    Failed(String),
}

/// One accepted document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JournalEntry {
    /// Order of acceptance, from 1.
    pub seq: u64,
    /// Which emulated API accepted it (`"atol/v4"`, `"atol/v5"`).
    pub api: &'static str,
    /// The group (ATOL `group_code`).
    pub group_code: String,
    /// The operation (`sell`, `buy_refund`, `sell_correction` …).
    pub operation: String,
    /// The caller's idempotency key (ATOL `external_id`).
    pub external_id: String,
    /// The identifier the provider assigned.
    pub uuid: String,
    /// The request body exactly as received.
    pub body: String,
    /// When it was accepted.
    pub accepted_at: SystemTime,
    /// Its state now.
    pub state: DocState,
    /// For a document the register refused on its content: the findings behind the refusal
    /// (fiskal-ffd violations as `path: code`), which the provider's own answer does not carry.
    pub problems: Vec<String>,
    /// Its callback.
    pub callback: CallbackState,
}

impl JournalEntry {
    /// A document accepted now with request body `body`, waiting; the provider fills in the
    /// identifying fields with struct-update syntax (`JournalEntry { api, uuid, …,
    /// ..JournalEntry::waiting(&req.body) }`).
    pub(crate) fn waiting(body: &[u8]) -> JournalEntry {
        JournalEntry {
            seq: 0,
            api: "",
            group_code: String::new(),
            operation: String::new(),
            external_id: String::new(),
            uuid: String::new(),
            body: String::from_utf8_lossy(body).into_owned(),
            accepted_at: SystemTime::now(),
            state: DocState::Wait,
            problems: Vec::new(),
            callback: CallbackState::None,
        }
    }

    /// Whether the document was fiscalised.
    pub fn is_done(&self) -> bool {
        matches!(self.state, DocState::Done(_))
    }

    /// The fiscal attributes, once fiscalised.
    pub fn fiscal(&self) -> Option<&FiscalData> {
        match &self.state {
            DocState::Done(f) => Some(f),
            _ => None,
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    entries: Vec<JournalEntry>,
    by_uuid: HashMap<String, usize>,
    by_key: HashMap<(String, String), usize>,
}

/// The journal of one emulator (cheap to clone; clones share it).
///
/// Methods: [`entries`](Journal::entries), [`len`](Journal::len),
/// [`is_empty`](Journal::is_empty), [`by_uuid`](Journal::by_uuid),
/// [`by_external_id`](Journal::by_external_id), [`count`](Journal::count),
/// [`fiscalised_count`](Journal::fiscalised_count), [`pending`](Journal::pending).
#[derive(Debug, Clone, Default)]
pub struct Journal {
    inner: Arc<Mutex<Inner>>,
}

/// Why [`Journal::insert_unique`] did not insert.
#[derive(Debug)]
pub(crate) struct Duplicate {
    /// The uuid of the document already there.
    pub(crate) uuid: String,
}

impl Journal {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves the data consistent enough to read.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A snapshot of every entry, in order of acceptance.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.lock().entries.clone()
    }

    /// Number of accepted documents.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether nothing was accepted yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The document with this provider id.
    pub fn by_uuid(&self, uuid: &str) -> Option<JournalEntry> {
        let g = self.lock();
        g.by_uuid.get(uuid).and_then(|&i| g.entries.get(i)).cloned()
    }

    /// The document of this group (Orange Data: organisation INN) with this idempotency key.
    pub fn by_external_id(&self, group_code: &str, external_id: &str) -> Option<JournalEntry> {
        let g = self.lock();
        g.by_key
            .get(&(group_code.to_owned(), external_id.to_owned()))
            .and_then(|&i| g.entries.get(i))
            .cloned()
    }

    /// How many accepted documents carry this idempotency key (in any group).
    pub fn count(&self, external_id: &str) -> usize {
        self.lock()
            .entries
            .iter()
            .filter(|e| e.external_id == external_id)
            .count()
    }

    /// How many documents with this idempotency key were fiscalised (in any group): the
    /// "exactly once" assertion is `fiscalised_count(id) == 1`.
    pub fn fiscalised_count(&self, external_id: &str) -> usize {
        self.lock()
            .entries
            .iter()
            .filter(|e| e.external_id == external_id && e.is_done())
            .count()
    }

    /// How many accepted documents are still `wait` (not yet processed by a register).
    pub fn pending(&self) -> usize {
        self.lock()
            .entries
            .iter()
            .filter(|e| e.state == DocState::Wait)
            .count()
    }

    /// Inserts `entry` unless its (group, external id) is already there — atomically, so two
    /// concurrent duplicates cannot both get in. Fills in `seq`.
    pub(crate) fn insert_unique(&self, entry: JournalEntry) -> Result<(), Duplicate> {
        let scope = entry.group_code.clone();
        self.insert_unique_in(&scope, entry)
    }

    /// Like [`Journal::insert_unique`], with the idempotency key unique within `scope` instead
    /// of the group (Orange Data: within the organisation, so `scope` is its INN, and
    /// [`Journal::by_external_id`] takes the INN there).
    pub(crate) fn insert_unique_in(
        &self,
        scope: &str,
        mut entry: JournalEntry,
    ) -> Result<(), Duplicate> {
        let mut g = self.lock();
        let key = (scope.to_owned(), entry.external_id.clone());
        if let Some(&i) = g.by_key.get(&key) {
            let uuid = g.entries.get(i).map(|e| e.uuid.clone()).unwrap_or_default();
            return Err(Duplicate { uuid });
        }
        let i = g.entries.len();
        entry.seq = u64::try_from(i).unwrap_or(u64::MAX).saturating_add(1);
        g.by_uuid.insert(entry.uuid.clone(), i);
        g.by_key.insert(key, i);
        g.entries.push(entry);
        Ok(())
    }

    /// Inserts `entry` even when its (group, external id) is already there — for APIs without
    /// idempotency (Business.ru Open API), where a second command is a second receipt. The
    /// first entry stays the one [`Journal::by_external_id`] finds. Fills in `seq`.
    pub(crate) fn insert(&self, mut entry: JournalEntry) {
        let mut g = self.lock();
        let key = (entry.group_code.clone(), entry.external_id.clone());
        let i = g.entries.len();
        entry.seq = u64::try_from(i).unwrap_or(u64::MAX).saturating_add(1);
        g.by_uuid.insert(entry.uuid.clone(), i);
        g.by_key.entry(key).or_insert(i);
        g.entries.push(entry);
    }

    /// Changes the entry with this uuid (no effect when absent).
    pub(crate) fn update(&self, uuid: &str, f: impl FnOnce(&mut JournalEntry)) {
        let mut g = self.lock();
        if let Some(&i) = g.by_uuid.get(uuid) {
            if let Some(e) = g.entries.get_mut(i) {
                f(e);
            }
        }
    }
}
