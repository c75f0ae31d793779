//! An organization's brand colour, made safe to read: WCAG 2.1 AA asks for a contrast of at
//! least 4.5:1 for text. Whatever colour an organization picks, buttons get black or white
//! text (whichever reads better: one of the two always reaches 4.58:1), and links and
//! accents on the white page use the colour darkened until it reaches 4.5:1.

use serde::Serialize;

/// The colour pages use when the organization set none.
pub(crate) const DEFAULT_ACCENT: &str = "#2757c9";

/// The colours a page uses for its accents, as CSS `#rrggbb`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Palette {
    /// Button and selection backgrounds: the brand colour itself.
    pub accent: String,
    /// Text on `accent`.
    pub on_accent: String,
    /// Links and accent text on the white page.
    pub ink: String,
}

type Rgb = [u8; 3];

fn parse(hex: &str) -> Option<Rgb> {
    let digits = hex.strip_prefix('#')?;
    if digits.len() != 6 || !digits.is_ascii() {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(digits.get(i..i + 2)?, 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

fn css(rgb: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2])
}

/// Relative luminance (WCAG 2.1).
fn luminance(rgb: Rgb) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
}

/// Contrast ratio between two colours (1 to 21).
fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];
const AA_TEXT: f64 = 4.5;

impl Palette {
    /// The palette of `brand_color` (`#rrggbb`), or of the default colour when it is
    /// absent or not a colour.
    pub(crate) fn of(brand_color: Option<&str>) -> Self {
        let fallback = parse(DEFAULT_ACCENT).unwrap_or([39, 87, 201]);
        let accent = brand_color.and_then(parse).unwrap_or(fallback);
        let on_accent = if contrast(accent, WHITE) >= contrast(accent, BLACK) {
            WHITE
        } else {
            BLACK
        };
        let mut ink = accent;
        // Each step takes a tenth of the way to black; 30 steps reach black's 21:1.
        for _ in 0..30 {
            if contrast(ink, WHITE) >= AA_TEXT {
                break;
            }
            ink = ink.map(|c| (f64::from(c) * 0.9).floor() as u8);
        }
        Self {
            accent: css(accent),
            on_accent: css(on_accent),
            ink: css(ink),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn default_and_garbage_fall_back_to_the_default_colour() {
        assert_eq!(Palette::of(None).accent, DEFAULT_ACCENT);
        assert_eq!(Palette::of(Some("red")).accent, DEFAULT_ACCENT);
        assert_eq!(Palette::of(Some("#12345")).accent, DEFAULT_ACCENT);
        assert_eq!(Palette::of(Some("#ééé")).accent, DEFAULT_ACCENT);
    }

    #[test]
    fn a_light_colour_gets_black_text_and_darker_links() {
        let p = Palette::of(Some("#ffd54f"));
        assert_eq!(p.on_accent, "#000000");
        assert_ne!(p.ink, "#ffd54f");
    }

    #[test]
    fn a_dark_colour_is_kept_for_links() {
        let p = Palette::of(Some("#1a237e"));
        assert_eq!(p.on_accent, "#ffffff");
        assert_eq!(p.ink, "#1a237e");
    }

    proptest! {
        #[test]
        fn every_colour_reads_at_aa_contrast(r: u8, g: u8, b: u8) {
            let p = Palette::of(Some(&css([r, g, b])));
            let rgb = |s: &str| parse(s).unwrap_or(WHITE);
            prop_assert!(contrast(rgb(&p.accent), rgb(&p.on_accent)) >= AA_TEXT);
            prop_assert!(contrast(rgb(&p.ink), WHITE) >= AA_TEXT);
        }
    }
}
