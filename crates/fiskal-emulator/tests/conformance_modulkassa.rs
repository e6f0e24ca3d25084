//! Conformance of the МодульКасса emulator with «API фискализации документов» 2.0
//! (<https://modulkassa.github.io/backend-api/fn>): every test here is a row of the МодульКасса
//! table of docs/emulators.md (rule · source · behaviour · test). Request and answer samples
//! come from `tests/fixtures/modulkassa/` (see its README): the document's own examples.

use fiskal_emulator::modulkassa::{
    ModulKassaConfig, ModulKassaEmulator, ModulKassaHandle, RegisterState, OTHER_RETAIL_POINT_ID,
    TEST_ACCOUNT_LOGIN, TEST_ACCOUNT_PASSWORD, TEST_PASSWORD, TEST_RETAIL_POINT_ID, TEST_USER_NAME,
};
use fiskal_emulator::{Endpoint, Fault};
use serde_json::Value;
use std::time::{Duration, Instant};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/modulkassa/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .expect("client")
}

async fn start() -> ModulKassaHandle {
    ModulKassaEmulator::start(
        ModulKassaConfig::default().with_take_delay(Duration::from_millis(20)),
    )
    .await
    .expect("emulator")
}

struct Answer {
    status: u16,
    body: String,
    problem: Option<String>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

async fn call(
    mk: &ModulKassaHandle,
    method: reqwest::Method,
    tail: &str,
    auth: Option<(&str, &str)>,
    body: Option<String>,
) -> Answer {
    let mut r = http().request(method, format!("{}{tail}", mk.base_url()));
    if let Some((u, p)) = auth {
        r = r.basic_auth(u, Some(p));
    }
    if let Some(b) = body {
        r = r.header("content-type", "application/json").body(b);
    }
    let resp = r.send().await.expect("send");
    let status = resp.status().as_u16();
    let problem = resp
        .headers()
        .get("x-emulator-problem")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Answer {
        status,
        body: resp.text().await.unwrap_or_default(),
        problem,
    }
}

const ASSOC: Option<(&str, &str)> = Some((TEST_USER_NAME, TEST_PASSWORD));

async fn post_doc(mk: &ModulKassaHandle, body: String) -> Answer {
    call(mk, reqwest::Method::POST, "/v2/doc", ASSOC, Some(body)).await
}

async fn status(mk: &ModulKassaHandle, id: &str) -> Answer {
    call(
        mk,
        reqwest::Method::GET,
        &format!("/v1/doc/{id}/status"),
        ASSOC,
        None,
    )
    .await
}

/// Polls the status until `pred` holds (bounded).
async fn wait_status(mk: &ModulKassaHandle, id: &str, want: &str) -> Value {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let a = status(mk, id).await;
        let v = a.json();
        if v["status"] == want {
            return v;
        }
        assert!(Instant::now() < until, "{id}: still {v} (wanted {want})");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The §2.4.4 example with another id.
fn example_doc(id: &str) -> String {
    let mut v: Value = serde_json::from_str(&fixture("doc_2_4_4_request.json")).expect("json");
    v["id"] = Value::from(id);
    v.as_object_mut().expect("object").remove("responseURL");
    v.to_string()
}

/// §2.1.1–2.1.3, §3.1: the account's login and password give a RetailPointAssociation;
/// errors are 401 / 403 / 404 without a body.
#[tokio::test]
async fn associate_answers_and_refuses_as_documented() {
    let mk = start().await;
    let path = format!("/v1/associate/{TEST_RETAIL_POINT_ID}?clientId=my_crm");
    let a = call(
        &mk,
        reqwest::Method::POST,
        &path,
        Some((TEST_ACCOUNT_LOGIN, TEST_ACCOUNT_PASSWORD)),
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{:?}", a.problem);
    let v = a.json();
    // The §2.1.4 sample's keys, all strings.
    let sample: Value =
        serde_json::from_str(&fixture("doc_2_1_4_associate_response.json")).unwrap();
    for k in sample.as_object().unwrap().keys() {
        assert!(v[k].is_string(), "{k} in {v}");
    }
    for (who, rp, want) in [
        ((TEST_ACCOUNT_LOGIN, "wrong"), TEST_RETAIL_POINT_ID, 401),
        (
            (TEST_ACCOUNT_LOGIN, TEST_ACCOUNT_PASSWORD),
            "no-such-point",
            404,
        ),
        (
            (TEST_ACCOUNT_LOGIN, TEST_ACCOUNT_PASSWORD),
            OTHER_RETAIL_POINT_ID,
            403,
        ),
    ] {
        let a = call(
            &mk,
            reqwest::Method::POST,
            &format!("/v1/associate/{rp}"),
            Some(who),
            None,
        )
        .await;
        assert_eq!(a.status, want, "{rp}");
        assert!(a.body.is_empty(), "«Без содержимого»: {}", a.body);
    }
}

/// §2.1.1 «При повторном выполнении запроса пароль обновляется»: associating again gives a new
/// password; the old pair is refused, the new one works; the userName stays.
#[tokio::test]
async fn associating_again_replaces_the_password() {
    let mk = start().await;
    let assoc = || {
        call(
            &mk,
            reqwest::Method::POST,
            "/v1/associate/12345678-90ab-cdef-1234-000000000000",
            Some((TEST_ACCOUNT_LOGIN, TEST_ACCOUNT_PASSWORD)),
            None,
        )
    };
    let first = assoc().await.json();
    let user = first["userName"].as_str().unwrap().to_owned();
    assert_eq!(
        user, TEST_USER_NAME,
        "the point's existing association keeps its name"
    );
    let p1 = first["password"].as_str().unwrap().to_owned();
    assert_ne!(p1, TEST_PASSWORD);
    let old = call(&mk, reqwest::Method::GET, "/v1/status", ASSOC, None).await;
    assert_eq!(old.status, 401);
    let second = assoc().await.json();
    let p2 = second["password"].as_str().unwrap().to_owned();
    assert_ne!(p1, p2);
    let a = call(
        &mk,
        reqwest::Method::GET,
        "/v1/status",
        Some((&user, &p1)),
        None,
    )
    .await;
    assert_eq!(a.status, 401);
    let a = call(
        &mk,
        reqwest::Method::GET,
        "/v1/status",
        Some((&user, &p2)),
        None,
    )
    .await;
    assert_eq!(a.status, 200);
}

/// §2.2: `DELETE /v1/associate` with the association's pair ends it.
#[tokio::test]
async fn delete_association_ends_the_pair() {
    let mk = start().await;
    let a = call(&mk, reqwest::Method::DELETE, "/v1/associate", ASSOC, None).await;
    assert_eq!(a.status, 200);
    assert!(a.body.is_empty());
    let a = call(&mk, reqwest::Method::GET, "/v1/status", ASSOC, None).await;
    assert_eq!(a.status, 401);
}

/// §2.3, §3.2: FNStatus `READY` online, `FAILED` offline with the time it was last seen,
/// `DISABLED`; 401 without the association.
#[tokio::test]
async fn fn_status_follows_the_register() {
    let mk = start().await;
    let s = |mk: &ModulKassaHandle| {
        let mk_url = mk.base_url();
        async move {
            let r = http()
                .get(format!("{mk_url}/v1/status"))
                .basic_auth(TEST_USER_NAME, Some(TEST_PASSWORD))
                .send()
                .await
                .expect("send");
            r.json::<Value>().await.expect("json")
        }
    };
    assert_eq!(s(&mk).await["status"], "READY");
    mk.set_register(RegisterState::Offline);
    let v = s(&mk).await;
    assert_eq!(v["status"], "FAILED");
    assert!(
        v["dateTime"]
            .as_str()
            .is_some_and(|t| t.ends_with("+00:00")),
        "{v}"
    );
    mk.set_register(RegisterState::Disabled);
    assert_eq!(s(&mk).await["status"], "DISABLED");
    let a = call(&mk, reqwest::Method::GET, "/v1/status", None, None).await;
    assert_eq!(a.status, 401);
    // Never reported: ASSOCIATED.
    let mk2 = ModulKassaEmulator::start(
        ModulKassaConfig::default().with_register(RegisterState::Offline),
    )
    .await
    .expect("emulator");
    assert_eq!(s(&mk2).await["status"], "ASSOCIATED");
}

/// §2.4, §3.11, §3.12: the §2.4.4 example request is taken (`QUEUED`, the §2.5.4 shape), then
/// fiscalised (`COMPLETED` with FiscalInfo); `/v1/doc` takes the same body.
#[tokio::test]
async fn the_documented_example_is_queued_then_fiscalised() {
    let mk = start().await;
    let a = post_doc(&mk, fixture("doc_2_4_4_request.json")).await;
    assert_eq!(a.status, 200, "{:?}", a.problem);
    let v = a.json();
    assert_eq!(v["status"], "QUEUED");
    let shape: Value = serde_json::from_str(&fixture("doc_2_5_4_status_response.json")).unwrap();
    for k in shape.as_object().unwrap().keys() {
        assert!(v.get(k).is_some(), "{k} missing in {v}");
    }
    let id = "4f4c789c-3863-41d3-aea9-c35b5a9e7f18";
    assert_eq!(mk.journal().count(id), 1);
    // The example has a responseURL on a host the emulator never calls: it waits there.
    let v = wait_status(&mk, id, "WAIT_FOR_CALLBACK").await;
    // Money is a JSON number with two decimals on the wire (§3.12 `"sum": 57.00` form).
    let raw = status(&mk, id).await.body;
    assert!(raw.contains(r#""sum":200.00"#), "{raw}");
    let fi = &v["fiscalInfo"];
    let sample: Value = serde_json::from_str(&fixture("doc_2_4_4_response.json")).unwrap();
    for k in sample["fiscalInfo"].as_object().unwrap().keys() {
        assert!(fi.get(k).is_some(), "fiscalInfo.{k} missing in {fi}");
    }
    assert_eq!(fi["checkType"], "SALE");
    assert!(fi["qr"].as_str().unwrap().contains("&s=200.00&"));
    assert_eq!(mk.journal().fiscalised_count(id), 1);
    let b = call(
        &mk,
        reqwest::Method::POST,
        "/v1/doc",
        ASSOC,
        Some(example_doc("legacy-v1-doc")),
    )
    .await;
    assert_eq!(b.status, 200);
    wait_status(&mk, "legacy-v1-doc", "COMPLETED").await;
}

/// A change to a document.
type Change = Box<dyn Fn(&mut Value)>;

/// §2.4.3 + §3.3–3.5: what the model tables require, refused 400 without a body.
#[tokio::test]
async fn documents_against_the_model_are_refused_400_without_a_body() {
    let mk = start().await;
    let base: Value = serde_json::from_str(&example_doc("bad")).unwrap();
    let cases: Vec<(&str, Change)> = vec![
        (
            "email",
            Box::new(|v| drop(v.as_object_mut().unwrap().remove("email"))),
        ),
        ("email", Box::new(|v| v["email"] = "+7123".into())),
        (
            "checkoutDateTime",
            Box::new(|v| v["checkoutDateTime"] = "2020-02-26T06:41:04".into()),
        ),
        ("docType", Box::new(|v| v["docType"] = "SELL".into())),
        ("docType", Box::new(|v| v["documentType"] = "RETURN".into())),
        ("taxMode", Box::new(|v| v["taxMode"] = "OSN".into())),
        (
            "cashierName",
            Box::new(|v| v["cashierName"] = "я".repeat(65).into()),
        ),
        (
            "vatTag",
            Box::new(|v| v["inventPositions"][0]["vatTag"] = 1108.into()),
        ),
        (
            "price",
            Box::new(|v| v["inventPositions"][0]["price"] = "100.00".into()),
        ),
        (
            "quantity",
            Box::new(|v| v["inventPositions"][0]["quantity"] = 0.into()),
        ),
        (
            "paymentObject",
            Box::new(|v| v["inventPositions"][0]["paymentObject"] = "goods".into()),
        ),
        (
            "originCountryCode",
            Box::new(|v| v["inventPositions"][0]["originCountryCode"] = "RUS".into()),
        ),
        (
            "nomenclatureCode",
            Box::new(|v| v["inventPositions"][0]["nomenclatureCode"] = "0000FA".into()),
        ),
        (
            "operation",
            Box::new(|v| v["agentInfo"]["payingAgent"]["operation"] = "x".repeat(25).into()),
        ),
        (
            "paymentType",
            Box::new(|v| v["moneyPositions"][0]["paymentType"] = "CASHLESS".into()),
        ),
        (
            "inventPositions",
            Box::new(|v| v["inventPositions"] = serde_json::json!([])),
        ),
        (
            "moneyPositions",
            Box::new(|v| v["moneyPositions"][0]["sum"] = 199.99.into()),
        ),
    ];
    for (what, change) in cases {
        let mut v = base.clone();
        change(&mut v);
        let a = post_doc(&mk, v.to_string()).await;
        assert_eq!(a.status, 400, "{what}: {v}");
        assert!(a.body.is_empty(), "{what}: «Без содержимого»");
        assert!(
            a.problem.as_deref().is_some_and(|p| p.contains(what)),
            "{what}: {:?}",
            a.problem
        );
    }
    assert!(mk.journal().is_empty());
    let a = call(
        &mk,
        reqwest::Method::POST,
        "/v2/doc",
        None,
        Some(example_doc("x")),
    )
    .await;
    assert_eq!(a.status, 401);
    assert!(a.body.is_empty());
}

/// §2.5.3: no 404 is documented for the status call; an id the service does not hold is 400.
#[tokio::test]
async fn an_unknown_id_is_400() {
    let mk = start().await;
    let a = status(&mk, "never-sent").await;
    assert_eq!(a.status, 400);
    assert!(a.body.is_empty());
}

/// §1.5, §2.4.5: while the register is offline a document stays QUEUED (no limit); back
/// online, the register takes the waiting documents oldest first.
#[tokio::test]
async fn an_offline_register_holds_documents_in_queued() {
    let mk = start().await;
    mk.set_register(RegisterState::Offline);
    for id in ["q-1", "q-2"] {
        assert_eq!(post_doc(&mk, example_doc(id)).await.status, 200);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for id in ["q-1", "q-2"] {
        let v = status(&mk, id).await.json();
        assert_eq!(v["status"], "QUEUED", "{v}");
        assert_eq!(v["fnState"], "FAILED");
        assert!(v["fiscalInfo"].is_null());
    }
    assert_eq!(mk.journal().pending(), 2);
    mk.set_register(RegisterState::Online);
    let a = wait_status(&mk, "q-1", "COMPLETED").await;
    let b = wait_status(&mk, "q-2", "COMPLETED").await;
    assert!(
        a["fiscalInfo"]["fnDocNumber"].as_u64() < b["fiscalInfo"]["fnDocNumber"].as_u64(),
        "oldest first"
    );
}

/// §2.6, §3.13: a register failure is FAILED with failureInfo; `re-queue` runs it again
/// (REQUEUED, then fiscalised); re-queue of a document that is not FAILED is refused.
#[tokio::test]
async fn failed_documents_are_requeued() {
    let mk = start().await;
    mk.push_fault(
        Endpoint::Register,
        Fault::RegisterError {
            code: 235,
            text: "ФН переполнен".into(),
        },
    );
    assert_eq!(post_doc(&mk, example_doc("f-1")).await.status, 200);
    let v = wait_status(&mk, "f-1", "FAILED").await;
    assert_eq!(v["failureInfo"]["type"], "FN_GENERIC_FAILURE");
    assert!(v["failureInfo"]["message"].as_str().is_some());
    assert_eq!(mk.journal().fiscalised_count("f-1"), 0);
    let a = call(
        &mk,
        reqwest::Method::PUT,
        "/v1/doc/f-1/re-queue",
        ASSOC,
        None,
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["status"], "REQUEUED");
    wait_status(&mk, "f-1", "COMPLETED").await;
    assert_eq!(mk.journal().fiscalised_count("f-1"), 1);
    let a = call(
        &mk,
        reqwest::Method::PUT,
        "/v1/doc/f-1/re-queue",
        ASSOC,
        None,
    )
    .await;
    assert_eq!(a.status, 400);
}

/// Inferred (document 2.0 is silent): the same id again answers that document and registers
/// nothing.
#[tokio::test]
async fn a_repeated_id_is_the_same_document() {
    let mk = start().await;
    assert_eq!(post_doc(&mk, example_doc("r-1")).await.status, 200);
    wait_status(&mk, "r-1", "COMPLETED").await;
    let again = post_doc(&mk, example_doc("r-1")).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["status"], "COMPLETED");
    assert_eq!(mk.journal().count("r-1"), 1);
    assert_eq!(mk.journal().fiscalised_count("r-1"), 1);
}

/// §2.4.6 (format inferred): the register's result goes to `responseURL` with `status` and
/// `qr` in the query; WAIT_FOR_CALLBACK until the shop answers 200, then COMPLETED.
#[tokio::test]
async fn the_callback_carries_status_and_qr() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mk = start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let got = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.expect("accept");
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).await.expect("read");
        s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .await
            .expect("write");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    let mut v: Value = serde_json::from_str(&example_doc("cb-1")).unwrap();
    v["responseURL"] = format!("http://{addr}/complete-doc?id=1").into();
    assert_eq!(post_doc(&mk, v.to_string()).await.status, 200);
    let request = tokio::time::timeout(Duration::from_secs(5), got)
        .await
        .expect("callback in time")
        .expect("task");
    let line = request.lines().next().unwrap_or_default().to_owned();
    assert!(
        line.contains("/complete-doc?id=1&status=SUCCESS&qr=t%3D"),
        "{line}"
    );
    wait_status(&mk, "cb-1", "COMPLETED").await;
}

/// Inferred: a register with fiscalisation disabled (`DISABLED`) takes no new document (403
/// without a body); nothing is journaled.
#[tokio::test]
async fn a_disabled_register_refuses_new_documents() {
    let mk = start().await;
    mk.set_register(RegisterState::Disabled);
    let a = post_doc(&mk, example_doc("d-1")).await;
    assert_eq!(a.status, 403);
    assert!(a.body.is_empty());
    assert!(mk.journal().is_empty());
    mk.set_register(RegisterState::Online);
    assert_eq!(post_doc(&mk, example_doc("d-1")).await.status, 200);
    wait_status(&mk, "d-1", "COMPLETED").await;
}
