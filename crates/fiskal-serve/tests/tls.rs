//! HTTPS: the gateway serves over rustls with a certificate from PEM, a client trusting the
//! test CA gets `/healthz`, a plain-HTTP client gets nothing, and the page's session cookie is
//! `Secure` under TLS (and only there).

mod support;

use fiskal_serve::{Gateway, GatewayOptions, ServeError, Tls, Token};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;
use support::{parse, Resp, TOKEN};

/// A test CA and a server certificate for `localhost` and 127.0.0.1 it issued, PEM.
struct Pki {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

fn make_pki() -> Pki {
    let ca_key = rcgen::KeyPair::generate().expect("ca key");
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "fiskal-serve test CA");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).expect("ca");
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("params");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, &ca_cert, &ca_key).expect("cert");
    Pki {
        ca_pem: ca_cert.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

struct Running {
    addr: SocketAddr,
    rt: Option<tokio::runtime::Runtime>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    dir: std::path::PathBuf,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(Duration::from_secs(10));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The gateway (no worker: nothing is sent) on an ephemeral loopback port, over TLS or not.
fn start(name: &str, tls: Option<Tls>) -> Running {
    let dir = std::env::temp_dir().join(format!("fiskal-serve-tls-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let mut opts = GatewayOptions::default();
    opts.start_worker = false;
    let settings = support::settings("http://127.0.0.1:9/possystem/v5/");
    let gw = Gateway::open(
        dir.join("outbox.db"),
        &settings.to_string(),
        vec![Token::new(TOKEN, "test").expect("token")],
        opts,
    )
    .expect("gateway");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    rt.spawn(async move {
        let stop = async {
            let _ = rx.await;
        };
        let _ = match tls {
            Some(tls) => gw.serve_tls(listener, tls, stop).await,
            None => gw.serve(listener, stop).await,
        };
    });
    Running {
        addr,
        rt: Some(rt),
        stop: Some(tx),
        dir,
    }
}

/// One request over TLS to `localhost`, trusting only `ca_pem`.
fn https(addr: SocketAddr, ca_pem: &str, request: &str) -> Result<Resp, String> {
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pemfile_certs(ca_pem) {
        roots.add(c).map_err(|e| e.to_string())?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").map_err(|e| e.to_string())?;
    let conn = rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
    let tcp = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            // A peer that closes without close_notify ends the answer too.
            Err(e) if !raw.is_empty() && e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e.to_string()),
        }
    }
    if raw.is_empty() {
        return Err("no answer".into());
    }
    Ok(parse(&raw))
}

/// The certificates of a PEM text (DER), read with rustls' own PEM support.
fn rustls_pemfile_certs(pem: &str) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .expect("ca pem")
}

fn login_request(addr: SocketAddr) -> String {
    let body = format!("token={TOKEN}");
    format!(
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: \
         application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn tls_serves_healthz_to_a_client_trusting_the_ca_and_marks_the_session_cookie_secure() {
    let pki = make_pki();
    let tls = Tls::from_pem(
        pki.cert_pem.as_bytes(),
        pki.key_pem.as_bytes(),
        "cert.pem",
        "key.pem",
    )
    .expect("tls");
    assert_eq!(format!("{tls:?}"), "Tls { .. }");
    let s = start("healthz", Some(tls));
    let get = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let r = https(s.addr, &pki.ca_pem, get).expect("https /healthz");
    assert_eq!(r.status, 200, "{}", r.text());

    // A client that trusts another CA refuses the gateway's certificate.
    let other = make_pki();
    assert!(https(s.addr, &other.ca_pem, get).is_err());

    // Plain HTTP to the TLS port gets no HTTP answer.
    let mut plain = TcpStream::connect(s.addr).expect("connect");
    plain
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    plain.write_all(get.as_bytes()).expect("write");
    let mut raw = Vec::new();
    let _ = plain.read_to_end(&mut raw);
    assert!(!raw.starts_with(b"HTTP/1.1 200"), "{raw:?}");

    // Signing in to the page over TLS: the session cookie is Secure.
    let r = https(s.addr, &pki.ca_pem, &login_request(s.addr)).expect("login");
    assert_eq!(r.status, 303, "{}", r.text());
    let cookie = r.header("set-cookie").expect("session cookie");
    assert!(
        cookie.starts_with("fiskal_session=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    assert!(cookie.split("; ").any(|a| a == "Secure"), "{cookie}");

    // Over plain HTTP (loopback) the same sign-in gets no Secure attribute (the browser would
    // not send it back).
    let p = start("plain", None);
    let r = support::call(
        p.addr,
        "POST",
        "/login",
        None,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        format!("token={TOKEN}").as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let cookie = r.header("set-cookie").expect("session cookie");
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[test]
fn bad_tls_files_are_refused_naming_the_file_without_the_key() {
    let pki = make_pki();
    let e = Tls::from_pem(b"not a pem", pki.key_pem.as_bytes(), "cert.pem", "key.pem")
        .expect_err("no certificate");
    assert!(
        matches!(&e, ServeError::Tls { file, .. } if file == "cert.pem"),
        "{e}"
    );
    let e = Tls::from_pem(pki.cert_pem.as_bytes(), b"", "cert.pem", "key.pem").expect_err("no key");
    assert!(
        matches!(&e, ServeError::Tls { file, .. } if file == "key.pem"),
        "{e}"
    );
    // A key that is not the certificate's: refused, and the key's PEM is not in the error.
    let other = make_pki();
    let e = Tls::from_pem(
        pki.cert_pem.as_bytes(),
        other.key_pem.as_bytes(),
        "cert.pem",
        "key.pem",
    )
    .expect_err("wrong key");
    let text = format!("{e} {e:?}");
    assert!(
        matches!(&e, ServeError::Tls { file, .. } if file == "key.pem"),
        "{text}"
    );
    assert!(!text.contains("PRIVATE KEY"), "{text}");
    let missing = std::path::Path::new("/nonexistent/fiskal/cert.pem");
    let e = Tls::from_pem_files(missing, missing).expect_err("missing");
    assert!(
        e.to_string().contains("/nonexistent/fiskal/cert.pem"),
        "{e}"
    );
}
