//! A scripted fake provider for the worker tests: it keeps the documents it took by id (as a
//! cloud register does), fiscalises each at most once, and plays faults from a script.
#![allow(dead_code, unreachable_pub)]

use fiskal_outbox::{Config, SqliteStore};
use fiskal_providers::{
    FiscalAttributes, InDoubtResolution, Outcome, Provider, ProviderError, RejectKind, StatusQuery,
    Submission,
};
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the next submit does (default: take it and answer accepted).
#[derive(Debug, Clone)]
pub enum Fault {
    /// Not taken: retry later (optionally with Retry-After).
    RetryLater(Option<Duration>),
    /// Taken, but the answer is lost: in doubt.
    TakenInDoubt,
    /// Not taken, and the answer is lost: in doubt.
    LostInDoubt,
    /// Taken; the register refuses it with this code (seen at the first poll).
    RegisterRefusal(&'static str),
    /// Refused for good (validation).
    Reject,
    /// Takes this long to answer (then behaves normally).
    Slow(Duration),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Doc {
    /// Taken; done after `polls_left` more polls.
    Taken {
        polls_left: u32,
    },
    Refused(&'static str),
    /// Fiscalised as document number `n`.
    Done(u32),
}

/// What a document is about: its total 1020 and operation 1054, as the register reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Body {
    total: fiskal_ffd::Money,
    operation: fiskal_ffd::Operation,
}

#[derive(Debug, Default)]
struct CloudState {
    docs: HashMap<String, Doc>,
    bodies: HashMap<String, Body>,
    script: VecDeque<Fault>,
    /// Fiscalised documents per idempotency key (document id without `-attempt`).
    fiscalised: HashMap<String, u32>,
    submits: Vec<(String, std::time::Instant)>,
    /// While set, every request (submit and status) is refused with this outcome (our
    /// credentials or configuration are wrong).
    refuse_all: Option<Outcome>,
    /// While set, every status request answers this (and changes nothing).
    status_answer: Option<Outcome>,
    /// The next this many status answers name another provider id.
    foreign_ids: u32,
    /// While set, every status call fails locally with this error (nothing sent).
    status_error: Option<ProviderError>,
    /// What done answers say about the ОФД delivery (`ofd_delivered`); `None`: nothing.
    ofd_delivered: Option<bool>,
}

/// The fake provider. Clones share the cloud.
#[derive(Debug, Clone)]
pub struct FakeCloud {
    name: &'static str,
    resolution: InDoubtResolution,
    state: Arc<Mutex<CloudState>>,
    polls_to_done: u32,
    in_flight: Arc<AtomicUsize>,
    pub max_in_flight: Arc<AtomicUsize>,
    pub status_calls: Arc<AtomicU32>,
}

pub fn key_of(document_id: &str) -> String {
    document_id
        .rsplit_once('-')
        .map(|(k, _)| k.to_owned())
        .unwrap_or_default()
}

fn fiscal(n: u32, body: Option<&Body>) -> FiscalAttributes {
    let mut f: FiscalAttributes = serde_json::from_value(serde_json::json!({
        "fn_number": "9999078900001234",
        "fd_number": n,
        "fiscal_sign": 1_000_000 + n,
        "shift_number": 1,
        "receipt_number": n,
        "date_time": "2026-03-02T10:15:42",
        "kkt_reg_number": null,
        "ofd_inn": null,
        "receipt_url": null,
        "total": "100.00",
        "operation": "sell"
    }))
    .expect("fiscal");
    if let Some(b) = body {
        f.total = b.total;
        f.operation = b.operation;
    }
    f
}

impl FakeCloud {
    pub fn new(name: &'static str, resolution: InDoubtResolution) -> FakeCloud {
        FakeCloud {
            name,
            resolution,
            state: Arc::default(),
            polls_to_done: 1,
            in_flight: Arc::default(),
            max_in_flight: Arc::default(),
            status_calls: Arc::default(),
        }
    }

    /// Polls it takes from acceptance to done.
    pub fn polls_to_done(mut self, n: u32) -> FakeCloud {
        self.polls_to_done = n;
        self
    }

    /// From now on, done answers report this ОФД delivery state (`None`: they do not say).
    pub fn report_ofd_delivered(&self, v: Option<bool>) {
        self.state.lock().expect("lock").ofd_delivered = v;
    }

    pub fn script(&self, faults: impl IntoIterator<Item = Fault>) {
        self.state.lock().expect("lock").script.extend(faults);
    }

    /// Fiscalisations per key.
    pub fn fiscalised(&self) -> HashMap<String, u32> {
        self.state.lock().expect("lock").fiscalised.clone()
    }

    /// Loses a document (a provider-side data loss, for reconciliation).
    pub fn forget(&self, id: &str) {
        self.state.lock().expect("lock").docs.remove(id);
    }

    /// Refuses every request with `o` (e.g. a wrong password) until called with `None`.
    pub fn refuse_all(&self, o: Option<Outcome>) {
        self.state.lock().expect("lock").refuse_all = o;
    }

    /// Answers every status request with `o` until called with `None`.
    pub fn status_answer(&self, o: Option<Outcome>) {
        self.state.lock().expect("lock").status_answer = o;
    }

    /// Every status call fails locally with `e` until called with `None`.
    pub fn status_error(&self, e: Option<ProviderError>) {
        self.state.lock().expect("lock").status_error = e;
    }

    /// The next `n` status answers name another provider id than the one given at acceptance.
    pub fn foreign_ids(&self, n: u32) {
        self.state.lock().expect("lock").foreign_ids = n;
    }

    /// Another program already sent a receipt under document id `id`: fiscalised, with this
    /// total (roubles, e.g. `"100.00"`) and operation.
    pub fn plant_foreign(&self, id: &str, total: &str, operation: fiskal_ffd::Operation) {
        let mut st = self.state.lock().expect("lock");
        st.docs.insert(id.to_owned(), Doc::Done(900));
        st.bodies.insert(
            id.to_owned(),
            Body {
                total: total.parse().expect("total"),
                operation,
            },
        );
    }

    /// Documents it holds (taken) per id.
    pub fn held(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .state
            .lock()
            .expect("lock")
            .docs
            .keys()
            .cloned()
            .collect();
        v.sort();
        v
    }

    /// Submit times per document id.
    pub fn submits(&self) -> Vec<(String, std::time::Instant)> {
        self.state.lock().expect("lock").submits.clone()
    }

    async fn do_submit(&self, id: String, body: Body) -> Outcome {
        let fault = {
            let mut st = self.state.lock().expect("lock");
            st.submits.push((id.clone(), std::time::Instant::now()));
            if let Some(o) = st.refuse_all.clone() {
                return o;
            }
            st.script.pop_front()
        };
        let fault = match fault {
            Some(Fault::Slow(d)) => {
                tokio::time::sleep(d).await;
                None
            }
            f => f,
        };
        let mut st = self.state.lock().expect("lock");
        if st.docs.contains_key(&id) {
            // Never a second document for an id: the duplicate answer.
            return Outcome::Accepted {
                provider_id: format!("p-{id}"),
                duplicate: true,
            };
        }
        let taken = Doc::Taken {
            polls_left: self.polls_to_done,
        };
        st.bodies.insert(id.clone(), body);
        match fault {
            Some(Fault::RetryLater(after)) => Outcome::RetryLater {
                after,
                code: Some("503".into()),
                message: "queue full".into(),
            },
            Some(Fault::TakenInDoubt) => {
                st.docs.insert(id, taken);
                Outcome::InDoubt {
                    reason: "connection reset after sending".into(),
                }
            }
            Some(Fault::LostInDoubt) => Outcome::InDoubt {
                reason: "timeout".into(),
            },
            Some(Fault::RegisterRefusal(code)) => {
                st.docs.insert(id.clone(), Doc::Refused(code));
                Outcome::Accepted {
                    provider_id: format!("p-{id}"),
                    duplicate: false,
                }
            }
            Some(Fault::Reject) => Outcome::Rejected {
                kind: RejectKind::Validation,
                code: "32".into(),
                message: "bad INN".into(),
            },
            None | Some(Fault::Slow(_)) => {
                st.docs.insert(id.clone(), taken);
                Outcome::Accepted {
                    provider_id: format!("p-{id}"),
                    duplicate: false,
                }
            }
        }
    }

    fn do_status(&self, id: &str) -> Outcome {
        self.status_calls.fetch_add(1, Ordering::Relaxed);
        let mut st = self.state.lock().expect("lock");
        if let Some(o) = st.refuse_all.clone().or_else(|| st.status_answer.clone()) {
            return o;
        }
        let o = self.doc_status(&mut st, id);
        if st.foreign_ids == 0 {
            return o;
        }
        st.foreign_ids -= 1;
        match o {
            Outcome::Pending { .. } => Outcome::Pending {
                provider_id: "p-someone-else".into(),
            },
            Outcome::Done { fiscal, .. } => Outcome::Done {
                provider_id: "p-someone-else".into(),
                fiscal,
            },
            other => other,
        }
    }

    fn doc_status(&self, st: &mut CloudState, id: &str) -> Outcome {
        let doc = st.docs.get(id).cloned();
        match doc {
            None => Outcome::NotFound {
                message: format!("no document {id}"),
            },
            Some(Doc::Refused(code)) => Outcome::Rejected {
                kind: RejectKind::Register,
                code: code.into(),
                message: "ФН переполнен".into(),
            },
            Some(Doc::Done(n)) => {
                let mut f = fiscal(n, st.bodies.get(id));
                f.ofd_delivered = st.ofd_delivered;
                Outcome::Done {
                    provider_id: format!("p-{id}"),
                    fiscal: f,
                }
            }
            Some(Doc::Taken { polls_left }) if polls_left <= 1 => done(st, id),
            Some(Doc::Taken { polls_left }) => {
                st.docs.insert(
                    id.to_owned(),
                    Doc::Taken {
                        polls_left: polls_left - 1,
                    },
                );
                Outcome::Pending {
                    provider_id: format!("p-{id}"),
                }
            }
        }
    }
}

fn done(st: &mut CloudState, id: &str) -> Outcome {
    *st.fiscalised.entry(key_of(id)).or_default() += 1;
    let n = st.fiscalised.values().sum::<u32>();
    st.docs.insert(id.to_owned(), Doc::Done(n));
    let mut f = fiscal(n, st.bodies.get(id));
    f.ofd_delivered = st.ofd_delivered;
    Outcome::Done {
        provider_id: format!("p-{id}"),
        fiscal: f,
    }
}

impl Provider for FakeCloud {
    fn name(&self) -> &'static str {
        self.name
    }

    fn in_doubt_resolution(&self) -> InDoubtResolution {
        self.resolution
    }

    async fn submit<'a>(&'a self, s: &'a Submission<'a>) -> Result<Outcome, ProviderError> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let body = Body {
            total: s.receipt.total,
            operation: s.receipt.operation,
        };
        let o = self.do_submit(s.document_id.to_owned(), body).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        Ok(o)
    }

    async fn status<'a>(&'a self, q: &'a StatusQuery<'a>) -> Result<Outcome, ProviderError> {
        if let Some(e) = self.state.lock().expect("lock").status_error.clone() {
            self.status_calls.fetch_add(1, Ordering::Relaxed);
            return Err(e);
        }
        Ok(self.do_status(q.document_id))
    }
}

/// A fresh directory under the target dir.
pub fn dir(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "outbox-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

/// Store timing for tests: fast polls and retries, short leases.
pub fn fast_config() -> Config {
    Config {
        poll_first: Duration::from_millis(20),
        poll_max: Duration::from_millis(100),
        retry_base: Duration::from_millis(20),
        retry_max: Duration::from_millis(200),
        ..Config::default()
    }
}

pub fn open(name: &str, cfg: Config) -> Arc<SqliteStore> {
    Arc::new(SqliteStore::open(dir(name).join("outbox.db"), cfg).expect("open"))
}

pub fn receipt() -> fiskal_ffd::Receipt {
    fiskal_ffd::json::parse(include_str!("../fixtures/receipt_sell.json")).expect("receipt")
}

/// A FFD 1.2 receipt the ATOL v5 emulator accepts.
pub fn receipt_v5() -> fiskal_ffd::Receipt {
    fiskal_ffd::json::parse(include_str!("../fixtures/receipt_sell_v5.json")).expect("receipt")
}
