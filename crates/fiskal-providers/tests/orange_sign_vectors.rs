//! Orange Data's `X-Signature` against the signature vectors of `tests/vectors/orange_sign/`
//! (see its README): each key, in the form it is declared in, signs its body to exactly the
//! bytes recorded before the adapter moved from AWS-LC to *ring*.

#[path = "../../../tests/vectors/runner.rs"]
mod runner;

use base64::Engine as _;
use fiskal_providers::orange::RequestSigner;
use fiskal_providers::Secret;
use serde_json::Value;

fn text<'a>(json: &'a Value, key: &str) -> Result<&'a str, String> {
    json[key]
        .as_str()
        .ok_or_else(|| format!("\"{key}\" is not a string"))
}

#[test]
fn signatures_are_byte_identical_to_the_recorded_vectors() {
    runner::run("orange_sign", |v| {
        let key_path = runner::root().join("../..").join(text(&v.json, "key")?);
        let key = std::fs::read_to_string(&key_path)
            .map_err(|e| format!("{}: {e}", key_path.display()))?;
        // The file is of the form the vector says, so that every form stays covered.
        let marker = match text(&v.json, "key_form")? {
            "xml" => "<RSAKeyValue>",
            "pkcs8" => "-----BEGIN PRIVATE KEY-----",
            "pkcs1" => "-----BEGIN RSA PRIVATE KEY-----",
            other => return Err(format!("unknown key_form {other:?}")),
        };
        if !key.contains(marker) {
            return Err(format!("{} has no {marker}", key_path.display()));
        }
        let body = text(&v.json, "body")?.as_bytes();
        let want = text(&v.json, "x_signature")?;
        let signer = RequestSigner::from_pem(&Secret::new(key)).map_err(|e| e.to_string())?;
        let got = signer.sign(body).map_err(|e| e.to_string())?;
        if got != want {
            return Err(format!("signature differs:\n got {got}\nwant {want}"));
        }
        // And it is a signature of this body under the key's public half.
        let sig = base64::engine::general_purpose::STANDARD
            .decode(want)
            .map_err(|e| e.to_string())?;
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            signer.public_key_der(),
        )
        .verify(body, &sig)
        .map_err(|_| "the recorded signature does not verify".to_owned())
    });
}

/// *ring* signs through the CRT values (p, q, dP, dQ, qInv) and never uses the private exponent
/// `<D>`: a key file whose D alone is damaged loads and still makes the recorded signature
/// (AWS-LC refused it). A damaged dP is refused when the key is loaded (tests/tls_identity.rs).
#[test]
fn the_private_exponent_is_not_used_for_signing() {
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(runner::root().join("orange_sign/001_xml_key_sell_receipt.json"))
            .expect("vector 001"),
    )
    .expect("JSON");
    let key_path = runner::root()
        .join("../..")
        .join(text(&v, "key").expect("key"));
    let xml = std::fs::read_to_string(key_path).expect("key file");
    let start = xml.find("<D>").expect("<D>") + 3;
    let end = start + xml[start..].find('<').expect("</D>");
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut d = b64.decode(&xml[start..end]).expect("D");
    d[10] ^= 0xff;
    let damaged = format!("{}{}{}", &xml[..start], b64.encode(&d), &xml[end..]);
    assert_ne!(damaged, xml);
    let signer = RequestSigner::from_pem(&Secret::new(damaged)).expect("loads");
    assert_eq!(
        signer
            .sign(text(&v, "body").expect("body").as_bytes())
            .expect("signs"),
        text(&v, "x_signature").expect("signature")
    );
}
