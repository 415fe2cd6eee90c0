//! Image metadata removed for anonymised packs: EXIF (its strings may be UTF-16, so a
//! byte search for a name misses them), XMP, IPTC, comments and PNG text chunks can name
//! the photographer, the camera's owner or the place.
//!
//! Written by hand rather than with an image crate: only the container is walked (JPEG
//! segments, PNG and WebP chunks, GIF blocks), pixels are copied untouched, and anything
//! not known to be harmless is dropped. A file that does not parse is an error, never
//! passed through.

/// What kind of image the bytes are, by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageKind {
    Jpeg,
    Png,
    WebP,
    Gif,
    /// TIFF, HEIF, AVIF and the like: formats whose metadata senco cannot remove.
    Unsupported,
}

pub(crate) fn image_kind(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageKind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageKind::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageKind::WebP)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(ImageKind::Gif)
    } else if bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*")
        || (bytes.len() >= 12 && &bytes[4..8] == b"ftyp")
    {
        Some(ImageKind::Unsupported)
    } else {
        None
    }
}

/// The image without its metadata; `Ok(None)` when the bytes are not an image.
pub(crate) fn strip(bytes: &[u8]) -> Result<Option<Vec<u8>>, String> {
    match image_kind(bytes) {
        None => Ok(None),
        Some(ImageKind::Jpeg) => strip_jpeg(bytes).map(Some),
        Some(ImageKind::Png) => strip_png(bytes).map(Some),
        Some(ImageKind::WebP) => strip_webp(bytes).map(Some),
        Some(ImageKind::Gif) => strip_gif(bytes).map(Some),
        Some(ImageKind::Unsupported) => Err(
            "an image format (TIFF, HEIF or AVIF) whose metadata senco cannot remove; save it as JPEG or PNG".into(),
        ),
    }
}

const TRUNCATED: &str = "the image is truncated or malformed";

fn u16_be(b: &[u8], at: usize) -> Result<usize, String> {
    b.get(at..at + 2)
        .map(|s| usize::from(u16::from_be_bytes([s[0], s[1]])))
        .ok_or_else(|| TRUNCATED.to_string())
}

fn u32_at(b: &[u8], at: usize, big_endian: bool) -> Result<usize, String> {
    let s: [u8; 4] = b
        .get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| TRUNCATED.to_string())?;
    Ok(if big_endian {
        u32::from_be_bytes(s)
    } else {
        u32::from_le_bytes(s)
    } as usize)
}

/// JPEG: keeps the segments needed to decode (tables, frame, scans, JFIF, the colour
/// profile, Adobe's colour transform), drops EXIF, XMP, IPTC, comments and every other
/// application segment, and anything after the end of the image.
fn strip_jpeg(b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..2]);
    let mut i = 2;
    loop {
        // Markers may be preceded by fill bytes.
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if b.get(i) != Some(&0xFF) {
            return Err(TRUNCATED.into());
        }
        let marker = *b.get(i + 1).ok_or(TRUNCATED)?;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&b[i..i + 2]);
                i += 2;
                continue;
            }
            _ => {}
        }
        let len = u16_be(b, i + 2)?;
        if len < 2 {
            return Err(TRUNCATED.into());
        }
        let end = i + 2 + len;
        let segment = b.get(i..end).ok_or(TRUNCATED)?;
        let payload = &segment[4..];
        let keep = match marker {
            0xE0 => payload.starts_with(b"JFIF\0") || payload.starts_with(b"JFXX\0"),
            0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
            0xEE => payload.starts_with(b"Adobe"),
            0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
            _ => true,
        };
        if keep {
            out.extend_from_slice(segment);
        }
        i = end;
        if marker == 0xDA {
            // Entropy-coded data runs to the next marker that is not a stuffed byte or
            // a restart marker.
            let start = i;
            loop {
                let at = memchr::memchr(0xFF, b.get(i..).ok_or(TRUNCATED)?).ok_or(TRUNCATED)?;
                i += at;
                match b.get(i + 1) {
                    Some(0x00 | 0xD0..=0xD7) => i += 2,
                    Some(0xFF) => i += 1,
                    Some(_) => break,
                    None => return Err(TRUNCATED.into()),
                }
            }
            out.extend_from_slice(&b[start..i]);
        }
    }
}

/// PNG chunks that carry no text about anyone: the critical ones, and ancillary ones
/// about colour, transparency, pixel size and animation.
const PNG_KEEP: &[&[u8; 4]] = &[
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
    b"bKGD", b"pHYs", b"hIST", b"acTL", b"fcTL", b"fdAT", b"cICP",
];

/// PNG: keeps [`PNG_KEEP`] chunks, drops the rest (tEXt, zTXt, iTXt, eXIf, tIME, …).
fn strip_png(b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..8]);
    let mut i = 8;
    loop {
        let len = u32_at(b, i, true)?;
        let end = i
            .checked_add(12)
            .and_then(|e| e.checked_add(len))
            .ok_or(TRUNCATED)?;
        let chunk = b.get(i..end).ok_or(TRUNCATED)?;
        let kind = &chunk[4..8];
        if PNG_KEEP.iter().any(|k| &k[..] == kind) {
            out.extend_from_slice(chunk);
        }
        i = end;
        if kind == b"IEND" {
            return Ok(out);
        }
    }
}

/// WebP: drops the EXIF and XMP chunks (and unknown ones), clears their flags in the
/// extended header and fixes the RIFF size.
fn strip_webp(b: &[u8]) -> Result<Vec<u8>, String> {
    let riff_end = 8usize
        .checked_add(u32_at(b, 4, false)?)
        .ok_or(TRUNCATED)?
        .min(b.len());
    let mut body = Vec::with_capacity(b.len());
    let mut i = 12;
    while i + 8 <= riff_end {
        let kind: [u8; 4] = b[i..i + 4].try_into().map_err(|_| TRUNCATED)?;
        let len = u32_at(b, i + 4, false)?;
        let end = (i + 8).checked_add(len).ok_or(TRUNCATED)?;
        let padded = end + (len & 1);
        let chunk = b.get(i..end).ok_or(TRUNCATED)?;
        match &kind {
            b"VP8X" => {
                let mut chunk = chunk.to_vec();
                if let Some(flags) = chunk.get_mut(8) {
                    *flags &= !(0x08 | 0x04);
                }
                body.extend_from_slice(&chunk);
            }
            b"VP8 " | b"VP8L" | b"ALPH" | b"ANIM" | b"ANMF" | b"ICCP" => {
                body.extend_from_slice(chunk);
            }
            _ => {}
        }
        if len & 1 == 1 && body.len() % 2 == 1 {
            body.push(0);
        }
        i = padded;
    }
    let mut out = Vec::with_capacity(body.len() + 12);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(
        &u32::try_from(body.len() + 4)
            .map_err(|_| TRUNCATED)?
            .to_le_bytes(),
    );
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&body);
    Ok(out)
}

/// GIF: drops comment and application extensions (XMP lives in one) except the
/// looping ones, keeps images and their control blocks.
fn strip_gif(b: &[u8]) -> Result<Vec<u8>, String> {
    let flags = *b.get(10).ok_or(TRUNCATED)?;
    let mut i = 13;
    if flags & 0x80 != 0 {
        i += 3 << ((flags & 0x07) + 1);
    }
    let mut out = b.get(..i).ok_or(TRUNCATED)?.to_vec();
    // Sub-blocks: length byte, data, until a zero length.
    let sub_blocks = |mut at: usize| -> Result<usize, String> {
        loop {
            let len = usize::from(*b.get(at).ok_or(TRUNCATED)?);
            at += 1 + len;
            if len == 0 {
                return Ok(at);
            }
        }
    };
    loop {
        match b.get(i).ok_or(TRUNCATED)? {
            0x3B => {
                out.push(0x3B);
                return Ok(out);
            }
            0x2C => {
                let flags = *b.get(i + 9).ok_or(TRUNCATED)?;
                let mut at = i + 10;
                if flags & 0x80 != 0 {
                    at += 3 << ((flags & 0x07) + 1);
                }
                let end = sub_blocks(at + 1)?;
                out.extend_from_slice(b.get(i..end).ok_or(TRUNCATED)?);
                i = end;
            }
            0x21 => {
                let label = *b.get(i + 1).ok_or(TRUNCATED)?;
                let end = sub_blocks(i + 2)?;
                let block = b.get(i..end).ok_or(TRUNCATED)?;
                let looping = label == 0xFF
                    && (block.get(3..14) == Some(b"NETSCAPE2.0")
                        || block.get(3..14) == Some(b"ANIMEXTS1.0"));
                if label == 0xF9 || label == 0x01 || looping {
                    out.extend_from_slice(block);
                }
                i = end;
            }
            _ => return Err(TRUNCATED.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_with(segments: &[(u8, &[u8])]) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        for (marker, payload) in segments {
            b.extend_from_slice(&[0xFF, *marker]);
            b.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
            b.extend_from_slice(payload);
        }
        b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0]);
        b.extend_from_slice(&[0x56, 0xFF, 0xD9]);
        b.extend_from_slice(b"trailing Jo Example");
        b
    }

    #[test]
    fn jpeg_loses_exif_xmp_and_comments_but_keeps_its_scan() {
        let utf16: Vec<u8> = "Jo Example"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut exif = b"Exif\0\0".to_vec();
        exif.extend_from_slice(&utf16);
        let b = jpeg_with(&[
            (0xE0, b"JFIF\0\x01\x02"),
            (0xE1, &exif),
            (0xE1, b"http://ns.adobe.com/xap/1.0/\0<x>Jo Example</x>"),
            (0xFE, b"Jo Example"),
            (0xDB, b"\x00table"),
        ]);
        let out = strip(&b).unwrap().unwrap();
        assert_eq!(
            out,
            jpeg_with(&[(0xE0, b"JFIF\0\x01\x02"), (0xDB, b"\x00table")])[..out.len()].to_vec()
        );
        assert!(out.ends_with(&[0xFF, 0xD9]));
        assert!(memchr::memmem::find(&out, b"Example").is_none());
    }

    #[test]
    fn png_loses_text_chunks() {
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        };
        let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
        b.extend(chunk(b"IHDR", &[0; 13]));
        b.extend(chunk(b"tEXt", b"Author\0Jo Example"));
        b.extend(chunk(b"iTXt", b"Author\0\0\0\0\0Jo Example"));
        b.extend(chunk(b"IDAT", b"pixels"));
        b.extend(chunk(b"IEND", b""));
        let out = strip(&b).unwrap().unwrap();
        assert!(memchr::memmem::find(&out, b"Example").is_none());
        assert!(memchr::memmem::find(&out, b"pixels").is_some());
        assert!(out.ends_with(&chunk(b"IEND", b"")));
    }

    /// A 1x1 GIF89a with its global colour table, `middle` blocks, one image and the
    /// trailer.
    fn gif_with(middle: &[&[u8]]) -> Vec<u8> {
        let mut b = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00".to_vec();
        for block in middle {
            b.extend_from_slice(block);
        }
        b.extend_from_slice(b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00");
        b.push(0x3B);
        b
    }

    #[test]
    fn gif_loses_comments_and_xmp_but_keeps_looping_control_and_image() {
        let comment: &[u8] = b"\x21\xfe\x0aJo Example\x00";
        // XMP in an application extension, the name split across two sub-blocks.
        let mut xmp = b"\x21\xff\x0bXMP DataXMP".to_vec();
        for part in [&b"<x>Jo Exa"[..], b"mple</x>"] {
            xmp.push(part.len() as u8);
            xmp.extend_from_slice(part);
        }
        xmp.push(0);
        let looping: &[u8] = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00";
        let control: &[u8] = b"\x21\xf9\x04\x01\x00\x00\x00\x00";
        let b = gif_with(&[comment, &xmp, looping, control]);
        let out = strip(&b).unwrap().unwrap();
        assert_eq!(out, gif_with(&[looping, control]));
        assert!(memchr::memmem::find(&out, b"Example").is_none());
        assert!(memchr::memmem::find(&out, b"Exa").is_none());
    }

    /// A RIFF WebP of `chunks` (four-character kind, payload), padded as the format says.
    fn webp_with(chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
        let mut body = b"WEBP".to_vec();
        for (kind, data) in chunks {
            body.extend_from_slice(*kind);
            body.extend_from_slice(&(data.len() as u32).to_le_bytes());
            body.extend_from_slice(data);
            if data.len() % 2 == 1 {
                body.push(0);
            }
        }
        let mut b = b"RIFF".to_vec();
        b.extend_from_slice(&(body.len() as u32).to_le_bytes());
        b.extend_from_slice(&body);
        b
    }

    #[test]
    fn webp_loses_exif_and_xmp_and_says_so_in_its_header() {
        // VP8X: flags (EXIF 0x08, XMP 0x04 set), reserved, canvas 1x1 (minus one).
        let header_with = |flags: u8| [flags, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let image: &[u8] = b"\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07";
        let b = webp_with(&[
            (b"VP8X", &header_with(0x08 | 0x04 | 0x10)),
            (b"VP8L", image),
            (b"EXIF", b"Exif\0\0Jo Example"),
            (b"XMP ", b"<x>Jo Example</x>"),
        ]);
        let out = strip(&b).unwrap().unwrap();
        assert_eq!(
            out,
            webp_with(&[(b"VP8X", &header_with(0x10)), (b"VP8L", image)])
        );
        assert!(memchr::memmem::find(&out, b"Example").is_none());
        // The RIFF size counts what is left, so readers find the end where it is.
        assert_eq!(u32_at(&out, 4, false).unwrap(), out.len() - 8);
    }

    #[test]
    fn broken_images_are_errors_and_other_files_are_not_images() {
        assert!(strip(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF]).is_err());
        assert!(strip(b"\x89PNG\r\n\x1a\n\0\0\0\x05IHDR").is_err());
        assert!(strip(b"GIF89a\x01").is_err());
        assert!(strip(b"II*\0rest").is_err());
        assert_eq!(strip(b"plain text").unwrap(), None);
    }
}
