//! DER and PEM writing for [`TestCa::issue_client_v1`](super::TestCa::issue_client_v1)
//! (RFC 5280 §4.1, X.690).

use base64::Engine as _;

/// `ecdsa-with-SHA256` (1.2.840.10045.4.3.2), no parameters (RFC 5758 §3.2).
const ECDSA_WITH_SHA256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
/// `rsaEncryption` (1.2.840.113549.1.1.1) with NULL parameters (RFC 3279 §2.3.1).
const RSA_ENCRYPTION: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];
/// `id-at-commonName` (2.5.4.3).
const COMMON_NAME: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];

/// One element: tag, definite length, content.
pub(super) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match u8::try_from(content.len()) {
        Ok(short) if short < 0x80 => out.push(short),
        _ => {
            let len = content.len().to_be_bytes();
            let skip = len.iter().take_while(|&&b| b == 0).count();
            out.push(0x80 | u8::try_from(len.len() - skip).unwrap_or(0x7f));
            out.extend_from_slice(&len[skip..]);
        }
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A version 1 `tbsCertificate` (no `[0]` version element, no extensions): serial,
/// ecdsa-with-SHA256, `issuer` (a whole Name element), 1975-01-01 … 4096-01-01, `CN=`
/// `common_name`, and the RSA public key (PKCS#1 `RSAPublicKey` DER).
pub(super) fn tbs_v1(
    serial: &[u8],
    issuer: &[u8],
    common_name: &str,
    rsa_public_key: &[u8],
) -> Vec<u8> {
    let validity = seq(&[&tlv(0x17, b"750101000000Z"), &tlv(0x18, b"40960101000000Z")]);
    let rdn = tlv(
        0x31,
        &seq(&[COMMON_NAME, &tlv(0x0c, common_name.as_bytes())]),
    );
    let subject = seq(&[&rdn]);
    let key_bits = [&[0u8][..], rsa_public_key].concat();
    let spki = seq(&[&seq(&[RSA_ENCRYPTION]), &tlv(0x03, &key_bits)]);
    seq(&[
        &tlv(0x02, serial),
        &seq(&[ECDSA_WITH_SHA256]),
        issuer,
        &validity,
        &subject,
        &spki,
    ])
}

/// The certificate: `tbs`, its algorithm again, and the signature.
pub(super) fn certificate(tbs: &[u8], signature: &[u8]) -> Vec<u8> {
    let sig_bits = [&[0u8][..], signature].concat();
    seq(&[tbs, &seq(&[ECDSA_WITH_SHA256]), &tlv(0x03, &sig_bits)])
}

/// PEM with 64-character lines.
pub(super) fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
