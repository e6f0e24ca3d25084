//! The client certificate of mutual TLS, loaded the way certificate authorities really issue
//! them: X.509 **version 1** as well as version 3.
//!
//! Orange Data issues its clients' certificates as X.509 v1 (no extensions), RSA 2048, signed by
//! its client CA — its own public test certificate is one (`files_for_test/client.crt` in
//! <https://github.com/orangedata-official/API>). rustls' `with_client_auth_cert` checks the key
//! against the certificate by parsing the certificate with webpki, which knows only v3, and so
//! refuses such a pair with `UnsupportedCertVersion` although it fits. Here the certificate is
//! read by a small DER walk down to its `SubjectPublicKeyInfo` (RFC 5280 §4.1), the key is loaded
//! by the crypto provider, the two public keys are compared, and the pair is offered to every
//! server that asks for a client certificate.
//!
//! A client does not verify its own certificate (the server does), so nothing else about the
//! certificate is interpreted here.

use super::{certs_from_pem, tls_err, ClientIdentity};
use crate::error::ProviderError;
use rustls::client::ResolvesClientCert;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::sign::CertifiedKey;
use rustls::SignatureScheme;
use std::sync::Arc;

/// DER tags used below (X.690 §8; RFC 5280 §4.1).
const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const NULL: u8 = 0x05;
const OID: u8 = 0x06;
/// `[0] EXPLICIT` (constructed, context-specific 0): the optional `version` of a certificate.
const VERSION_TAG: u8 = 0xa0;

/// A DER element split from its input: `(tag, content, what follows)`.
type Element<'a> = (u8, &'a [u8], &'a [u8]);

/// One DER element at the start of `input`. Only low tag numbers and definite, minimally
/// encoded lengths of up to four bytes (a certificate is far smaller).
fn element(input: &[u8]) -> Result<Element<'_>, &'static str> {
    let (&tag, rest) = input.split_first().ok_or("truncated (no tag)")?;
    if tag & 0x1f == 0x1f {
        return Err("unsupported high tag number");
    }
    let (&first, rest) = rest.split_first().ok_or("truncated (no length)")?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 {
            return Err("indefinite length is not DER");
        }
        if n > 4 {
            return Err("length too large");
        }
        let (bytes, rest) = rest.split_at_checked(n).ok_or("truncated length")?;
        if bytes[0] == 0 {
            return Err("length not minimally encoded");
        }
        let len = bytes.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b));
        let len = usize::try_from(len).map_err(|_| "length too large")?;
        if len < 0x80 {
            return Err("length not minimally encoded");
        }
        (len, rest)
    };
    let (content, rest) = rest
        .split_at_checked(len)
        .ok_or("truncated (content shorter than its length)")?;
    Ok((tag, content, rest))
}

/// An element of a known tag: `(whole element, content, what follows)`.
type Parts<'a> = (&'a [u8], &'a [u8], &'a [u8]);

/// The next element, which must carry `tag`; `what` names it in the error.
fn expect<'a>(input: &'a [u8], tag: u8, what: &'static str) -> Result<Parts<'a>, String> {
    let (t, content, rest) = element(input).map_err(|e| format!("{what}: {e}"))?;
    if t != tag {
        return Err(format!("{what}: tag 0x{t:02x}, expected 0x{tag:02x}"));
    }
    let whole_len = input.len() - rest.len();
    Ok((&input[..whole_len], content, rest))
}

/// The `SubjectPublicKeyInfo` of a certificate (its whole DER element), by a walk of
/// `Certificate → tbsCertificate → [0] version (optional, absent in v1) → serialNumber →
/// signature → issuer → validity → subject → subjectPublicKeyInfo` (RFC 5280 §4.1). The
/// certificate must be one DER element with nothing after it.
pub(crate) fn certificate_spki(cert: &[u8]) -> Result<&[u8], String> {
    let (_, certificate, trailing) = expect(cert, SEQUENCE, "Certificate")?;
    if !trailing.is_empty() {
        return Err("bytes after the certificate".into());
    }
    let (_, tbs, _) = expect(certificate, SEQUENCE, "tbsCertificate")?;
    let mut rest = tbs;
    if rest.first() == Some(&VERSION_TAG) {
        let (_, version, after) = expect(rest, VERSION_TAG, "version")?;
        let (_, number, _) = expect(version, INTEGER, "version")?;
        // v1 = 0 (normally omitted), v2 = 1, v3 = 2.
        if !matches!(number, [0..=2]) {
            return Err("version: not 1, 2 or 3".into());
        }
        rest = after;
    }
    let (_, _, rest) = expect(rest, INTEGER, "serialNumber")?;
    let (_, _, rest) = expect(rest, SEQUENCE, "signature")?;
    let (_, _, rest) = expect(rest, SEQUENCE, "issuer")?;
    let (_, _, rest) = expect(rest, SEQUENCE, "validity")?;
    let (_, _, rest) = expect(rest, SEQUENCE, "subject")?;
    let (spki, _, _) = expect(rest, SEQUENCE, "subjectPublicKeyInfo")?;
    // Checks the inner shape too, so that a broken key is called a broken certificate.
    SpkiParts::parse(spki)?;
    Ok(spki)
}

/// The parts of a `SubjectPublicKeyInfo` that identify a public key.
#[derive(Debug, PartialEq, Eq)]
struct SpkiParts<'a> {
    /// The algorithm's OBJECT IDENTIFIER (content bytes).
    algorithm: &'a [u8],
    /// The algorithm's parameters (whole DER elements); an explicit NULL counts as absent.
    parameters: &'a [u8],
    /// The `subjectPublicKey` BIT STRING content (unused-bits byte included).
    key: &'a [u8],
}

impl<'a> SpkiParts<'a> {
    fn parse(spki: &'a [u8]) -> Result<SpkiParts<'a>, String> {
        let (_, inner, trailing) = expect(spki, SEQUENCE, "subjectPublicKeyInfo")?;
        if !trailing.is_empty() {
            return Err("subjectPublicKeyInfo: trailing bytes".into());
        }
        let (_, alg, rest) = expect(inner, SEQUENCE, "subjectPublicKeyInfo.algorithm")?;
        let (_, key, rest) = expect(rest, BIT_STRING, "subjectPublicKeyInfo.subjectPublicKey")?;
        if !rest.is_empty() || key.is_empty() {
            return Err("subjectPublicKeyInfo: malformed".into());
        }
        let (_, algorithm, parameters) = expect(alg, OID, "subjectPublicKeyInfo.algorithm")?;
        // RSA keys carry NULL parameters (RFC 3279 §2.3.1), though some encoders omit them.
        let parameters = if parameters == [NULL, 0] {
            &[][..]
        } else {
            parameters
        };
        Ok(SpkiParts {
            algorithm,
            parameters,
            key,
        })
    }
}

/// The client certificate chain and key of `id`, checked to belong together, ready for rustls.
///
/// # Errors
/// [`ProviderError::Tls`] when the PEM holds no certificate or no key, when a certificate is not
/// X.509 DER, when the crypto provider cannot use the key, or when the key is not the one the
/// leaf certificate was issued for. The messages never carry key material.
pub(crate) fn certified_key(
    id: &ClientIdentity,
    provider: &CryptoProvider,
) -> Result<Arc<CertifiedKey>, ProviderError> {
    let chain: Vec<CertificateDer<'static>> = certs_from_pem(&id.cert_chain_pem)?;
    let Some(leaf) = chain.first() else {
        return Err(tls_err("client certificate PEM holds no certificate"));
    };
    let leaf_spki = certificate_spki(leaf.as_ref()).map_err(|e| {
        tls_err(format!(
            "client certificate cannot be parsed as X.509 DER: {e}"
        ))
    })?;
    for (i, cert) in chain.iter().enumerate().skip(1) {
        certificate_spki(cert.as_ref()).map_err(|e| {
            tls_err(format!(
                "certificate #{} of the client chain cannot be parsed as X.509 DER: {e}",
                i + 1
            ))
        })?;
    }
    let key = rustls_pemfile::private_key(&mut id.key_pem.expose().as_bytes())
        // The key itself never goes into the message.
        .map_err(|_| tls_err("client key PEM is unreadable"))?
        .ok_or_else(|| tls_err("client key PEM holds no private key"))?;
    let key = provider.key_provider.load_private_key(key).map_err(|_| {
        tls_err("client key is not a usable private key (RSA, ECDSA P-256/P-384 or Ed25519)")
    })?;
    let key_spki = key
        .public_key()
        .ok_or_else(|| tls_err("the public half of the client key cannot be derived"))?;
    let same = match (
        SpkiParts::parse(leaf_spki),
        SpkiParts::parse(key_spki.as_ref()),
    ) {
        (Ok(cert), Ok(key)) => cert == key,
        _ => false,
    };
    if !same {
        return Err(tls_err(
            "client certificate and key do not match: the certificate's public key is not the key's",
        ));
    }
    Ok(Arc::new(CertifiedKey::new(chain, key)))
}

/// Offers the one client certificate to every server that asks for one (as rustls' own
/// single-certificate resolver does), whatever CAs the server names: Orange Data's servers name
/// none that a client could use to choose.
#[derive(Debug)]
pub(crate) struct OneClientCert(pub(crate) Arc<CertifiedKey>);

impl ResolvesClientCert for OneClientCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }

    fn has_certs(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_refuses_what_is_not_der() {
        assert!(element(&[]).is_err());
        assert!(element(&[0x30]).is_err());
        assert!(element(&[0x30, 0x80, 0, 0]).is_err(), "indefinite length");
        assert!(
            element(&[0x30, 0x81, 0x05, 1, 2, 3, 4, 5]).is_err(),
            "non-minimal"
        );
        assert!(element(&[0x30, 0x82, 0x00, 0x90]).is_err(), "leading zero");
        assert!(
            element(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err(),
            "5 length bytes"
        );
        assert!(
            element(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err(),
            "huge"
        );
        assert!(element(&[0x1f, 0x01, 0x00]).is_err(), "high tag");
        assert!(element(&[0x30, 0x03, 1, 2]).is_err(), "short content");
        assert_eq!(
            element(&[0x02, 0x01, 0x05, 0xaa]),
            Ok((0x02, &[0x05][..], &[0xaa][..]))
        );
        assert_eq!(
            element(&[0x04, 0x81, 0x80]).map(|_| ()),
            Err("truncated (content shorter than its length)")
        );
    }

    #[test]
    fn certificate_spki_never_panics_on_prefixes_or_flipped_bytes() {
        // A structurally valid v1 certificate, built by hand: every prefix and every single
        // flipped byte must give Ok or Err, never a panic or an out-of-bounds slice.
        let spki = [
            SEQUENCE, 0x0a, SEQUENCE, 0x03, OID, 0x01, 0x2a, BIT_STRING, 0x03, 0x00, 0x01, 0x02,
        ];
        let mut tbs = vec![INTEGER, 0x01, 0x01, SEQUENCE, 0x00, SEQUENCE, 0x00];
        tbs.extend([SEQUENCE, 0x00, SEQUENCE, 0x00]);
        tbs.extend(spki);
        let mut cert_content = vec![SEQUENCE, u8::try_from(tbs.len()).expect("short")];
        cert_content.extend(&tbs);
        cert_content.extend([SEQUENCE, 0x00, BIT_STRING, 0x01, 0x00]);
        let mut cert = vec![SEQUENCE, u8::try_from(cert_content.len()).expect("short")];
        cert.extend(&cert_content);
        assert_eq!(certificate_spki(&cert), Ok(&spki[..]));
        for n in 0..cert.len() {
            assert!(certificate_spki(&cert[..n]).is_err(), "prefix {n}");
        }
        for i in 0..cert.len() {
            for bit in 0..8 {
                let mut c = cert.clone();
                c[i] ^= 1 << bit;
                let _ = certificate_spki(&c);
            }
        }
        let mut trailing = cert.clone();
        trailing.push(0);
        assert!(certificate_spki(&trailing).is_err());
    }

    #[test]
    fn rsa_parameters_null_or_absent_are_the_same_key() {
        const WITH_NULL: &[u8] = &[
            SEQUENCE, 0x0b, SEQUENCE, 0x05, OID, 0x01, 0x2a, NULL, 0x00, BIT_STRING, 0x02, 0x00,
            0x07,
        ];
        const WITHOUT: &[u8] = &[
            SEQUENCE, 0x09, SEQUENCE, 0x03, OID, 0x01, 0x2a, BIT_STRING, 0x02, 0x00, 0x07,
        ];
        const OTHER_KEY: &[u8] = &[
            SEQUENCE, 0x09, SEQUENCE, 0x03, OID, 0x01, 0x2a, BIT_STRING, 0x02, 0x00, 0x08,
        ];
        let p = |b: &'static [u8]| SpkiParts::parse(b).expect("spki");
        assert_eq!(p(WITH_NULL), p(WITHOUT));
        assert_ne!(p(WITHOUT), p(OTHER_KEY));
    }
}
