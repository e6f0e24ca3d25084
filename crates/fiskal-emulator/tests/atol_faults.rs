//! The ATOL emulator's fault injection, callbacks, concurrency, hostile input and shutdown,
//! over real HTTP on loopback.

mod common;
mod poll;

use common::*;
use fiskal_emulator::atol::AtolConfig;
use fiskal_emulator::{CallbackState, DocState, Endpoint, Fault, Faults};
use poll::poll_until;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[tokio::test]
async fn faults_5xx_and_503_are_not_accepted() {
    let h = start(fast()).await;
    let base = h.base_url_v4();
    let t = token4(&h).await;
    h.set_faults(
        Faults::none()
            .script(Endpoint::Register, Fault::ServerError(500))
            .script(Endpoint::Register, Fault::ServerError(502))
            .script(
                Endpoint::Register,
                Fault::Unavailable {
                    retry_after_secs: 7,
                },
            ),
    );
    let (status, r) = post(&base, G4, "sell", &t, &sell_v4("f")).await;
    assert_eq!((status, error_code(&r)), (500, 50));
    let r = http()
        .post(format!("{base}{G4}/sell"))
        .header("Token", &t)
        .json(&sell_v4("f"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 502);
    assert!(r.text().await.unwrap().contains("502 Bad Gateway"));
    let r = http()
        .post(format!("{base}{G4}/sell"))
        .header("Token", &t)
        .json(&sell_v4("f"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(r.headers()["retry-after"], "7");
    assert!(h.journal().is_empty());
    // The queue is used up: the next attempt goes through.
    let (status, _) = post(&base, G4, "sell", &t, &sell_v4("f")).await;
    assert_eq!(status, 200);

    // Random faults, every request.
    h.set_faults(Faults::random(
        1,
        1000,
        vec![Fault::Unavailable {
            retry_after_secs: 1,
        }],
    ));
    let r = http()
        .get(format!("{base}getToken?login=a&pass=b"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    h.set_faults(Faults::none());
}

#[tokio::test]
async fn fault_reset_after_accept_is_in_doubt_but_fiscalised_once() {
    let h = start(fast()).await;
    let base = h.base_url_v4();
    let t = token4(&h).await;
    h.push_fault(Endpoint::Register, Fault::ResetAfterAccept);
    let lost = http()
        .post(format!("{base}{G4}/sell"))
        .header("Token", &t)
        .json(&sell_v4("doubt"))
        .send()
        .await;
    assert!(lost.is_err(), "the answer must be lost");
    assert_eq!(h.journal().count("doubt"), 1);
    // The client resends: duplicate, with the uuid of the document that got in.
    let (status, r) = post(&base, G4, "sell", &t, &sell_v4("doubt")).await;
    assert_eq!((status, error_code(&r)), (400, 33));
    let done = settle(&base, G4, r["uuid"].as_str().unwrap(), &t).await;
    assert_eq!(done["status"], "done");
    assert_eq!(h.journal().fiscalised_count("doubt"), 1);

    // Reset before acceptance: nothing is journaled.
    h.push_fault(Endpoint::Register, Fault::ResetBeforeAccept);
    let lost = http()
        .post(format!("{base}{G4}/sell"))
        .header("Token", &t)
        .json(&sell_v4("never"))
        .send()
        .await;
    assert!(lost.is_err());
    assert_eq!(h.journal().count("never"), 0);
}

#[tokio::test]
async fn fault_slow_response_still_accepts() {
    let h = start(fast()).await;
    let t = token4(&h).await;
    h.push_fault(Endpoint::Register, Fault::Delay(Duration::from_millis(400)));
    let started = Instant::now();
    let (status, _) = post(&h.base_url_v4(), G4, "sell", &t, &sell_v4("slow")).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(400));

    // A client that gives up first leaves an accepted document behind.
    h.push_fault(Endpoint::Register, Fault::Delay(Duration::from_millis(600)));
    let _ = http();
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let r = impatient
        .post(format!("{}{G4}/sell", h.base_url_v4()))
        .header("Token", &t)
        .json(&sell_v4("gave-up"))
        .send()
        .await;
    assert!(r.is_err());
    assert_eq!(h.journal().count("gave-up"), 1);
}

#[tokio::test]
async fn fault_queue_timeout_and_register_error() {
    let h = start(fast()).await;
    let base = h.base_url_v5();
    let t = token5(&h).await;
    h.set_faults(
        Faults::none()
            .script(Endpoint::Register, Fault::QueueTimeout)
            .script(Endpoint::Register, Fault::kkt_error(73)),
    );
    let (_, r) = post(&base, G5, "sell", &t, &sell_v5("qt")).await;
    let fail = settle(&base, G5, r["uuid"].as_str().unwrap(), &t).await;
    assert_eq!(fail["status"], "fail");
    assert_eq!(fail["error"]["type"], "timeout");
    assert_eq!(
        fail["error"]["text"],
        "Превышено время ожидания чека в очереди"
    );
    let (_, r) = post(&base, G5, "sell", &t, &sell_v5("kkt")).await;
    let fail = settle(&base, G5, r["uuid"].as_str().unwrap(), &t).await;
    assert_eq!(
        (error_code(&fail), fail["error"]["type"].as_str()),
        (73, Some("driver"))
    );
    assert_eq!(fail["error"]["text"], "Смена закрыта");
    let j = h.journal();
    assert!(j
        .entries()
        .iter()
        .all(|e| matches!(e.state, DocState::Fail(_))));
    assert_eq!(j.fiscalised_count("qt") + j.fiscalised_count("kkt"), 0);
}

#[tokio::test]
async fn callback_is_posted_when_done() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let receiver = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = s.read(&mut chunk).await.unwrap();
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("Content-Length: "))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if body.len() >= len || n == 0 {
                    s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                        .await
                        .unwrap();
                    return (head.to_owned(), body.to_owned());
                }
            }
        }
    });
    let h = start(fast()).await;
    let t = token4(&h).await;
    let mut body = sell_v4("cb");
    body["service"] = json!({"callback_url": format!("http://127.0.0.1:{port}/atol/cb")});
    let (_, r) = post(&h.base_url_v4(), G4, "sell", &t, &body).await;
    let (head, cb) = tokio::time::timeout(Duration::from_secs(3), receiver)
        .await
        .unwrap()
        .unwrap();
    assert!(head.starts_with("POST /atol/cb HTTP/1.1"), "{head}");
    let cb: Value = serde_json::from_str(&cb).unwrap();
    assert_eq!(cb["uuid"], r["uuid"]);
    assert_eq!(cb["status"], "done");
    assert_eq!(cb["warnings"], Value::Null);
    let callback = poll_until("the callback outcome", Duration::from_secs(2), || async {
        let cb = h.journal().by_external_id(G4, "cb").unwrap().callback;
        (cb != CallbackState::None).then_some(cb)
    })
    .await;
    assert_eq!(callback, CallbackState::Delivered(200));

    // A non-loopback address is never called.
    let mut body = sell_v4("cb2");
    body["service"] = json!({"callback_url": "https://example.org/cb"});
    let (_, r) = post(&h.base_url_v4(), G4, "sell", &t, &body).await;
    settle(&h.base_url_v4(), G4, r["uuid"].as_str().unwrap(), &t).await;
    let callback = poll_until("the callback outcome", Duration::from_secs(3), || async {
        let cb = h.journal().by_external_id(G4, "cb2").unwrap().callback;
        (cb != CallbackState::None).then_some(cb)
    })
    .await;
    assert!(matches!(callback, CallbackState::Skipped(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_duplicates_fiscalise_exactly_once() {
    let h = start(fast()).await;
    let base = h.base_url_v4();
    let t = token4(&h).await;
    let sends = (0..16).map(|i| {
        let (base, t) = (base.clone(), t.clone());
        // Half the requests share one external_id, the others are all different.
        let id = if i % 2 == 0 {
            "same".to_owned()
        } else {
            format!("own-{i}")
        };
        tokio::spawn(async move { post(&base, G4, "sell", &t, &sell_v4(&id)).await })
    });
    let mut accepted_same = Vec::new();
    let mut duplicate_uuids = Vec::new();
    for s in sends {
        let (status, r) = s.await.unwrap();
        match (status, error_code(&r)) {
            (200, _) => {
                if h.journal()
                    .by_uuid(r["uuid"].as_str().unwrap())
                    .unwrap()
                    .external_id
                    == "same"
                {
                    accepted_same.push(r["uuid"].clone());
                }
            }
            (400, 33) => duplicate_uuids.push(r["uuid"].clone()),
            other => panic!("unexpected answer {other:?}: {r}"),
        }
    }
    assert_eq!(accepted_same.len(), 1);
    assert_eq!(duplicate_uuids.len(), 7);
    assert!(duplicate_uuids.iter().all(|u| *u == accepted_same[0]));
    let uuid = accepted_same[0].as_str().unwrap().to_owned();
    settle(&base, G4, &uuid, &t).await;
    assert_eq!(h.journal().len(), 9);
    assert_eq!(h.journal().fiscalised_count("same"), 1);
}

#[tokio::test]
async fn hostile_requests_always_get_an_answer() {
    let h = start(fast()).await;
    let base = h.base_url_v4();
    let t = token4(&h).await;
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let mut items_object = sell_v4("x");
    items_object["receipt"]["items"] = json!({"0": 1});
    let mut huge_qty = sell_v4("x");
    huge_qty["receipt"]["items"][0]["quantity"] = json!(1e300);
    let mut types = sell_v4("x");
    types["receipt"]["items"][0] =
        json!({"name": 5, "price": "1", "quantity": null, "sum": [], "vat": "vat20"});
    types["receipt"]["payments"] = json!([null, 7, {"type": -1, "sum": -0.001}]);
    types["receipt"]["client"] = json!([]);
    let mut mark = sell_v4("x");
    mark["receipt"]["items"][0]["nomenclature_code"] = json!("zz zz");
    let bodies: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"null".to_vec(),
        b"\xff\xfe\x00".to_vec(),
        b"{\"external_id\": 1e400}".to_vec(),
        deep.into_bytes(),
        items_object.to_string().into_bytes(),
        huge_qty.to_string().into_bytes(),
        types.to_string().into_bytes(),
        mark.to_string().into_bytes(),
    ];
    for body in bodies {
        let r = http()
            .post(format!("{base}{G4}/sell"))
            .header("Token", &t)
            .header("Content-Type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("an answer, not a dropped connection");
        assert_eq!(
            r.status().as_u16(),
            400,
            "{}",
            String::from_utf8_lossy(&body)
        );
        let v: Value = r.json().await.expect("a JSON error");
        assert!(matches!(error_code(&v), 32 | 40), "{v}");
    }
    for path in [
        format!("{base}{G4}/report/%00"),
        format!("{base}{G4}/report/"),
        format!("{base}%2F%2F/sell"),
        format!("{base}getToken?login=%ZZ&pass=%"),
        format!("{base}{G4}/sell/extra/segments"),
        format!("http://{}/", h.addr()),
    ] {
        let r = http()
            .get(&path)
            .header("Token", &t)
            .send()
            .await
            .expect("an answer");
        assert!(r.status().is_client_error(), "{path}: {}", r.status());
    }
    assert!(h.journal().is_empty());
}

#[tokio::test]
async fn shutdown_stops_serving_and_abandons_waiting_documents() {
    let h = start(AtolConfig::default().with_processing_delay(Duration::from_millis(200))).await;
    let base = h.base_url_v4();
    let t = token4(&h).await;
    let (status, _) = post(&base, G4, "sell", &t, &sell_v4("late")).await;
    assert_eq!(status, 200);
    let journal = h.journal();
    h.shutdown().await;
    assert!(http().get(format!("{base}getToken")).send().await.is_err());
    // Past the 200 ms processing delay: nothing to poll for, the point is that nothing happens.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(journal.pending(), 1);
    assert_eq!(journal.fiscalised_count("late"), 0);
}
