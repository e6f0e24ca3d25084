//! Shared inputs for the fiskal benchmarks (see benches/README.md).

/// A valid FFD 1.2 receipt JSON with `n` items (names ~40 characters, one in four marked).
pub fn receipt_json_1_2(n: usize) -> String {
    let mut items = Vec::with_capacity(n);
    let mut total: u64 = 0;
    for i in 0..n {
        let price: u64 = 10_000 + (i as u64 % 97) * 137;
        total += price;
        let marked = i % 4 == 0;
        let mark = if marked {
            format!(
                r#","mark":{{"kind":1305,"value":"0104601234567893215Abc{:09}","processing_mode":0}}"#,
                i
            )
        } else {
            String::new()
        };
        items.push(format!(
            r#"{{"name":"Товар номер {i:05}, артикул ABC-{i:06} синий","price":"{}.{:02}","quantity":1,"sum":"{}.{:02}","measure":"piece","vat":"vat22","payment_method":"full_payment","payment_subject":"{}"{mark}}}"#,
            price / 100,
            price % 100,
            price / 100,
            price % 100,
            if marked { "marked" } else { "commodity" },
        ));
    }
    format!(
        r#"{{"version":1,"ffd":"1.2","operation":"sell","tax_system":"osn","company":{{"inn":"7701000001","payment_place":"https://shop.example.ru","email":"receipts@shop.example.ru"}},"cashier":{{"name":"Иванов И.И."}},"client":{{"contact":"+79990000001"}},"items":[{}],"payments":{{"electronic":"{}.{:02}"}},"total":"{}.{:02}"}}"#,
        items.join(","),
        total / 100,
        total % 100,
        total / 100,
        total % 100
    )
}
