//! Renders a receipt with made-up fiscal attributes, so the output can be looked at:
//!
//! ```sh
//! cargo run -p fiskal-render --example render [receipt.json [out-dir]]
//! ```
//!
//! Without arguments it renders the sample `examples/data/receipt_1_2.json`. It writes
//! `receipt.txt` (42 columns), `receipt-48.txt`, `receipt.html`, `receipt-not-fiscalised.html`
//! (the same receipt without fiscal attributes), `qr.png` and `qr.svg` to
//! `out-dir`, by default `render/` in the cargo target directory (`$CARGO_TARGET_DIR`, else the
//! workspace's `target/`).

// An example reports what it wrote on stdout.
#![allow(clippy::print_stdout)]

use fiskal_render::{FiscalAttributes, Options, Width};
use std::path::PathBuf;

const SAMPLE: &str = include_str!("../data/receipt_1_2.json");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let json = match args.next() {
        Some(path) => std::fs::read_to_string(path)?,
        None => SAMPLE.to_owned(),
    };
    let out_dir = match args.next() {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
            .join("render"),
    };

    let mut receipt = fiskal_ffd::json::parse_and_validate(&json)?;
    // What the register adds to a receipt a shop sends (1048, 1009): made up, like the rest.
    let company = &mut receipt.company;
    company
        .name
        .get_or_insert_with(|| "ООО \"Спорт & Мода\"".to_owned());
    company
        .payment_address
        .get_or_insert_with(|| "125009, г. Москва, ул. Тверская, д. 7, стр. 1".to_owned());

    // Made-up fiscal attributes, as a provider would report them (built through serde: the
    // type is non-exhaustive).
    let fiscal: FiscalAttributes = serde_json::from_value(serde_json::json!({
        "fn_number": "7380440700076549",
        "fd_number": 4127,
        "fiscal_sign": 2_915_739_404_u32,
        "shift_number": 86,
        "receipt_number": 17,
        "date_time": "2026-03-02T10:15:42",
        "kkt_reg_number": "0001234567012345",
        "ofd_inn": "7812345675",
        "receipt_url": "https://ofd.example.ru/rec/7380440700076549/4127/2915739404",
        "total": receipt.total,
        "operation": receipt.operation,
    }))?;

    std::fs::create_dir_all(&out_dir)?;
    let opts = Options::default();
    let files: [(&str, Vec<u8>); 6] = [
        (
            "receipt.txt",
            fiskal_render::render_text(&receipt, Some(&fiscal), &opts).into_bytes(),
        ),
        (
            "receipt-48.txt",
            fiskal_render::render_text(
                &receipt,
                Some(&fiscal),
                &Options::with_width(Width::Cols48),
            )
            .into_bytes(),
        ),
        (
            "receipt.html",
            fiskal_render::render_html(&receipt, Some(&fiscal), &opts).into_bytes(),
        ),
        (
            "receipt-not-fiscalised.html",
            fiskal_render::render_html(&receipt, None, &opts).into_bytes(),
        ),
        ("qr.png", fiskal_render::qr_png(&fiscal.qr_string(), 6)?),
        (
            "qr.svg",
            fiskal_render::qr_svg(&fiscal.qr_string())?.into_bytes(),
        ),
    ];
    for (name, bytes) in files {
        let path = out_dir.join(name);
        std::fs::write(&path, bytes)?;
        println!("{}", path.display());
    }
    println!("QR: {}", fiscal.qr_string());
    Ok(())
}
