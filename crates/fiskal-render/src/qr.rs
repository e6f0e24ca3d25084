//! The QR code of a receipt (tag 1196 of the printed form): the FNS string
//! `t=…&s=…&fn=…&i=…&fp=…&n=…` ([`FiscalAttributes::qr_string`]) as SVG or PNG.
//!
//! Byte mode, error-correction level M (15 %: survives a crease or a smudge on thermal paper,
//! and the FNS string still fits a small version-5 symbol), and the quiet zone of 4 modules the
//! QR standard asks for, so the picture can be placed on any background.
//!
//! [`FiscalAttributes::qr_string`]: fiskal_ffd::FiscalAttributes::qr_string

use qrcode::{Color, EcLevel, QrCode};
use std::fmt::{self, Write as _};

/// Modules of white border around the symbol (ISO/IEC 18004: at least 4).
pub const QUIET_ZONE: usize = 4;

/// The largest `scale` [`qr_png`] accepts (pixels per module): 32 already gives a picture of
/// about 1 500 pixels for the FNS string.
pub const MAX_SCALE: u32 = 32;

/// Why a QR picture could not be made. `Display` texts are for people, not a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QrError {
    /// The text does not fit the largest QR code (version 40) at level M (2 331 bytes).
    TooLong {
        /// The text's length in bytes.
        len: usize,
    },
    /// `scale` is 0 or above [`MAX_SCALE`].
    Scale {
        /// The scale asked for.
        scale: u32,
    },
    /// The PNG encoder refused the image (not expected when writing to memory).
    Png {
        /// The encoder's message.
        message: String,
    },
}

impl fmt::Display for QrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QrError::TooLong { len } => {
                write!(f, "{len} bytes do not fit a QR code (level M holds 2331)")
            }
            QrError::Scale { scale } => {
                write!(f, "QR scale {scale} is outside 1..={MAX_SCALE}")
            }
            QrError::Png { message } => write!(f, "PNG encoding failed: {message}"),
        }
    }
}

impl std::error::Error for QrError {}

/// The module matrix with its quiet zone: `size × size`, `true` = dark.
struct Matrix {
    size: usize,
    dark: Vec<bool>,
}

impl Matrix {
    fn new(text: &str) -> Result<Matrix, QrError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .map_err(|_| QrError::TooLong { len: text.len() })?;
        let w = code.width();
        let size = w + 2 * QUIET_ZONE;
        let mut dark = vec![false; size * size];
        for (i, c) in code.to_colors().into_iter().enumerate() {
            if c == Color::Dark {
                let (y, x) = (i / w, i % w);
                dark[(y + QUIET_ZONE) * size + x + QUIET_ZONE] = true;
            }
        }
        Ok(Matrix { size, dark })
    }

    fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.size + x]
    }
}

/// The QR code of `text` as an SVG document `size_px` pixels square (one path of dark runs;
/// crisp at any zoom).
pub(crate) fn svg_sized(text: &str, size_px: usize) -> Result<String, QrError> {
    let m = Matrix::new(text)?;
    let n = m.size;
    let mut path = String::with_capacity(n * n / 2);
    for y in 0..n {
        let mut x = 0;
        while x < n {
            if !m.is_dark(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < n && m.is_dark(x, y) {
                x += 1;
            }
            let _ = write!(path, "M{start} {y}h{}v1h-{}z", x - start, x - start);
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size_px}\" height=\"{size_px}\" \
         viewBox=\"0 0 {n} {n}\" shape-rendering=\"crispEdges\" role=\"img\">\
         <title>{}</title>\
         <rect width=\"{n}\" height=\"{n}\" fill=\"#ffffff\"/>\
         <path fill=\"#000000\" d=\"{path}\"/></svg>",
        crate::html::escape(text)
    ))
}

/// The QR code of `text` as a standalone SVG document, 4 pixels per module by default size
/// (scalable: it has a `viewBox`).
///
/// ```
/// let svg = fiskal_render::qr_svg("t=20260302T1015&s=599.70&fn=9999078900001234&i=1234&fp=3826187301&n=1").unwrap();
/// assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
/// ```
pub fn qr_svg(text: &str) -> Result<String, QrError> {
    let modules = Matrix::new(text)?.size;
    svg_sized(text, modules * 4)
}

/// The QR code of `text` as a PNG: 1-bit greyscale, `scale` pixels per module (1 ..=
/// [`MAX_SCALE`]), quiet zone included. For a printed or e-mailed receipt 4–8 is usual.
pub fn qr_png(text: &str, scale: u32) -> Result<Vec<u8>, QrError> {
    if scale == 0 || scale > MAX_SCALE {
        return Err(QrError::Scale { scale });
    }
    let m = Matrix::new(text)?;
    // Both fit easily: size ≤ 177 + 8 modules, scale ≤ 32.
    let s = usize::try_from(scale).map_err(|_| QrError::Scale { scale })?;
    let px = m.size * s;
    let side = u32::try_from(px).map_err(|_| QrError::Scale { scale })?;
    let row_bytes = px.div_ceil(8);
    let mut data = vec![0u8; row_bytes * px];
    for py in 0..px {
        let row = &mut data[py * row_bytes..(py + 1) * row_bytes];
        for px_x in 0..px {
            // 1-bit greyscale: 1 = white.
            if !m.is_dark(px_x / s, py / s) {
                row[px_x / 8] |= 0x80 >> (px_x % 8);
            }
        }
        // Pad bits at the end of a row stay 0; PNG decoders ignore them.
    }
    let png_err = |e: png::EncodingError| QrError::Png {
        message: e.to_string(),
    };
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side, side);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::One);
        let mut writer = enc.write_header().map_err(png_err)?;
        writer.write_image_data(&data).map_err(png_err)?;
        writer.finish().map_err(png_err)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FNS: &str = "t=20260302T1015&s=599.70&fn=9999078900001234&i=1234&fp=3826187301&n=1";

    #[test]
    fn svg_has_quiet_zone_and_escaped_title() {
        let svg = qr_svg(FNS).unwrap();
        let m = Matrix::new(FNS).unwrap();
        assert!(svg.contains(&format!("viewBox=\"0 0 {0} {0}\"", m.size)));
        assert!(svg.contains("<title>t=20260302T1015&amp;s=599.70"));
        // The quiet zone: no dark module in the first four rows and columns.
        for i in 0..QUIET_ZONE {
            for j in 0..m.size {
                assert!(!m.is_dark(i, j) && !m.is_dark(j, i));
            }
        }
        // Finder pattern: the top-left corner of the symbol is dark.
        assert!(m.is_dark(QUIET_ZONE, QUIET_ZONE));
    }

    #[test]
    fn scale_and_length_limits() {
        assert_eq!(qr_png(FNS, 0), Err(QrError::Scale { scale: 0 }));
        assert_eq!(qr_png(FNS, 33), Err(QrError::Scale { scale: 33 }));
        let long = "x".repeat(3000);
        assert_eq!(qr_svg(&long), Err(QrError::TooLong { len: 3000 }));
        assert!(QrError::TooLong { len: 3000 }.to_string().contains("3000"));
    }
}
