//! Values a provider receives in another form, or not at all: normalised, checked or refused.

use super::*;

/// A small valid receipt of this FFD version with this buyer contact.
pub(super) fn small(ffd: &str, contact: &str) -> Value {
    let mut it = json!({"name": "Товар", "price": "100.00", "quantity": "1", "sum": "100.00",
                        "vat": "vat20", "payment_method": "full_payment",
                        "payment_subject": "commodity"});
    if ffd == "1.2" {
        it["measure"] = json!("piece");
    }
    json!({
        "version": 1, "ffd": ffd, "operation": "sell", "tax_system": "usn_income",
        "company": {"inn": INN, "payment_place": "shop.example.ru"},
        "client": {"contact": contact},
        "items": [it],
        "payments": {"electronic": "100.00"},
        "total": "100.00"
    })
}

/// Every adapter with the FFD version it takes and where it puts the buyer contact.
pub(super) fn contact_routes() -> Vec<(&'static str, &'static str, Build, &'static str)> {
    vec![
        (
            "atol v4",
            "1.05",
            atol(AtolConfig::test_v4()),
            "body.receipt.client.phone",
        ),
        (
            "atol v5",
            "1.2",
            atol(AtolConfig::test_v5()),
            "body.receipt.client.phone",
        ),
        (
            "orange 1.05",
            "1.05",
            orange_build(),
            "body.content.customerContact",
        ),
        (
            "orange 1.2",
            "1.2",
            orange_build(),
            "body.content.customerContact",
        ),
        (
            "business.ru v1",
            "1.05",
            business_ru_build(ApiVersion::V1),
            "command.smsEmail54FZ",
        ),
        (
            "business.ru v2",
            "1.2",
            business_ru_build(ApiVersion::V2),
            "command.smsEmail54FZ",
        ),
    ]
}

pub(super) fn refused_path(build: &Build, receipt: &Value) -> String {
    match build(&parse(receipt)) {
        Err(ProviderError::Unsupported { path, .. }) => path,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
pub(super) fn buyer_phones_are_sent_as_plus_and_digits_by_every_adapter() {
    for (name, ffd, build, at) in contact_routes() {
        for given in [
            "+79991234567",
            "+7 (999) 123-45-67",
            "8 999 123 45 67",
            "89991234567",
            "79991234567",
            "9991234567",
        ] {
            let wire = build(&parse(&small(ffd, given))).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                get(&wire, &segs(at)),
                Some(&json!("+79991234567")),
                "{name}: {given}"
            );
        }
        let wire = build(&parse(&small(ffd, "+37121234567"))).expect("foreign number");
        assert_eq!(
            get(&wire, &segs(at)),
            Some(&json!("+37121234567")),
            "{name}"
        );
        let wire = build(&parse(&small(ffd, "buyer@example.ru"))).expect("e-mail");
        let email_at = at.replace("client.phone", "client.email");
        assert_eq!(
            get(&wire, &segs(&email_at)),
            Some(&json!("buyer@example.ru")),
            "{name}"
        );
    }
}

#[test]
pub(super) fn buyer_phones_without_a_sure_country_are_refused_naming_the_field() {
    for (name, ffd, build, _) in contact_routes() {
        // 11 digits not starting with 7 or 8 (whose country?), too short, letters.
        for given in [
            "12025550123",
            "123456",
            "+7 999 abc 45 67",
            "a b@example.ru",
        ] {
            assert_eq!(
                refused_path(&build, &small(ffd, given)),
                "client.contact",
                "{name}: {given}"
            );
        }
    }
}

#[test]
pub(super) fn agent_phones_are_normalised_and_named_when_refused() {
    let mut r = max_105();
    r["items"][0]["agent"]["agent_info"]["phones"] = json!(["8 (999) 000-00-02"]);
    let stripped = |r: &Value| {
        let mut r = r.clone();
        for k in ["other_tags", "register"] {
            r.as_object_mut().expect("object").remove(k);
        }
        r["items"][0]
            .as_object_mut()
            .expect("item")
            .remove("other_tags");
        r["items"][0]
            .as_object_mut()
            .expect("item")
            .remove("unit_vat");
        r["cashier"].as_object_mut().expect("cashier").remove("inn");
        r
    };
    let wire = atol(AtolConfig::test_v4())(&parse(&stripped(&r))).expect("atol");
    assert_eq!(
        get(
            &wire,
            &segs("body.receipt.items[0].agent_info.paying_agent.phones[0]")
        ),
        Some(&json!("+79990000002"))
    );
    let wire = orange_build()(&parse(&stripped(&r))).expect("orange");
    assert_eq!(
        get(
            &wire,
            &segs("body.content.positions[0].agentInfo.paymentAgentPhoneNumbers[0]")
        ),
        Some(&json!("+79990000002"))
    );
    r["items"][0]["agent"]["supplier"]["phones"] = json!(["+79990000005", "0911"]);
    assert_eq!(
        refused_path(&orange_build(), &stripped(&r)),
        "items[0].agent.supplier.phones[1]"
    );
}

#[test]
pub(super) fn orange_refuses_what_its_request_would_change() {
    let build = orange_build();
    // Another organisation's INN: Orange registers under the configured one.
    let mut r = small("1.2", "+79991234567");
    r["company"]["inn"] = json!("7701000001");
    assert_eq!(refused_path(&build, &r), "company.inn");
    // A sum the register would not compute (positions carry no sum).
    let mut r = small("1.2", "+79991234567");
    r["items"][0]["quantity"] = json!("3");
    r["items"][0]["price"] = json!("33.33");
    r["items"][0]["sum"] = json!("100.00");
    assert_eq!(fiskal_ffd::validate(&parse(&r)), Ok(()));
    assert_eq!(refused_path(&build, &r), "items[0].sum");
    r["items"][0]["sum"] = json!("99.99");
    r["payments"]["electronic"] = json!("99.99");
    r["total"] = json!("99.99");
    assert!(build(&parse(&r)).is_ok());
    // A mark's 1163 value that is not the scan's.
    let mut r = max_12();
    r["items"][0]["mark"]["value"] = json!("0104601234567893215Other0000001");
    let mut one = small("1.2", "+79991234567");
    one["items"] = json!([r["items"][0].clone()]);
    for k in [
        "other_tags",
        "unit_vat",
        "agent",
        "sectoral_props",
        "vat_sum",
    ] {
        one["items"][0].as_object_mut().expect("item").remove(k);
    }
    one["items"][0]["mark"]
        .as_object_mut()
        .expect("mark")
        .remove("check_result");
    one["payments"]["electronic"] = json!("60.00");
    one["total"] = json!("60.00");
    assert_eq!(refused_path(&build, &one), "items[0].mark.value");
    assert_eq!(
        refused_path(&atol(AtolConfig::test_v5()), &one),
        "items[0].mark.value"
    );
}

#[test]
pub(super) fn orange_sends_a_code_without_a_scan_in_barcodes() {
    let mut r = small("1.2", "+79991234567");
    r["items"][0]["mark"] = json!({"kind": 1302, "value": "4600000000008"});
    r["items"][0]["payment_subject"] = json!("marked");
    let wire = orange_build()(&parse(&r)).expect("orange");
    assert_eq!(
        get(&wire, &segs("body.content.positions[0].barcodes")),
        Some(&json!({"ean13": "4600000000008"}))
    );
    assert_eq!(
        get(&wire, &segs("body.content.positions[0].itemCode")),
        None
    );
}

#[test]
pub(super) fn totals_a_request_cannot_carry_must_be_what_the_register_computes() {
    // Business.ru: no VAT sums, no receipt total in the command.
    let br = business_ru_build(ApiVersion::V1);
    let mut r = small("1.05", "+79991234567");
    r["items"][0]["vat_sum"] = json!("16.67");
    assert!(br(&parse(&r)).is_ok());
    r["items"][0]["vat_sum"] = json!("16.66");
    assert_eq!(refused_path(&br, &r), "items[0].vat_sum");
    let mut r = small("1.05", "+79991234567");
    r["vat_totals"] = json!({"vat20": "16.67"});
    assert!(br(&parse(&r)).is_ok());
    r["vat_totals"] = json!({"vat20": "16.67", "vat10": "1.00"});
    assert_eq!(refused_path(&br, &r), "vat_totals.vat10");
    let mut r = small("1.05", "+79991234567");
    r["total"] = json!("99.00");
    assert_eq!(refused_path(&br, &r), "total");
    // ATOL v4 corrections (Table 3) have no total: the payments are the total.
    let mut c = max_105_correction();
    for k in [
        "other_tags",
        "register",
        "client",
        "additional_check_props",
        "additional_user_prop",
    ] {
        c.as_object_mut().expect("object").remove(k);
    }
    c["company"]
        .as_object_mut()
        .expect("company")
        .remove("email");
    c["cashier"].as_object_mut().expect("cashier").remove("inn");
    let v4 = atol(AtolConfig::test_v4());
    assert!(v4(&parse(&c)).is_ok());
    c["total"] = json!("539.00");
    assert_eq!(refused_path(&v4, &c), "total");
}
