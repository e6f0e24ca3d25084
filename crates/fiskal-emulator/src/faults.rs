//! Fault injection: scripted (a queue of faults per endpoint for the next requests) or random
//! (a seeded generator, so a failing run can be replayed with the same seed).
//!
//! ```
//! use fiskal_emulator::{Endpoint, Fault, Faults};
//! use std::time::Duration;
//! // The first registration is accepted but its answer is lost; the second waits 2 s.
//! let faults = Faults::none()
//!     .script(Endpoint::Register, Fault::ResetAfterAccept)
//!     .script(Endpoint::Register, Fault::Delay(Duration::from_secs(2)));
//! // Or: one request in ten gets a 503, reproducibly.
//! let random = Faults::random(42, 100, vec![Fault::Unavailable { retry_after_secs: 1 }]);
//! # let _ = (faults, random);
//! ```

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// The endpoint a scripted fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// Authentication (ATOL `getToken`).
    Token,
    /// Document registration (ATOL `<group>/<operation>`; Orange Data `POST documents/`,
    /// `correction12/`).
    Register,
    /// Status lookup (ATOL `<group>/report/<uuid>`; Orange Data `GET …/status/…`).
    Report,
}

/// One injected fault.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// No fault: serve the request normally (puts a scripted fault on a later request).
    Pass,
    /// Answer with this 5xx status without processing the request. 500 carries the provider's
    /// own "server error" body (ATOL code 50); other statuses carry a reverse proxy's HTML page,
    /// as a real outage does.
    ServerError(u16),
    /// `503` with `Retry-After: <retry_after_secs>`, without processing the request.
    Unavailable {
        /// The `Retry-After` value, seconds.
        retry_after_secs: u32,
    },
    /// Process the request at once, but hold the answer back this long (a slow response; a
    /// client that times out meanwhile faces the in-doubt case).
    Delay(Duration),
    /// Process the request (a registration is accepted and journaled), then close the
    /// connection without any answer: the in-doubt case.
    ResetAfterAccept,
    /// Close the connection without an answer and without processing the request.
    ResetBeforeAccept,
    /// Registration only: accept the document, then end it `fail` with error type `timeout`
    /// (queue wait exceeded; Orange Data: status 524, expired before processing). On other
    /// endpoints: no fault.
    QueueTimeout,
    /// Registration only (Orange Data): accept the document, then fail its marking-code check
    /// (status 422 with the check result). On ATOL and on other endpoints: no fault.
    ItemCodeCheckFailed,
    /// Registration only: the register checks every marking code of the document with this
    /// 2106 «результат проверки сведений о товаре» value (bits: 1 checked by the ФН, 2 ФН check
    /// positive, 4 ОИСМ asked, 8 ОИСМ status correct, 16 offline; e.g. `5`: negative, status
    /// incorrect — what a shop sees for a code that must not be sold).
    ///
    /// * ATOL v5: the document is fiscalised (`done`) and the report's `marks_result` carries
    ///   this `result` for every code (15 without the fault). ATOL v4 reports no mark results:
    ///   no fault.
    /// * Orange Data: a negative value (a check made and failed) without `ignoreItemCodeCheck`
    ///   is the 422 answer with this `checkResult` (§2.2.2); with `ignoreItemCodeCheck`, or a
    ///   value that is not negative, the document is fiscalised as usual (the 200 answer carries
    ///   no mark results).
    /// * Business.ru, other endpoints: no fault (its answers carry no mark results).
    MarkCheckResult(u8),
    /// Registration only: accept the document, then end it `fail` with this KKT error (error
    /// type `driver`). On other endpoints, and on Orange Data (which has no such answer): no
    /// fault.
    RegisterError {
        /// The KKT error code (e.g. 134 «Превышение размеров TLV данных ФН»).
        code: i64,
        /// Its text.
        text: String,
    },
}

impl Fault {
    /// [`Fault::MarkCheckResult`] with 5: checked by the ФН with a negative result, and the
    /// ОИСМ found the status incorrect.
    pub fn negative_mark_check() -> Fault {
        Fault::MarkCheckResult(5)
    }

    /// Whether a 2106 value is a negative check: a check by the ФН (bit 0) without its positive
    /// bit 1, or an ОИСМ check (bit 2) without its "status correct" bit 3.
    pub fn is_negative_mark_check(result: u8) -> bool {
        (result & 1 != 0 && result & 2 == 0) || (result & 4 != 0 && result & 8 == 0)
    }

    /// A KKT error fault with the text the ATOL documentation gives for `code` (a few common
    /// codes; others get «Неизвестная ошибка»).
    pub fn kkt_error(code: i64) -> Fault {
        Fault::RegisterError {
            code,
            text: crate::atol::errors::kkt_error_text(code).to_owned(),
        }
    }
}

/// Random faults: each request, with probability `per_mille / 1000`, gets one of `kinds`
/// (picked uniformly), from a generator seeded with `seed`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RandomFaults {
    seed: u64,
    per_mille: u16,
    kinds: Vec<Fault>,
}

/// The fault plan of an emulator: scripted queues per endpoint, then (when the queue of an
/// endpoint is empty) optional random faults. The default plan injects nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    scripted: HashMap<Endpoint, VecDeque<Fault>>,
    random: Option<RandomFaults>,
}

impl Faults {
    /// No faults.
    pub fn none() -> Faults {
        Faults::default()
    }

    /// Random faults (see the module docs); scripted faults added later take precedence.
    /// `per_mille` above 1000 counts as 1000; an empty `kinds` injects nothing.
    pub fn random(seed: u64, per_mille: u16, kinds: Vec<Fault>) -> Faults {
        Faults {
            scripted: HashMap::new(),
            random: Some(RandomFaults {
                seed,
                per_mille: per_mille.min(1000),
                kinds,
            }),
        }
    }

    /// Appends `fault` to the queue of `endpoint`: the next request to it that finds no earlier
    /// queued fault gets this one.
    pub fn script(mut self, endpoint: Endpoint, fault: Fault) -> Faults {
        self.scripted.entry(endpoint).or_default().push_back(fault);
        self
    }

    /// Appends `fault` `n` times.
    pub fn script_n(mut self, endpoint: Endpoint, fault: Fault, n: usize) -> Faults {
        for _ in 0..n {
            self = self.script(endpoint, fault.clone());
        }
        self
    }
}

/// The live state: the plan plus the generator.
#[derive(Debug)]
pub(crate) struct FaultState {
    plan: Faults,
    rng: SplitMix64,
}

impl FaultState {
    pub(crate) fn new(plan: Faults) -> FaultState {
        let seed = plan.random.as_ref().map_or(0, |r| r.seed);
        FaultState {
            plan,
            rng: SplitMix64(seed),
        }
    }

    /// Replaces the plan (and reseeds the generator).
    pub(crate) fn set(&mut self, plan: Faults) {
        *self = FaultState::new(plan);
    }

    /// Adds one scripted fault to the current plan.
    pub(crate) fn push(&mut self, endpoint: Endpoint, fault: Fault) {
        self.plan
            .scripted
            .entry(endpoint)
            .or_default()
            .push_back(fault);
    }

    /// The fault for the next request to `endpoint`.
    pub(crate) fn next(&mut self, endpoint: Endpoint) -> Fault {
        if let Some(f) = self
            .plan
            .scripted
            .get_mut(&endpoint)
            .and_then(VecDeque::pop_front)
        {
            return f;
        }
        let Some(random) = &self.plan.random else {
            return Fault::Pass;
        };
        if random.kinds.is_empty() {
            return Fault::Pass;
        }
        let roll = self.rng.below(1000);
        if roll >= u64::from(random.per_mille) {
            return Fault::Pass;
        }
        let n = u64::try_from(random.kinds.len()).unwrap_or(u64::MAX);
        let pick = usize::try_from(self.rng.below(n)).unwrap_or(0);
        random.kinds.get(pick).cloned().unwrap_or(Fault::Pass)
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, seedable, good enough to pick faults.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-enough in `0..n` (`n > 0`; modulo bias is irrelevant here).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripted_then_random_is_reproducible() {
        let plan = Faults::random(7, 500, vec![Fault::ServerError(502)])
            .script(Endpoint::Register, Fault::ResetAfterAccept);
        let run = |plan: Faults| {
            let mut s = FaultState::new(plan);
            (0..20)
                .map(|_| s.next(Endpoint::Register))
                .collect::<Vec<_>>()
        };
        let a = run(plan.clone());
        assert_eq!(a[0], Fault::ResetAfterAccept);
        assert!(a[1..].contains(&Fault::ServerError(502)));
        assert!(a[1..].contains(&Fault::Pass));
        assert_eq!(a, run(plan));
    }

    #[test]
    fn negative_mark_check_values() {
        for (v, neg) in [
            (5, true),
            (1, true),
            (7, true),
            (17, true),
            (15, false),
            (3, false),
            (0, false),
            (16, false),
            (19, false),
        ] {
            assert_eq!(Fault::is_negative_mark_check(v), neg, "{v}");
        }
        assert_eq!(Fault::negative_mark_check(), Fault::MarkCheckResult(5));
    }

    #[test]
    fn queues_are_per_endpoint() {
        let mut s = FaultState::new(Faults::none().script(Endpoint::Report, Fault::QueueTimeout));
        assert_eq!(s.next(Endpoint::Register), Fault::Pass);
        assert_eq!(s.next(Endpoint::Report), Fault::QueueTimeout);
        assert_eq!(s.next(Endpoint::Report), Fault::Pass);
    }
}
