//! The `X-Signature` of Orange Data requests: RSA PKCS#1 v1.5 with SHA-256 over the exact body
//! bytes, standard Base64, RSA 2048 (Orange Data's protocol, version 2.31.3,
//! `orangedata_API_Russian_ffd_1.2.pdf` in <https://github.com/orangedata-official/API>, §1.2.5
//! «Подписание тела запроса»). Signed with *ring*, the crypto library rustls already brings:
//! PKCS#1 v1.5 is deterministic, so the signatures are the same bytes any library makes
//! (`tests/vectors/orange_sign/`); the faster AWS-LC saved about a millisecond a request
//! (benches/README.md, "sign") at the price of a C library in every build.
//!
//! The key comes as PEM (PKCS#8 or PKCS#1) or as the .NET `<RSAKeyValue>` XML that Orange
//! Data's key generator (Nebula.KeysGenerator, in <https://github.com/orangedata-official/API>)
//! writes and its test key `files_for_test/private_key_test.xml` is in; the XML is told apart by
//! its content and turned into PKCS#1 DER here, so nobody has to convert it by hand.
//!
//! *ring* signs with two-prime RSA keys of 2048 to 4096 bits (a multiple of 512) and a public
//! exponent from 65537 to 2³³ − 1 (`ring::rsa::KeyPair::from_der`); Orange Data issues RSA 2048
//! with exponent 65537. Any other key is refused when it is loaded, with an error that names
//! the setting and the rule.

use crate::error::ProviderError;
use crate::secret::Secret;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use rustls::pki_types::PrivateKeyDer;
use std::fmt;

/// An RSA private key that signs request bodies. `Debug` shows only the key size.
pub struct RequestSigner {
    key: RsaKeyPair,
    rng: SystemRandom,
}

impl fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RequestSigner(RSA-{} bits, ***)",
            self.key.public().modulus_len() * 8
        )
    }
}

fn key_err(message: &str) -> ProviderError {
    ProviderError::Config {
        field: "signing_key_pem",
        message: message.to_owned(),
    }
}

/// Why *ring* refused the key, in words (its reasons are fixed names such as `TooSmall`, the
/// `Display` of `KeyRejected`, and never carry key material).
fn rejected(e: ring::error::KeyRejected) -> ProviderError {
    let why = match e.to_string().as_str() {
        "TooSmall" => {
            "the RSA key is too small for signing: the modulus must have at least 2048 bits \
             and the public exponent be at least 65537"
        }
        "TooLarge" => {
            "the RSA key is too large for signing: the modulus may have at most 4096 bits \
             and the public exponent at most 33 bits"
        }
        "PrivateModulusLenNotMultipleOf512Bits" => {
            "the RSA key's size must be a multiple of 512 bits (2048, 3072 or 4096)"
        }
        "VersionNotSupported" => "multi-prime RSA keys are not supported (two primes expected)",
        "InvalidEncoding" => "not a usable RSA private key (unreadable DER)",
        "WrongAlgorithm" => "not an RSA key (PKCS#8 of an RSA key or PKCS#1 expected)",
        _ => "not a usable RSA private key (its numbers do not make one key)",
    };
    key_err(why)
}

impl RequestSigner {
    /// Reads the private key: PEM, PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE
    /// KEY`), or Orange Data's .NET XML (`<RSAKeyValue><Modulus>…<D>…</RSAKeyValue>`, all eight
    /// elements, Base64), recognised by its `<RSAKeyValue>` element. The key must be two-prime
    /// RSA of 2048, 3072 or 4096 bits with a public exponent of at least 65537 (see the module
    /// documentation) whose parts fit together (one signature is made to check it); otherwise,
    /// or when the text holds no such key, the error is [`ProviderError::Config`] naming
    /// `signing_key_pem`. Errors never contain key material.
    pub fn from_pem(pem: &Secret) -> Result<RequestSigner, ProviderError> {
        let key = if pem.expose().contains("<RSAKeyValue") {
            let der = xml_key_to_pkcs1(pem.expose())?;
            RsaKeyPair::from_der(&der)
        } else {
            let der = rustls_pemfile::private_key(&mut pem.expose().as_bytes())
                .map_err(|_| key_err("unreadable PEM"))?
                .ok_or_else(|| {
                    key_err("no private key in the PEM (nor an <RSAKeyValue> XML key)")
                })?;
            match &der {
                PrivateKeyDer::Pkcs8(k) => RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
                PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
                _ => return Err(key_err("not an RSA key (PKCS#8 or PKCS#1 expected)")),
            }
        }
        .map_err(rejected)?;
        let signer = RequestSigner {
            key,
            rng: SystemRandom::new(),
        };
        // *ring* checks n, e, p, q and qInv when it reads the key, but dP and dQ only when it
        // signs (each signature is checked against n and e before it is returned), and never
        // uses d (it signs through the CRT values). One signature here makes a damaged key fail
        // when it is loaded, naming the setting, instead of at the first request.
        signer
            .sign(b"fiskal: signing key self-check")
            .map_err(|_| key_err("not a usable RSA private key (its dP or dQ does not fit it)"))?;
        Ok(signer)
    }

    /// The Base64 signature of `body` for the `X-Signature` header.
    pub fn sign(&self, body: &[u8]) -> Result<String, ProviderError> {
        let mut sig = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &self.rng, body, &mut sig)
            .map_err(|_| key_err("signing failed"))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(sig))
    }

    /// The public key (DER, PKCS#1 RSAPublicKey) — what the provider (or the emulator) verifies with.
    pub fn public_key_der(&self) -> Vec<u8> {
        self.key.public().as_ref().to_vec()
    }
}

/// The elements of a .NET `RSAKeyValue`, in the order of PKCS#1 `RSAPrivateKey` (RFC 8017
/// §A.1.2: n, e, d, p, q, dP, dQ, qInv).
const XML_PARTS: [&str; 8] = ["Modulus", "Exponent", "D", "P", "Q", "DP", "DQ", "InverseQ"];

/// The content of the one `<name>…</name>` element of `xml`.
fn xml_element<'a>(xml: &'a str, name: &str) -> Result<&'a str, ProviderError> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let missing = || {
        let what = if name == "D" {
            "the XML key has no <D>: a public key, not the private one".to_owned()
        } else {
            format!("the XML key has no <{name}> element")
        };
        ProviderError::Config {
            field: "signing_key_pem",
            message: what,
        }
    };
    let start = xml.find(&open).ok_or_else(missing)? + open.len();
    let len = xml[start..].find(&close).ok_or_else(missing)?;
    if xml[start + len..].contains(&open) {
        return Err(ProviderError::Config {
            field: "signing_key_pem",
            message: format!("the XML key has more than one <{name}> element"),
        });
    }
    Ok(&xml[start..start + len])
}

/// Appends a DER length (X.690 §8.1.3, definite form).
fn push_der_len(out: &mut Vec<u8>, len: usize) {
    match u8::try_from(len) {
        Ok(short) if short < 0x80 => out.push(short),
        _ => {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|&&b| b == 0).count();
            // At most `size_of::<usize>()` bytes follow: always fits the low seven bits.
            let n = u8::try_from(bytes.len() - skip).unwrap_or(0x7f);
            out.push(0x80 | n);
            out.extend_from_slice(&bytes[skip..]);
        }
    }
}

/// Appends a non-negative DER INTEGER from big-endian unsigned bytes.
fn push_der_uint(out: &mut Vec<u8>, be: &[u8]) {
    let skip = be.iter().take_while(|&&b| b == 0).count();
    let digits = &be[skip..];
    let pad = digits.first().is_none_or(|&b| b & 0x80 != 0);
    out.push(0x02);
    push_der_len(out, digits.len() + usize::from(pad));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(digits);
}

/// Orange Data's XML private key (`<RSAKeyValue>` of .NET's `RSA.ToXmlString(true)`: Base64
/// big-endian values) as PKCS#1 `RSAPrivateKey` DER. Whether the numbers make a key is left to
/// *ring*, which checks it.
fn xml_key_to_pkcs1(xml: &str) -> Result<Vec<u8>, ProviderError> {
    use base64::Engine as _;
    // The root element, which may carry attributes (a namespace).
    let body = xml
        .find("<RSAKeyValue")
        .and_then(|at| xml[at..].find('>').map(|gt| &xml[at + gt + 1..]))
        .and_then(|rest| rest.find("</RSAKeyValue>").map(|end| &rest[..end]))
        .ok_or_else(|| key_err("the XML key has no <RSAKeyValue>…</RSAKeyValue> element"))?;
    let mut content = Vec::with_capacity(1200);
    push_der_uint(&mut content, &[0]); // version: two-prime
    for name in XML_PARTS {
        let text: String = xml_element(body, name)?
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let value = base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(|_| ProviderError::Config {
                field: "signing_key_pem",
                message: format!("the XML key's <{name}> is not Base64"),
            })?;
        if value.is_empty() {
            return Err(ProviderError::Config {
                field: "signing_key_pem",
                message: format!("the XML key's <{name}> is empty"),
            });
        }
        push_der_uint(&mut content, &value);
    }
    let mut der = vec![0x30];
    push_der_len(&mut der, content.len());
    der.extend_from_slice(&content);
    Ok(der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_integers_and_lengths() {
        let mut v = Vec::new();
        push_der_uint(&mut v, &[0x00, 0x00, 0x7f]);
        push_der_uint(&mut v, &[0x80]);
        push_der_uint(&mut v, &[0x00]);
        assert_eq!(v, [2, 1, 0x7f, 2, 2, 0, 0x80, 2, 1, 0]);
        let mut l = Vec::new();
        push_der_len(&mut l, 0x7f);
        push_der_len(&mut l, 0x80);
        push_der_len(&mut l, 0x1234);
        assert_eq!(l, [0x7f, 0x81, 0x80, 0x82, 0x12, 0x34]);
    }

    #[test]
    fn broken_xml_keys_are_named_errors_without_key_material() {
        let cases = [
            ("<RSAKeyValue><Modulus>AQAB</Modulus>", "RSAKeyValue"),
            (
                "<RSAKeyValue><Modulus>AQAB</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>",
                "public key",
            ),
            (
                "<RSAKeyValue><Modulus>SECRET!!</Modulus><Exponent>AQAB</Exponent><D>AQAB</D>\
                 <P>AQAB</P><Q>AQAB</Q><DP>AQAB</DP><DQ>AQAB</DQ><InverseQ>AQAB</InverseQ>\
                 </RSAKeyValue>",
                "<Modulus> is not Base64",
            ),
            (
                "<RSAKeyValue><Modulus>AQAB</Modulus><Exponent>AQAB</Exponent><D>AQAB</D>\
                 <P>AQAB</P><Q>AQAB</Q><DP>AQAB</DP><DQ>AQAB</DQ><InverseQ>AQAB</InverseQ>\
                 </RSAKeyValue>",
                "not a usable RSA private key",
            ),
        ];
        for (xml, want) in cases {
            let e = RequestSigner::from_pem(&Secret::new(xml)).unwrap_err();
            let text = e.to_string();
            assert!(text.contains(want), "{text}");
            assert!(text.contains("signing_key_pem"), "{text}");
            assert!(!text.contains("SECRET"), "{text}");
        }
    }
}
