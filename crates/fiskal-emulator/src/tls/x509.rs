//! Just enough X.509 (RFC 5280 §4.1) to check a client certificate chain of version 1 or 3:
//! the signed `tbsCertificate` bytes, names, validity, public key, signature, and the three
//! extensions a client certificate check needs. webpki reads v3 only, and Orange Data issues
//! v1 client certificates.
//!
//! A strict DER walk: definite minimal lengths, every element where RFC 5280 puts it, nothing
//! after the certificate. Anything else is an error, never a panic. (fiskal-providers has its
//! own smaller walk, down to the public key only: the crates do not depend on each other.)

use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, SubjectPublicKeyInfoDer};
use rustls::CertificateError;

const BOOLEAN: u8 = 0x01;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const SEQUENCE: u8 = 0x30;
/// `[0] EXPLICIT Version`.
const VERSION_TAG: u8 = 0xa0;
/// `[1] IMPLICIT UniqueIdentifier` (issuer), `[2]` (subject): v2 and v3 only.
const ISSUER_UID_TAG: u8 = 0x81;
const SUBJECT_UID_TAG: u8 = 0x82;
/// `[3] EXPLICIT Extensions`: v3 only.
const EXTENSIONS_TAG: u8 = 0xa3;

/// Extension OIDs (content bytes), RFC 5280 §4.2.1.
const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
const EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
const SUBJECT_KEY_ID: &[u8] = &[0x55, 0x1d, 0x0e];
const AUTHORITY_KEY_ID: &[u8] = &[0x55, 0x1d, 0x23];
/// `id-kp-clientAuth` (1.3.6.1.5.5.7.3.2) and `anyExtendedKeyUsage` (2.5.29.37.0).
const KP_CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
const ANY_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25, 0x00];

/// A DER element split from its input: `(tag, whole element, content, what follows)`.
type Element<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

/// An element of a known tag: `(whole element, content, what follows)`.
type Parts<'a> = (&'a [u8], &'a [u8], &'a [u8]);

/// One DER element at the start of `input`.
fn element(input: &[u8]) -> Result<Element<'_>, &'static str> {
    let (&tag, rest) = input.split_first().ok_or("truncated")?;
    if tag & 0x1f == 0x1f {
        return Err("high tag numbers are not used in certificates");
    }
    let (&first, rest) = rest.split_first().ok_or("truncated")?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return Err("bad length");
        }
        let (bytes, rest) = rest.split_at_checked(n).ok_or("truncated")?;
        let len = bytes.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b));
        let len = usize::try_from(len).map_err(|_| "bad length")?;
        if bytes[0] == 0 || len < 0x80 {
            return Err("length not minimally encoded");
        }
        (len, rest)
    };
    let (content, rest) = rest.split_at_checked(len).ok_or("truncated")?;
    let whole = &input[..input.len() - rest.len()];
    Ok((tag, whole, content, rest))
}

/// The next element, which must carry `tag`: `(whole, content, rest)`.
fn expect<'a>(input: &'a [u8], tag: u8, what: &'static str) -> Result<Parts<'a>, String> {
    let (t, whole, content, rest) = element(input).map_err(|e| format!("{what}: {e}"))?;
    if t != tag {
        return Err(format!("{what}: unexpected tag 0x{t:02x}"));
    }
    Ok((whole, content, rest))
}

/// The content of a BIT STRING whose bits fill whole bytes (keys, signatures).
fn whole_bytes<'a>(bits: &'a [u8], what: &'static str) -> Result<&'a [u8], String> {
    match bits.split_first() {
        Some((0, bytes)) => Ok(bytes),
        _ => Err(format!("{what}: not a whole number of bytes")),
    }
}

/// A certificate read from its DER (borrowed).
#[derive(Debug, Clone)]
pub(crate) struct Cert<'a> {
    /// The `tbsCertificate` element: the signed bytes.
    tbs: &'a [u8],
    /// 1, 2 or 3.
    pub(crate) version: u8,
    /// The issuer `Name` element (with its SEQUENCE header).
    pub(crate) issuer: &'a [u8],
    /// The subject `Name` element (with its SEQUENCE header).
    pub(crate) subject: &'a [u8],
    /// Validity, Unix seconds (inclusive both ends).
    not_before: i64,
    not_after: i64,
    /// The whole `SubjectPublicKeyInfo` element.
    spki: &'a [u8],
    /// Its `AlgorithmIdentifier` content (OID and parameters).
    spki_alg: &'a [u8],
    /// Its public key bytes.
    spki_key: &'a [u8],
    /// `signatureAlgorithm` content.
    sig_alg: &'a [u8],
    /// `signatureValue` bytes.
    signature: &'a [u8],
    /// basicConstraints says `cA: TRUE` (v3 only).
    pub(crate) is_ca: bool,
    /// No extended key usage, or one that allows client authentication.
    pub(crate) client_auth_allowed: bool,
    /// A critical extension not understood here.
    pub(crate) unknown_critical: bool,
}

impl<'a> Cert<'a> {
    /// Reads a certificate; the error says which element is wrong.
    pub(crate) fn parse(der: &'a [u8]) -> Result<Cert<'a>, String> {
        let (_, certificate, trailing) = expect(der, SEQUENCE, "Certificate")?;
        if !trailing.is_empty() {
            return Err("bytes after the certificate".into());
        }
        let (tbs, tbs_content, rest) = expect(certificate, SEQUENCE, "tbsCertificate")?;
        let (outer_alg, sig_alg, rest) = expect(rest, SEQUENCE, "signatureAlgorithm")?;
        let (_, signature, rest) = expect(rest, BIT_STRING, "signatureValue")?;
        if !rest.is_empty() {
            return Err("Certificate: unexpected element after signatureValue".into());
        }
        let signature = whole_bytes(signature, "signatureValue")?;

        let mut rest = tbs_content;
        let mut version = 1;
        if rest.first() == Some(&VERSION_TAG) {
            let (_, explicit, after) = expect(rest, VERSION_TAG, "version")?;
            let (_, number, tail) = expect(explicit, INTEGER, "version")?;
            version = match (number, tail) {
                ([0], []) => 1,
                ([1], []) => 2,
                ([2], []) => 3,
                _ => return Err("version: not 1, 2 or 3".into()),
            };
            rest = after;
        }
        let (_, serial, rest) = expect(rest, INTEGER, "serialNumber")?;
        if serial.is_empty() {
            return Err("serialNumber: empty".into());
        }
        let (inner_alg, _, rest) = expect(rest, SEQUENCE, "signature")?;
        if inner_alg != outer_alg {
            return Err("signature: differs from signatureAlgorithm".into());
        }
        let (issuer, _, rest) = expect(rest, SEQUENCE, "issuer")?;
        let (_, validity, rest) = expect(rest, SEQUENCE, "validity")?;
        let (not_before, validity) = time(validity, "validity.notBefore")?;
        let (not_after, validity) = time(validity, "validity.notAfter")?;
        if !validity.is_empty() {
            return Err("validity: unexpected element".into());
        }
        let (subject, _, rest) = expect(rest, SEQUENCE, "subject")?;
        let (spki, spki_content, mut rest) = expect(rest, SEQUENCE, "subjectPublicKeyInfo")?;
        let (_, spki_alg, key) = expect(spki_content, SEQUENCE, "subjectPublicKeyInfo.algorithm")?;
        let (_, key, tail) = expect(key, BIT_STRING, "subjectPublicKeyInfo.subjectPublicKey")?;
        if !tail.is_empty() {
            return Err("subjectPublicKeyInfo: unexpected element".into());
        }
        let spki_key = whole_bytes(key, "subjectPublicKeyInfo.subjectPublicKey")?;
        expect(spki_alg, OID, "subjectPublicKeyInfo.algorithm")?;

        for (tag, what) in [
            (ISSUER_UID_TAG, "issuerUniqueID"),
            (SUBJECT_UID_TAG, "subjectUniqueID"),
        ] {
            if rest.first() == Some(&tag) {
                if version == 1 {
                    return Err(format!("{what}: not allowed in version 1"));
                }
                rest = expect(rest, tag, what)?.2;
            }
        }
        let mut cert = Cert {
            tbs,
            version,
            issuer,
            subject,
            not_before,
            not_after,
            spki,
            spki_alg,
            spki_key,
            sig_alg,
            signature,
            is_ca: false,
            client_auth_allowed: true,
            unknown_critical: false,
        };
        if rest.first() == Some(&EXTENSIONS_TAG) {
            if version != 3 {
                return Err("extensions: allowed in version 3 only".into());
            }
            let (_, explicit, after) = expect(rest, EXTENSIONS_TAG, "extensions")?;
            let (_, list, tail) = expect(explicit, SEQUENCE, "extensions")?;
            if !tail.is_empty() {
                return Err("extensions: unexpected element".into());
            }
            cert.read_extensions(list)?;
            rest = after;
        }
        if !rest.is_empty() {
            return Err("tbsCertificate: unexpected element at the end".into());
        }
        Ok(cert)
    }

    fn read_extensions(&mut self, mut list: &'a [u8]) -> Result<(), String> {
        while !list.is_empty() {
            let (_, ext, after) = expect(list, SEQUENCE, "extension")?;
            list = after;
            let (_, oid, rest) = expect(ext, OID, "extension.extnID")?;
            let (critical, rest) = if rest.first() == Some(&BOOLEAN) {
                let (_, b, rest) = expect(rest, BOOLEAN, "extension.critical")?;
                (b == [0xff], rest)
            } else {
                (false, rest)
            };
            let (_, value, tail) = expect(rest, OCTET_STRING, "extension.extnValue")?;
            if !tail.is_empty() {
                return Err("extension: unexpected element".into());
            }
            match oid {
                BASIC_CONSTRAINTS => {
                    let (_, bc, _) = expect(value, SEQUENCE, "basicConstraints")?;
                    if bc.first() == Some(&BOOLEAN) {
                        let (_, ca, _) = expect(bc, BOOLEAN, "basicConstraints.cA")?;
                        self.is_ca = ca == [0xff];
                    }
                }
                EXT_KEY_USAGE => {
                    let (_, mut purposes, _) = expect(value, SEQUENCE, "extKeyUsage")?;
                    self.client_auth_allowed = false;
                    while !purposes.is_empty() {
                        let (_, p, after) = expect(purposes, OID, "extKeyUsage")?;
                        purposes = after;
                        if p == KP_CLIENT_AUTH || p == ANY_EXT_KEY_USAGE {
                            self.client_auth_allowed = true;
                        }
                    }
                }
                KEY_USAGE | SUBJECT_ALT_NAME | SUBJECT_KEY_ID | AUTHORITY_KEY_ID => {}
                _ if critical => self.unknown_critical = true,
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether `now` (Unix seconds) is within the validity period.
    pub(crate) fn check_time(&self, now: u64) -> Result<(), CertificateError> {
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        if now < self.not_before {
            Err(CertificateError::NotValidYet)
        } else if now > self.not_after {
            Err(CertificateError::Expired)
        } else {
            Ok(())
        }
    }

    /// Whether `issuer`'s key made this certificate's signature (over the exact
    /// `tbsCertificate` bytes), with an algorithm of `algs` that fits both the signature
    /// algorithm and the issuer's key type.
    pub(crate) fn signed_by(&self, issuer: &Cert<'_>, algs: &WebPkiSupportedAlgorithms) -> bool {
        algs.all.iter().any(|alg| {
            alg.signature_alg_id().as_ref() == self.sig_alg
                && alg.public_key_alg_id().as_ref() == issuer.spki_alg
                && alg
                    .verify_signature(issuer.spki_key, self.tbs, self.signature)
                    .is_ok()
        })
    }
}

/// A `Time` (RFC 5280 §4.1.2.5: UTCTime `YYMMDDHHMMSSZ`, years 1950–2049, or GeneralizedTime
/// `YYYYMMDDHHMMSSZ`) as Unix seconds, and what follows it.
fn time<'a>(input: &'a [u8], what: &'static str) -> Result<(i64, &'a [u8]), String> {
    let (tag, _, content, rest) = element(input).map_err(|e| format!("{what}: {e}"))?;
    let bad = || format!("{what}: not a valid time");
    let digits = |s: &[u8]| -> Option<i64> {
        s.iter().try_fold(0i64, |a, &c| {
            c.is_ascii_digit().then(|| a * 10 + i64::from(c - b'0'))
        })
    };
    let (year, tail) = match (tag, content) {
        (UTC_TIME, [y @ .., b'Z']) if y.len() == 12 => {
            let yy = digits(&y[..2]).ok_or_else(bad)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &y[2..])
        }
        (GENERALIZED_TIME, [y @ .., b'Z']) if y.len() == 14 => {
            (digits(&y[..4]).ok_or_else(bad)?, &y[4..])
        }
        _ => return Err(bad()),
    };
    let part = |i: usize| digits(&tail[i..i + 2]).ok_or_else(bad);
    let (month, day, hour, minute, second) = (part(0)?, part(2)?, part(4)?, part(6)?, part(8)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if !(1..=month_days).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return Err(bad());
    }
    let days = days_from_civil(year, month, day);
    Ok((days * 86_400 + hour * 3_600 + minute * 60 + second, rest))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Verifies a handshake signature (`CertificateVerify`) against the public key of `cert`,
/// read here rather than by webpki so that v1 certificates work. TLS 1.3 goes through rustls'
/// raw-public-key check (which also refuses the schemes TLS 1.3 forbids); TLS 1.2 tries each
/// algorithm `algs` maps the scheme to, as rustls' webpki path does.
pub(crate) fn verify_handshake_signature(
    algs: &WebPkiSupportedAlgorithms,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &rustls::DigitallySignedStruct,
    tls13: bool,
) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
    let cert = Cert::parse(cert.as_ref())
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    if tls13 {
        let spki = SubjectPublicKeyInfoDer::from(cert.spki);
        return rustls::crypto::verify_tls13_signature_with_raw_key(message, &spki, dss, algs);
    }
    let candidates = algs
        .mapping
        .iter()
        .find(|(scheme, _)| *scheme == dss.scheme)
        .map(|(_, a)| *a)
        .ok_or(rustls::PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme)?;
    let valid = candidates.iter().any(|alg| {
        alg.public_key_alg_id().as_ref() == cert.spki_alg
            && alg
                .verify_signature(cert.spki_key, message, dss.signature())
                .is_ok()
    });
    if valid {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    } else {
        Err(rustls::Error::InvalidCertificate(
            CertificateError::BadSignature,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem(text: &str) -> Vec<CertificateDer<'static>> {
        rustls_pemfile::certs(&mut text.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .expect("PEM")
    }

    const OFFICIAL_CLIENT: &str =
        include_str!("../../../fiskal-providers/tests/fixtures/orange/official/client.crt");
    const OFFICIAL_CA: &str =
        include_str!("../../../fiskal-providers/tests/fixtures/orange/official/client_ca.crt");

    #[test]
    fn reads_orange_datas_v1_client_certificate() {
        let leaf = &pem(OFFICIAL_CLIENT)[0];
        let ca = &pem(OFFICIAL_CA)[0];
        let leaf = Cert::parse(leaf.as_ref()).expect("v1 certificate");
        let ca = Cert::parse(ca.as_ref()).expect("v3 CA");
        assert_eq!((leaf.version, ca.version), (1, 3));
        assert!(!leaf.is_ca && ca.is_ca && leaf.client_auth_allowed);
        // Not Before: Mar 15 16:46:01 2018 GMT, Not After: Mar 12 16:46:01 2028 GMT.
        assert_eq!(leaf.not_before, 1_521_132_361);
        assert_eq!(leaf.not_after, 1_836_492_361);
        assert_eq!(leaf.issuer, ca.subject);
        let algs = rustls::crypto::ring::default_provider().signature_verification_algorithms;
        assert!(leaf.signed_by(&ca, &algs));
        assert!(!ca.signed_by(&leaf, &algs));
    }

    #[test]
    fn times() {
        let t = |tag: u8, s: &str| {
            let mut v = vec![tag, u8::try_from(s.len()).expect("short")];
            v.extend(s.as_bytes());
            time(&v, "t").map(|(t, _)| t)
        };
        assert_eq!(t(UTC_TIME, "700101000000Z"), Ok(0));
        assert_eq!(t(UTC_TIME, "491231235959Z"), Ok(2_524_607_999));
        assert_eq!(t(GENERALIZED_TIME, "20000229120000Z"), Ok(951_825_600));
        assert_eq!(t(GENERALIZED_TIME, "21261112044734Z"), Ok(4_950_132_454));
        for bad in [
            "19000229000000Z",
            "20230229000000Z",
            "20231301000000Z",
            "20231200000000Z",
            "20231231240000Z",
            "2023123123595Z",
            "2023123123595aZ",
            "20231231235959",
        ] {
            assert!(t(GENERALIZED_TIME, bad).is_err(), "{bad}");
        }
        assert!(t(UTC_TIME, "20000229120000Z").is_err());
        assert!(t(INTEGER, "700101000000Z").is_err());
    }

    #[test]
    fn malformed_der_is_an_error_never_a_panic() {
        let der = pem(OFFICIAL_CLIENT).remove(0);
        let der = der.as_ref();
        for n in 0..der.len() {
            assert!(Cert::parse(&der[..n]).is_err(), "prefix {n}");
        }
        // Every byte flipped, one at a time: parse, and if it still parses, the signature
        // check must fail (the tbsCertificate or the signature changed).
        let ca_der = pem(OFFICIAL_CA).remove(0);
        let ca = Cert::parse(ca_der.as_ref()).expect("CA");
        let algs = rustls::crypto::ring::default_provider().signature_verification_algorithms;
        for i in 0..der.len() {
            let mut d = der.to_vec();
            d[i] ^= 0x01;
            if let Ok(c) = Cert::parse(&d) {
                assert!(!c.signed_by(&ca, &algs), "byte {i} flipped still verifies");
            }
        }
        for garbage in [
            &b""[..],
            b"\x30",
            b"\x30\x80\x00\x00",
            b"\x30\x84\xff\xff\xff\xff",
        ] {
            assert!(Cert::parse(garbage).is_err());
        }
        let mut trailing = der.to_vec();
        trailing.push(0);
        assert!(Cert::parse(&trailing).is_err());
    }
}
