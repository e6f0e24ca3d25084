//! Orange Data (API v2) emulator, after the Orange Data protocol «Протокол взаимодействия с
//! интернет кассой», version 2.31.3 (<https://github.com/orangedata-official/API>,
//! `orangedata_API_Russian_ffd_1.2.pdf`; section numbers below are that document's).
//!
//! HTTPS only, with client certificates checked against a test CA generated at start
//! ([`OrangeHandle::ca_pem`] to trust, [`OrangeHandle::issue_client_identity`] for a client
//! certificate), and `X-Signature` checked with the public keys registered per `key` name.
//!
//! ```no_run
//! # async fn demo(public_key_der: Vec<u8>) -> Result<(), fiskal_emulator::EmulatorError> {
//! use fiskal_emulator::orange::{OrangeConfig, OrangeEmulator};
//! let od = OrangeEmulator::start(OrangeConfig::default()).await?;
//! od.register_key("7727401209", public_key_der); // RequestSigner::public_key_der()
//! let identity = od.issue_client_identity()?;     // client certificate chain + key, PEM
//! println!("{} (trust {})", od.base_url(), od.ca_pem());
//! // … run the client under test, then:
//! assert!(od.journal().entries().iter().all(|e| e.is_done()));
//! od.shutdown().await;
//! # let _ = identity; Ok(()) }
//! ```
//!
//! # Endpoints
//!
//! `GET /api/v2/` (ping: `Nebula.Api v2`); `POST /api/v2/documents/`,
//! `POST /api/v2/correction12/` and `POST /api/v2/corrections/` (FFD 1.05 corrections) (201
//! empty; 409 empty for a known `id`; 400 `{"errors":[…]}`; 503 + `Retry-After` when the queue
//! is full); `GET /api/v2/{documents|correction12|corrections}/{inn}/status/{id}` (202 empty
//! while queued; 200 with the §2.2.1 body; 400 `{"errors":[…]}` for an unknown organisation or
//! id; 422 with the marking-check array; 524 empty for a document that expired in the queue);
//! `POST /api/v2/check/` (certificate and signature check of `{inn, group, key}`: 200 empty or
//! 400). Not emulated: `itemcode`, device status, `validateDocument`. Anything else: 404.
//!
//! # Behaviour, and the choices where the protocol is silent
//!
//! **Client certificate** (§2.2): the handshake completes with any certificate (its key must
//! be proven) or none, and then **every request** without a certificate issued by the
//! emulator's CA (or by a CA given with [`OrangeConfig::with_client_ca_pem`], such as Orange
//! Data's own `client_ca.crt`) gets HTTP 401 with the text «client certificate has not been
//! validated», before anything else is looked at: Orange Data's protocol (version 2.31.3 of
//! 10.09.2025, `orangedata_API_Russian_ffd_1.2.pdf` in
//! <https://github.com/orangedata-official/API>) lists «401 Unauthorized – клиентский
//! сертификат не прошел проверку» among the answers of every request (§2.1 «Создание чека»
//! and the sections after it), and §1.2.4 says a client certificate of any other issuer is
//! refused. Client certificates of X.509 version 1 (no extensions), as Orange Data issues them,
//! are accepted like version 3 ones; the chain is checked by the emulator itself (signature of
//! the issuing CA over the certificate, validity period; see `tls::ClientChecker`), since
//! webpki reads only version 3. With
//! [`OrangeConfig::refuse_handshake_without_certificate`] the TLS handshake is refused instead
//! (the client then sees a transport error).
//!
//! **Order of checks** of a POST: certificate (401) → route → method → faults → body is a
//! JSON object (400 «Invalid JSON») → `key` names a registered key and `X-Signature` is the
//! Base64 RSA PKCS#1 v1.5 SHA-256 signature of the exact body bytes under it (400
//! `{"errors":["Подпись не прошла проверку"]}`; an unknown key name or a missing header fails
//! the same way) → queue capacity (503) → fields (400, every finding listed) → organisation
//! and group (400) → the register's rules through fiskal-ffd, and the size (400) → `id`
//! unused in the organisation (409) → 201, journaled.
//!
//! **Fields** (protocol 2.31.3 §2.1.1–§2.1.1.14; the rule-by-rule table with sources and tests
//! is docs/emulators.md): required fields, string lengths, INN digits, enumerations (`type`
//! 1–4; `tax` 1–10 plus [`OrangeConfig::extra_tax_codes`]; `paymentMethodType` 1–7;
//! `paymentSubjectType` 1–27, 30–33; payment `type` 1, 2, 14, 15, 16; `taxationSystem` 0–5;
//! `plannedStatus` 1–6, 255; `quantityMeasurementUnit` 0–255), `ffdVersion` 2 or 4 (4 required
//! on `correction12`), the FFD split (`nomenclatureCode`/`unitOfMeasurement`/`customer`/
//! `customerINN` 1.05 only; `itemCode`/`quantityMeasurementUnit`/`customerInfo` 1.2 only),
//! money with ≤ 2 decimals up to 99 999 999.99, quantity with ≤ 6 decimals in both FFD
//! versions (numbers in exponent form, `1e-06`, are numbers), `customerContact` required (1–64
//! characters; its form `+digits`, `x@y` or `none` only with [`OrangeConfig::strict`], §1.2.6),
//! `automatNumber`/`settlementAddress`/`settlementPlace` present iff the group has
//! [`OrangeGroup::automat`], and the sums: Σ `checkClose.payments` = the total exactly (the
//! emulator gives no change: `change` is always 0.00); `totalSum` ≤ Σ round(price × quantity)
//! by less than one rouble (§2.1.1.1 "rounding down"). `totalSum` may be left out (the
//! protocol's samples and the official clients do): the total is then Σ round(price ×
//! quantity); with `strict` it is required for FFD 1.05, as the field table says.
//!
//! **FFD 1.05 corrections** (`/api/v2/corrections/`, §2.3) are a totals record with their own
//! fields: `correctionType` 0/1, `type` 1 or 3 only, `causeDocumentDate` ISO-8601 at
//! `00:00:00`, `causeDocumentNumber` required when `correctionType` is 1, `totalSum` = Σ
//! `cashSum`, `eCashSum`, `prepaymentSum`, `postpaymentSum`, `otherPaymentTypeSum` (absent = 0)
//! exactly, `tax1Sum`…`tax10Sum` money, `taxationSystem` 0–5 (in `content`, no `checkClose`),
//! `ffdVersion` 2 if present, `customerContact` optional. They go to the FFD 1.05 group (`Main`
//! by default), have no positions, so fiskal-ffd's receipt rules are not applied to them.
//!
//! Error texts are in Russian like the protocol's sample (§2.1.2: «Не указан идентификатор
//! документа 'Id'», «Не указан ИНН организации 'INN'», «Отсутствует содержимое документа
//! 'Content'», used verbatim), one per finding, naming the field by the API's own path
//! (`content.positions[0].tax: недопустимое значение 13`), also for the register's rules.
//!
//! **Organisations and groups**: an `inn` not configured → 400 «Организация с ИНН '…' не
//! найдена» (the status and `check` endpoints still answer «Organization with INN '…' not
//! found»); a `group` the organisation does not have → 400. `group` null or absent → `Main_2`
//! for `ffdVersion` 4, else `Main`. A group's FFD version follows its name (`*_2` = FFD 1.2);
//! a document of the other version → 400 (inferred, not documented). One emulated register
//! per group.
//!
//! **The register's rules**: the document is converted to a [`fiskal_ffd::Receipt`] and checked
//! by `fiskal_ffd::validate_with` (lengths, digits, enumerations per version, mark rules …; a
//! code the marking check below refuses is left out, as it becomes a 422; the ИНН check digit,
//! a marked item's payment subject 31/33, the form of 1008/1117, VAT sums against the rate and
//! characters CP866 lacks only with [`OrangeConfig::strict`]), then its TLV size bound against
//! [`OrangeConfig::max_document_size`]; findings are 400s at the POST (Orange Data validates
//! synchronously; a too-large document is refused with «Размер документа … превышает …»;
//! characters CP866 lacks are dropped first, as the service does, §1.2.6). With
//! `ignoreItemCodeCheck` a code must still be readable (the FN stores it as 1163): an
//! unreadable one is a 400 then.
//!
//! **Processing**: after [`OrangeConfig::processing_delay`], the register fiscalises the
//! document: status 200 with `deviceSN`, `deviceRN`, `fsNumber` (16 digits starting `9999`, a
//! test FN), `ofdName`, `ofdWebsite`, `ofdinn`, `fnsWebsite`, `companyINN`, `companyName`,
//! `documentNumber`, `shiftNumber`, `documentIndex`, `processedAt` (Moscow time,
//! `YYYY-MM-DDTHH:MM:SS`), `content` (echoed byte for byte), `change`, `fp` (10 digits, as a
//! string), `callbackUrl`, `meta`. Unless `ignoreItemCodeCheck` is true, every `itemCode` must
//! pass the marking check: a code `fiskal_marks::MarkCode::parse` refuses (or any code, with
//! [`crate::Fault::ItemCodeCheckFailed`]) makes the status 422 with the §2.2.2 array (one entry
//! per failing position, `checkResult` 0, `fsCheckStatus` 0) and nothing is fiscalised.
//! [`crate::Fault::QueueTimeout`] makes the document expire: 524.
//!
//! **Status lookups** are per kind: a `correction12` document is found under
//! `/correction12/{inn}/status/{id}` only, a 1.05 correction under `/corrections/…` only, and
//! a receipt under `/documents/…` only.
//!
//! **Queue**: with [`OrangeConfig::queue_capacity`], a POST while that many documents wait is
//! answered 503 `{"errors":["Document queue is full"]}` with `Retry-After:`
//! [`OrangeConfig::retry_after_secs`]; [`crate::Fault::Unavailable`] does the same on demand.
//!
//! **Faults** ([`crate::Fault`], endpoints `Register` for the POSTs and `Report` for status):
//! `ServerError(500)` → 500 `{"errors":["Internal server error"]}`, other statuses an nginx
//! page; `ResetAfterAccept` accepts (journals) the document and closes the connection
//! unanswered; `ResetBeforeAccept` closes without processing; `Delay` holds the answer back;
//! `RegisterError` has no Orange Data equivalent and is ignored. A POST fault is consumed by
//! the next document POST whatever its fate (`QueueTimeout`, `ItemCodeCheckFailed` act only if
//! that document is accepted). Faults apply after the certificate check and not to the ping or
//! `check`. A wrong HTTP method is answered 405 (empty).
//!
//! **Journal**: `api` is `"orange"`, `group_code` the group, `operation` `sell`,
//! `sell_refund`, `buy`, `buy_refund` (with `_correction` for `correction12` and
//! `corrections`), `external_id`
//! the `id`, `uuid` `"{inn}/{id}"`; [`crate::Journal::by_external_id`] takes the INN (ids are
//! unique per organisation, §2.1). A 422 or 524 ends `Fail` with code 422 / 524.
//!
//! **Callbacks**: when `callbackUrl` is set, the status JSON is POSTed once when the document
//! is processed (the payload is unspecified, `callbackUrl` in §2.1.1; this is the inferred one), to `http://`
//! loopback addresses only; `callbackApiKey` is not sent (its transport is undocumented).

mod checks;
mod convert;
mod service;

use crate::core::{config_error, handle_api, is_digits, setters, Served};
use crate::error::EmulatorError;
use crate::faults::Faults;
use crate::tls::{IssuedCert, TestCa};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// One group of registers of an organisation (one emulated register per group).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrangeGroup {
    /// The group name (`Main`, `Main_2` …); names ending in `_2` are FFD 1.2 groups.
    pub name: String,
    /// The group has the "automat data" flag (vending, transport, courier): documents must
    /// carry `automatNumber`, `settlementAddress` and `settlementPlace`; other groups must not.
    pub automat: bool,
    /// `deviceSN` of the group's register.
    pub device_sn: String,
    /// `deviceRN`: 1037 «регистрационный номер ККТ», 16 digits.
    pub device_rn: String,
    /// `fsNumber`: 1041 «номер ФН», 16 digits (test FNs start with `9999`).
    pub fs_number: String,
    /// 1187 «место расчетов» registered for the group's register, used when a document does
    /// not carry `settlementPlace` (default `https://shop.example.ru`).
    pub settlement_place: String,
    /// 1009 «адрес расчетов» registered for the register, used likewise (default none).
    pub settlement_address: Option<String>,
}

impl OrangeGroup {
    /// A group; the register's numbers are derived from the INN and name (stable).
    pub fn new(inn: &str, name: impl Into<String>) -> OrangeGroup {
        let name = name.into();
        let seed = format!("{inn}/{name}");
        let d = |p: &str, n: usize| crate::fiscal::digits_from(&format!("{p}:{seed}"), n);
        OrangeGroup {
            device_sn: format!("0000000000{}", d("sn", 6)),
            device_rn: format!("0000{}", d("rn", 12)),
            fs_number: format!("9999{}", d("fn", 12)),
            automat: false,
            settlement_place: "https://shop.example.ru".into(),
            settlement_address: None,
            name,
        }
    }

    /// Whether documents of this group are FFD 1.2 (`ffdVersion` 4).
    pub fn is_ffd12(&self) -> bool {
        self.name.ends_with("_2")
    }
}

/// One organisation (client of Orange Data).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrangeOrganization {
    /// Its INN (`inn` of requests and status URLs).
    pub inn: String,
    /// `companyName` in status answers.
    pub name: String,
    /// Its groups (default `Main` and `Main_2`).
    pub groups: Vec<OrangeGroup>,
}

impl OrangeOrganization {
    /// An organisation with the groups `Main` (FFD 1.05) and `Main_2` (FFD 1.2).
    pub fn new(inn: impl Into<String>, name: impl Into<String>) -> OrangeOrganization {
        let inn = inn.into();
        OrangeOrganization {
            groups: vec![
                OrangeGroup::new(&inn, "Main"),
                OrangeGroup::new(&inn, "Main_2"),
            ],
            inn,
            name: name.into(),
        }
    }

    /// Orange Data's test organisation (ИНН `7727401209`, protocol §1.2.1 «Две тестовые
    /// среды»).
    pub fn test() -> OrangeOrganization {
        OrangeOrganization::new("7727401209", "ООО \"ТЕСТОВАЯ ОРГАНИЗАЦИЯ\"")
    }
}

/// How a marking code passes the emulated FN/ИСМ check (unless `ignoreItemCodeCheck`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ItemCodeCheck {
    /// A code fails when `fiskal_marks::MarkCode::parse` refuses it (default).
    Parse,
    /// Every code passes.
    AcceptAll,
    /// Every code fails (status 422).
    RejectAll,
}

/// A fresh RSA-2048 request-signing key for an Orange Data client, made for tests, demos and
/// users' CI against this emulator (never written anywhere by this crate). `Debug` shows only
/// the public half.
#[derive(Clone)]
pub struct SigningKey {
    /// The private key, PKCS#8 PEM (a client's `signing_key`).
    pub private_pem: String,
    /// The public key, DER PKCS#1 `RSAPublicKey` (what [`OrangeHandle::register_key`] takes).
    pub public_der: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field(
                "public_der",
                &format_args!("{} bytes", self.public_der.len()),
            )
            .finish_non_exhaustive()
    }
}

/// Generates a [`SigningKey`]: RSA-2048 with exponent 65537, as Orange Data issues them
/// (generated by RustCrypto `rsa`, then read back and checked by *ring*, which signs with it in
/// fiskal-providers).
pub fn generate_signing_key() -> Result<SigningKey, EmulatorError> {
    let (pkcs8, public_der) = crate::tls::generate_rsa_2048()?;
    Ok(SigningKey {
        private_pem: crate::tls::private_key_pem(&pkcs8),
        public_der,
    })
}

/// Configuration of the Orange Data emulator. Start from [`OrangeConfig::default`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OrangeConfig {
    /// Loopback port; 0 = any free port.
    pub port: u16,
    /// The organisations (default: the test organisation `7727401209`).
    pub organizations: Vec<OrangeOrganization>,
    /// Public keys for `X-Signature`, by `key` name: DER, PKCS#1 `RSAPublicKey` (what
    /// `RequestSigner::public_key_der` gives) or `SubjectPublicKeyInfo`. More with
    /// [`OrangeHandle::register_key`].
    pub keys: Vec<(String, Vec<u8>)>,
    /// How long a document stays queued (202) before it is processed (default 300 ms).
    pub processing_delay: Duration,
    /// Largest document, bytes of `fiskal_ffd::size::document_size_bound` (default 30 720).
    pub max_document_size: usize,
    /// More accepted `tax` codes, as (Orange Data code, 1199 value), e.g. `(11, 11)` for 22 %
    /// once Orange Data documents one (protocol 2.31.3 has 1–10 only).
    pub extra_tax_codes: Vec<(u8, u8)>,
    /// The marking-code check (default [`ItemCodeCheck::Parse`]).
    pub item_code_check: ItemCodeCheck,
    /// With `Some(n)`: a POST while `n` documents wait gets 503 (default `None`).
    pub queue_capacity: Option<usize>,
    /// `Retry-After` of the queue-full 503, seconds (default 5).
    pub retry_after_secs: u32,
    /// Refuse the TLS handshake of a client without a valid certificate, instead of HTTP 401
    /// (default false).
    pub refuse_handshake_without_certificate: bool,
    /// More CAs whose client certificates are accepted, PEM (one or more certificates each),
    /// besides the emulator's own CA (default none). E.g. Orange Data's published
    /// `files_for_test/client_ca.crt`, so that its test `client.crt` is accepted. The server's
    /// own certificate still comes from the emulator's CA ([`OrangeHandle::ca_pem`]).
    pub client_ca_pems: Vec<String>,
    /// Faults from the start (default none).
    pub faults: Faults,
    /// Timeout of one callback POST (default 2 s).
    pub callback_timeout: Duration,
    /// `ofdName` (default «ООО "Ярус" ("ОФД-Я")», as in the §2.2.1 sample).
    pub ofd_name: String,
    /// `ofdWebsite` (default `www.ofd-ya.ru`).
    pub ofd_website: String,
    /// `ofdinn` (default `7728699517`).
    pub ofd_inn: String,
    /// `fnsWebsite` (default `www.nalog.gov.ru`).
    pub fns_website: String,
    /// Also apply the rules the protocol does not say the service enforces (default false):
    /// `totalSum` required for FFD 1.05 (as its field table says, though its samples leave it
    /// out), the form of `customerContact`, ИНН check digits, a marked item's payment subject
    /// (31/33), VAT sums against their rates, characters CP866 lacks. See docs/emulators.md.
    pub strict: bool,
}

impl Default for OrangeConfig {
    fn default() -> Self {
        OrangeConfig {
            port: 0,
            organizations: vec![OrangeOrganization::test()],
            keys: Vec::new(),
            processing_delay: Duration::from_millis(300),
            max_document_size: fiskal_ffd::size::DEFAULT_BUDGET,
            extra_tax_codes: Vec::new(),
            item_code_check: ItemCodeCheck::Parse,
            queue_capacity: None,
            retry_after_secs: 5,
            refuse_handshake_without_certificate: false,
            client_ca_pems: Vec::new(),
            faults: Faults::none(),
            callback_timeout: Duration::from_secs(2),
            ofd_name: "ООО \"Ярус\" (\"ОФД-Я\")".into(),
            ofd_website: "www.ofd-ya.ru".into(),
            ofd_inn: "7728699517".into(),
            fns_website: "www.nalog.gov.ru".into(),
            strict: false,
        }
    }
}

setters!(OrangeConfig {
    with_port: port: u16,
    with_processing_delay: processing_delay: Duration,
    with_strict: strict: bool,
    with_faults: faults: Faults,
});

impl OrangeConfig {
    /// Registers a public key (DER) under a `key` name.
    pub fn with_key(mut self, name: impl Into<String>, public_key_der: Vec<u8>) -> Self {
        self.keys.push((name.into(), public_key_der));
        self
    }

    /// Adds an organisation.
    pub fn with_organization(mut self, org: OrangeOrganization) -> Self {
        self.organizations.push(org);
        self
    }

    /// Also accepts client certificates issued by this CA (PEM; see
    /// [`OrangeConfig::client_ca_pems`]). An unreadable PEM fails [`OrangeEmulator::start`]
    /// with [`EmulatorError::Config`] naming `client_ca_pems[i]`.
    pub fn with_client_ca_pem(mut self, ca_pem: impl Into<String>) -> Self {
        self.client_ca_pems.push(ca_pem.into());
        self
    }

    fn check(&self) -> Result<(), EmulatorError> {
        let bad = config_error;
        let digits = is_digits;
        let mut inns = HashSet::new();
        for (i, o) in self.organizations.iter().enumerate() {
            if !digits(&o.inn, &[10, 12]) || !inns.insert(&o.inn) {
                return Err(bad(
                    format!("organizations[{i}].inn"),
                    "must be 10 or 12 digits and unique",
                ));
            }
            let mut names = HashSet::new();
            for (j, g) in o.groups.iter().enumerate() {
                let f = |x: &str| format!("organizations[{i}].groups[{j}].{x}");
                if g.name.is_empty() || g.name.chars().count() > 32 || !names.insert(&g.name) {
                    return Err(bad(f("name"), "must be 1..32 characters and unique"));
                }
                if !digits(&g.fs_number, &[16]) {
                    return Err(bad(f("fs_number"), "must be 16 digits"));
                }
                if !digits(&g.device_rn, &[16]) {
                    return Err(bad(f("device_rn"), "must be 16 digits"));
                }
            }
        }
        for (i, (name, _)) in self.keys.iter().enumerate() {
            if name.is_empty() || name.chars().count() > 32 {
                return Err(bad(format!("keys[{i}]"), "key names are 1..32 characters"));
            }
        }
        Ok(())
    }
}

/// One DER element: (tag, content, rest).
fn der_element(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, r) = b.split_first()?;
    let (&l0, r) = r.split_first()?;
    let (len, r) = if l0 < 0x80 {
        (usize::from(l0), r)
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 4 || r.len() < n {
            return None;
        }
        let len = r[..n].iter().fold(0usize, |a, &x| a << 8 | usize::from(x));
        (len, &r[n..])
    };
    (r.len() >= len).then(|| (tag, &r[..len], &r[len..]))
}

/// An RSA public key as ring verifies it (PKCS#1 `RSAPublicKey`), from PKCS#1 or from
/// X.509 `SubjectPublicKeyInfo` DER (what `BEGIN PUBLIC KEY` PEM files hold).
pub(crate) fn rsa_public_key_pkcs1(der: Vec<u8>) -> Vec<u8> {
    const RSA_ENCRYPTION: &[u8] = &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
    ];
    let spki = || {
        let (0x30, seq, _) = der_element(&der)? else {
            return None;
        };
        let (0x30, alg, rest) = der_element(seq)? else {
            return None;
        };
        let (0x03, bits, _) = der_element(rest)? else {
            return None;
        };
        let (0, key) = bits.split_first()? else {
            return None;
        };
        alg.starts_with(RSA_ENCRYPTION).then(|| key.to_vec())
    };
    spki().unwrap_or(der)
}

/// The Orange Data emulator. See the module docs.
#[derive(Debug)]
pub struct OrangeEmulator;

impl OrangeEmulator {
    /// Generates the test CA, binds `127.0.0.1:<config.port>` and serves HTTPS until the
    /// handle is shut down or dropped. Must be called inside a tokio runtime.
    pub async fn start(config: OrangeConfig) -> Result<OrangeHandle, EmulatorError> {
        config.check()?;
        let mut more_cas = Vec::new();
        for (i, pem) in config.client_ca_pems.iter().enumerate() {
            more_cas.extend(crate::tls::ca_certs_from_pem(
                pem,
                &format!("client_ca_pems[{i}]"),
            )?);
        }
        let ca = TestCa::new()?;
        let checker = ca.client_checker(more_cas)?;
        let tls = ca.server_config_for_clients(
            checker.clone(),
            config.refuse_handshake_without_certificate,
        )?;
        let port = config.port;
        let served = Served::start(port, service::Orange::new(config, checker), Some(tls)).await?;
        Ok(OrangeHandle {
            served,
            ca_pem: ca.cert_pem(),
            ca: Arc::new(ca),
        })
    }
}

/// A running Orange Data emulator. Dropping it stops the server.
///
/// Methods: [`addr`](OrangeHandle::addr), [`base_url`](OrangeHandle::base_url),
/// [`ca_pem`](OrangeHandle::ca_pem),
/// [`issue_client_identity`](OrangeHandle::issue_client_identity),
/// [`issue_client_identity_v1`](OrangeHandle::issue_client_identity_v1),
/// [`register_key`](OrangeHandle::register_key), [`journal`](OrangeHandle::journal),
/// [`set_faults`](OrangeHandle::set_faults), [`push_fault`](OrangeHandle::push_fault),
/// [`shutdown`](OrangeHandle::shutdown).
#[derive(Debug)]
pub struct OrangeHandle {
    served: Served<service::Orange>,
    ca: Arc<TestCa>,
    ca_pem: String,
}

handle_api!(OrangeHandle, "documents");

impl OrangeHandle {
    /// `https://127.0.0.1:<port>` (no trailing slash; paths start with `/api/v2/`).
    pub fn base_url(&self) -> String {
        format!("https://{}", self.served.addr())
    }

    /// The PEM certificate of the test CA: it issued the server's certificate (valid for
    /// `127.0.0.1`, `localhost`, `::1`) and the client certificates the emulator accepts.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A new client certificate of the test CA (common name: the first organisation's INN):
    /// `cert_pem` is the chain (leaf, then the CA), `key_pem` its PKCS#8 key.
    pub fn issue_client_identity(&self) -> Result<IssuedCert, EmulatorError> {
        let cn = self
            .served
            .state
            .first_inn()
            .unwrap_or_else(|| "fiskal-emulator client".into());
        self.ca.issue_client_chain(&cn)
    }

    /// Like [`issue_client_identity`](OrangeHandle::issue_client_identity), but the leaf is
    /// made the way Orange Data issues client certificates: X.509 version 1 (no extensions),
    /// RSA 2048 ([`TestCa::issue_client_v1`]). `cert_pem` is the chain (leaf, then the CA).
    pub fn issue_client_identity_v1(&self) -> Result<IssuedCert, EmulatorError> {
        let cn = self
            .served
            .state
            .first_inn()
            .unwrap_or_else(|| "fiskal-emulator client".into());
        let mut id = self.ca.issue_client_v1(&cn)?;
        id.cert_pem.push_str(&self.ca_pem);
        Ok(id)
    }

    /// Generates a request-signing key ([`generate_signing_key`]), registers its public key for
    /// `key` = `name`, and returns the private key as PKCS#8 PEM: what a client's
    /// `signing_key` setting takes.
    pub fn issue_signing_key(&self, name: impl Into<String>) -> Result<String, EmulatorError> {
        let key = generate_signing_key()?;
        self.register_key(name, key.public_der);
        Ok(key.private_pem)
    }

    /// Registers (or replaces) the public key that verifies `X-Signature` for `key` = `name`:
    /// DER, PKCS#1 `RSAPublicKey` (what `RequestSigner::public_key_der` gives) or X.509
    /// `SubjectPublicKeyInfo`.
    pub fn register_key(&self, name: impl Into<String>, public_key_der: Vec<u8>) {
        self.served.state.register_key(name.into(), public_key_der);
    }
}
