//! RSA-2048 PKCS#1 v1.5 with SHA-256 over a request body: the Orange Data `X-Signature`
//! (issue 5: "use a well-kept crypto library; benchmark two and pick"). Always: *ring* (rustls'
//! provider here, and the signer of fiskal-providers) and RustCrypto `rsa`. The same key signs
//! with both; each signature is verified by the other library first, so the benchmark cannot
//! measure a wrong signature. With `--features sign-peers`, AWS-LC and the system OpenSSL join
//! (baseline of the issue's goal, ≥ 90 % of OpenSSL; also `openssl speed -seconds 5 rsa2048` by
//! hand on the same machine; figures in benches/README.md).
//! Run: `cargo bench -p fiskal-benches --bench sign -- --warm-up-time 1 --measurement-time 5`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rsa::pkcs8::EncodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use std::hint::black_box;

/// A realistic Orange Data request body (~1.5 KB of JSON).
fn body() -> Vec<u8> {
    let item = r#"{"quantity":1,"price":1999.00,"tax":1,"text":"Кроссовки беговые, размер 42","paymentMethodType":4,"paymentSubjectType":1,"nomenclatureCode":"RE0ERAkiRstHK21nc0h3PERpTE5f"}"#;
    let items = [item; 8].join(",");
    format!(
        r#"{{"id":"order-42-1","inn":"5001104058","group":"Main","content":{{"ffdVersion":4,"type":1,"positions":[{items}],"checkClose":{{"payments":[{{"type":2,"amount":15992.00}}],"taxationSystem":0}},"customerContact":"+79990000001"}},"key":"5001104058"}}"#
    )
    .into_bytes()
}

fn sign(c: &mut Criterion) {
    let mut rng = rand::thread_rng();
    let key = rsa::RsaPrivateKey::new(&mut rng, 2048).expect("RSA-2048 key");
    let pkcs8 = key.to_pkcs8_der().expect("PKCS#8");
    let ring_key =
        ring::signature::RsaKeyPair::from_pkcs8(pkcs8.as_bytes()).expect("ring accepts the key");
    let rc_signer = rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha256>::new(key.clone());
    let rc_verifier = rsa::pkcs1v15::VerifyingKey::<rsa::sha2::Sha256>::new(key.to_public_key());
    let ring_rng = ring::rand::SystemRandom::new();
    let msg = body();

    // Cross-check: each library verifies the other's signature, and PKCS#1 v1.5 is
    // deterministic, so both must produce the same bytes.
    let mut ring_sig = vec![0u8; ring_key.public().modulus_len()];
    ring_key
        .sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &ring_rng,
            &msg,
            &mut ring_sig,
        )
        .expect("ring signs");
    let rc_sig = rc_signer.sign(&msg);
    assert_eq!(
        rc_sig.to_vec(),
        ring_sig,
        "PKCS#1 v1.5 signatures are deterministic"
    );
    let sig = rsa::pkcs1v15::Signature::try_from(ring_sig.as_slice()).expect("signature bytes");
    rc_verifier
        .verify(&msg, &sig)
        .expect("rsa verifies ring's signature");

    let mut g = c.benchmark_group("rsa2048_pkcs1_sha256_sign");
    g.throughput(Throughput::Elements(1));
    g.bench_function("ring", |b| {
        let mut out = vec![0u8; ring_key.public().modulus_len()];
        b.iter(|| {
            ring_key
                .sign(
                    &ring::signature::RSA_PKCS1_SHA256,
                    &ring_rng,
                    black_box(&msg),
                    &mut out,
                )
                .expect("signs");
            out[0]
        })
    });
    g.bench_function("rustcrypto_rsa", |b| {
        b.iter(|| rc_signer.sign(black_box(&msg)).to_vec()[0])
    });
    #[cfg(feature = "sign-peers")]
    peers::bench(&mut g, pkcs8.as_bytes(), &msg, &ring_sig);
    g.finish();
}

/// AWS-LC (aws-lc-rs) and the system OpenSSL, same key, same body; opt-in
/// (`--features sign-peers`) because AWS-LC is a C library that takes minutes to build and
/// OpenSSL needs its headers. OpenSSL is the baseline of the issue's goal.
#[cfg(feature = "sign-peers")]
mod peers {
    use criterion::{measurement::WallTime, BenchmarkGroup};
    use std::hint::black_box;

    pub(crate) fn bench(
        g: &mut BenchmarkGroup<'_, WallTime>,
        pkcs8: &[u8],
        msg: &[u8],
        expected: &[u8],
    ) {
        let aws =
            aws_lc_rs::signature::RsaKeyPair::from_pkcs8(pkcs8).expect("aws-lc accepts the key");
        let aws_rng = aws_lc_rs::rand::SystemRandom::new();
        let mut sig = vec![0u8; aws.public_modulus_len()];
        aws.sign(
            &aws_lc_rs::signature::RSA_PKCS1_SHA256,
            &aws_rng,
            msg,
            &mut sig,
        )
        .expect("signs");
        assert_eq!(sig, expected, "aws-lc-rs signature differs");

        let pkey =
            openssl::pkey::PKey::private_key_from_pkcs8(pkcs8).expect("openssl accepts the key");
        let ossl_sign = |m: &[u8]| {
            let mut signer =
                openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &pkey)
                    .expect("signer");
            signer.update(m).expect("update");
            signer.sign_to_vec().expect("sign")
        };
        assert_eq!(ossl_sign(msg), expected, "openssl signature differs");

        g.bench_function("aws_lc_rs", |b| {
            let mut out = vec![0u8; aws.public_modulus_len()];
            b.iter(|| {
                aws.sign(
                    &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                    &aws_rng,
                    black_box(msg),
                    &mut out,
                )
                .expect("signs");
                out[0]
            })
        });
        g.bench_function("openssl_baseline", |b| {
            b.iter(|| ossl_sign(black_box(msg))[0])
        });
    }
}

criterion_group!(benches, sign);
criterion_main!(benches);
