//! The QR pictures decode back to the FNS string (rqrr, a pure-Rust decoder).

mod support;

use fiskal_render::{qr_png, qr_svg, QUIET_ZONE};

const FNS: &str = "t=20260302T1015&s=5939.70&fn=7380440700076549&i=4127&fp=2915739404&n=1";

fn decode_grey(w: usize, h: usize, luma: impl Fn(usize, usize) -> u8) -> Vec<String> {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, luma);
    img.detect_grids()
        .into_iter()
        .map(|g| g.decode().expect("decodes").1)
        .collect()
}

fn decode_png(bytes: &[u8]) -> (u32, Vec<String>) {
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_transformations(png::Transformations::EXPAND);
    let mut reader = dec.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let w = usize::try_from(info.width).expect("width");
    let h = usize::try_from(info.height).expect("height");
    assert_eq!(w, h);
    let texts = decode_grey(w, h, |x, y| buf[y * info.line_size + x]);
    (info.width, texts)
}

#[test]
fn png_decodes_to_the_fns_string() {
    let mut sizes = Vec::new();
    for scale in [2, 3, 4, 8] {
        let (side, texts) = decode_png(&qr_png(FNS, scale).expect("png"));
        assert_eq!(texts, [FNS], "scale {scale}");
        sizes.push(side / scale);
    }
    // Same module count at every scale: the symbol plus the quiet zone on both sides.
    assert!(sizes.windows(2).all(|w| w[0] == w[1]), "{sizes:?}");
    assert!(usize::try_from(sizes[0]).expect("size") > 2 * QUIET_ZONE + 21);
}

#[test]
fn png_of_fiscal_attributes_decodes() {
    let r = support::receipt("sample_1_05");
    let f = support::fiscal(&r, 12);
    let (_, texts) = decode_png(&qr_png(&f.qr_string(), 4).expect("png"));
    assert_eq!(texts, [f.qr_string()]);
    assert!(texts[0].starts_with("t=20260302T1015&s=811.95&fn=7380440700076549&i=12&fp="));
}

/// Rasterises the SVG's single path (`M x y h w v1 h-w z` runs, as qr_svg writes it).
fn decode_svg(svg: &str, scale: usize) -> Vec<String> {
    let view = svg
        .split("viewBox=\"0 0 ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok())
        .expect("viewBox");
    let d = svg
        .split(" d=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("path");
    let mut dark = vec![false; view * view];
    for run in d.split('M').filter(|r| !r.is_empty()) {
        let (xy, rest) = run.split_once('h').expect("run");
        let (x, y) = xy.split_once(' ').expect("x y");
        let len = rest.split_once('v').expect("v").0;
        let (x, y, len): (usize, usize, usize) = (
            x.parse().expect("x"),
            y.parse().expect("y"),
            len.parse().expect("len"),
        );
        for i in x..x + len {
            dark[y * view + i] = true;
        }
    }
    let px = view * scale;
    decode_grey(px, px, |x, y| {
        if dark[(y / scale) * view + x / scale] {
            0
        } else {
            255
        }
    })
}

#[test]
fn svg_decodes_to_the_fns_string() {
    let svg = qr_svg(FNS).expect("svg");
    assert_eq!(decode_svg(&svg, 4), [FNS]);
}

#[test]
fn longer_text_still_decodes() {
    let text = format!("{FNS}&{}", "x".repeat(400));
    let (_, texts) = decode_png(&qr_png(&text, 3).expect("png"));
    assert_eq!(texts, [text]);
}
