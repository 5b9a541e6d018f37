//! Source positions for values in a RON file, found by a light structural scan.
//!
//! RON's deserializer reports positions for syntax errors only; the checker's errors name a
//! value by its path (`stages[3].options[1].technique`), and this scan maps such paths back to
//! byte spans, so every diagnostic can point at the line and column an author must edit. The
//! scan also bounds the input: size and nesting are checked before serde sees the text.

use std::collections::HashMap;

/// Files larger than this are refused before parsing.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;
/// Nesting deeper than this is refused before parsing.
pub const MAX_DEPTH: usize = 64;

/// A byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// Why a file is refused before parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    TooLarge(usize),
    TooDeep(Span),
}

/// Maps value paths to spans, and offsets to lines and columns.
#[derive(Debug, Clone, Default)]
pub struct Locator {
    src: String,
    line_starts: Vec<usize>,
    paths: HashMap<String, Span>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Word,
    Str,
    Open(u8),
    Close,
    Colon,
    Comma,
}

#[derive(Debug)]
struct Frame {
    path: String,
    index: usize,
    field: Option<String>,
}

impl Locator {
    /// Scans `src`; returns the locator, or the bound it breaks.
    pub fn scan(src: &str) -> Result<Locator, (Locator, Bound)> {
        let mut loc = Locator {
            src: src.to_owned(),
            line_starts: std::iter::once(0)
                .chain(src.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
            paths: HashMap::new(),
        };
        if src.len() > MAX_BYTES {
            return Err((loc, Bound::TooLarge(src.len())));
        }
        let toks = tokenize(src);
        let mut stack: Vec<Frame> = vec![Frame {
            path: String::new(),
            index: 0,
            field: None,
        }];
        let mut i = 0;
        while i < toks.len() {
            let (tok, span) = toks[i];
            let next = toks.get(i + 1).map(|t| t.0);
            match tok {
                Tok::Word | Tok::Str if next == Some(Tok::Colon) && stack.len() > 1 => {
                    let name = src[span.start..span.end].trim_matches('"').to_owned();
                    if let Some(f) = stack.last_mut() {
                        f.field = Some(name);
                    }
                    i += 2;
                    continue;
                }
                Tok::Word | Tok::Str | Tok::Open(_) => {
                    let path = value_path(&mut stack);
                    loc.paths.entry(path.clone()).or_insert(span);
                    let opens = tok == Tok::Word && matches!(next, Some(Tok::Open(b'(')));
                    if opens {
                        i += 1;
                    }
                    if opens || matches!(tok, Tok::Open(_)) {
                        stack.push(Frame {
                            path,
                            index: 0,
                            field: None,
                        });
                        if stack.len() > MAX_DEPTH {
                            return Err((loc, Bound::TooDeep(span)));
                        }
                    }
                }
                Tok::Close => {
                    if stack.len() > 1 {
                        stack.pop();
                    }
                }
                Tok::Comma => {
                    if let Some(f) = stack.last_mut() {
                        f.index += 1;
                        f.field = None;
                    }
                }
                Tok::Colon => {}
            }
            i += 1;
        }
        Ok(loc)
    }

    pub fn source(&self) -> &str {
        &self.src
    }

    /// The span of the value at `path`, or of its nearest recorded ancestor.
    pub fn find(&self, path: &str) -> Option<Span> {
        let mut p = path;
        loop {
            if let Some(s) = self.paths.get(p) {
                return Some(*s);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let col = self
            .src
            .get(start..offset.min(self.src.len()))
            .map_or(1, |s| s.chars().count() + 1);
        (line, col)
    }

    /// The byte offset of a 1-based line and column.
    pub fn offset(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.src.len();
        };
        let rest = &self.src[start..];
        let skip: usize = rest.chars().take(col.saturating_sub(1)).map(char::len_utf8).sum();
        (start + skip).min(self.src.len())
    }

    /// The text of a 1-based line, without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = self.src[start..].find('\n').map_or(self.src.len(), |e| start + e);
        self.src[start..end].trim_end_matches('\r')
    }
}

fn value_path(stack: &mut [Frame]) -> String {
    let depth = stack.len();
    let Some(frame) = stack.last_mut() else {
        return String::new();
    };
    if depth == 1 {
        return String::new();
    }
    match frame.field.take() {
        Some(name) if frame.path.is_empty() => name,
        Some(name) => format!("{}.{}", frame.path, name),
        None => format!("{}[{}]", frame.path, frame.index),
    }
}

fn tokenize(src: &str) -> Vec<(Tok, Span)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'#' => {
                // `#![enable(...)]` attributes: skip to the closing bracket.
                while i < b.len() && b[i] != b']' {
                    i += 1;
                }
                i += 1;
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
                out.push((Tok::Str, Span { start, end: i }));
            }
            b'r' if matches!(b.get(i + 1), Some(b'"' | b'#')) => {
                let start = i;
                i += 1;
                let mut hashes = 0;
                while b.get(i) == Some(&b'#') {
                    hashes += 1;
                    i += 1;
                }
                i += 1;
                let closing: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
                while i < b.len() && !b[i..].starts_with(&closing) {
                    i += 1;
                }
                i = (i + closing.len()).min(b.len());
                out.push((Tok::Str, Span { start, end: i }));
            }
            b'\'' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
                out.push((Tok::Str, Span { start, end: i }));
            }
            b'(' | b'[' | b'{' => {
                out.push((Tok::Open(c), Span { start: i, end: i + 1 }));
                i += 1;
            }
            b')' | b']' | b'}' => {
                out.push((Tok::Close, Span { start: i, end: i + 1 }));
                i += 1;
            }
            b':' => {
                out.push((Tok::Colon, Span { start: i, end: i + 1 }));
                i += 1;
            }
            b',' => {
                out.push((Tok::Comma, Span { start: i, end: i + 1 }));
                i += 1;
            }
            _ => {
                let start = i;
                while i < b.len() && !b" \t\r\n()[]{}:,\"/#".contains(&b[i]) {
                    i += 1;
                }
                if i == start {
                    i += 1;
                }
                out.push((Tok::Word, Span { start, end: i }));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_their_values() {
        let src = "Scenario(\n  id: \"x\",\n  stages: [\n    (id: \"a\", options: [(technique: \"t1\")]),\n    (id: \"b\"),\n  ],\n)";
        let loc = Locator::scan(src).expect("scan");
        let s = loc.find("stages[1].id").expect("found");
        assert_eq!(&src[s.start..s.end], "\"b\"");
        assert_eq!(loc.line_col(s.start), (5, 10));
        let t = loc.find("stages[0].options[0].technique").expect("found");
        assert_eq!(&src[t.start..t.end], "\"t1\"");
        // An unknown deeper path falls back to its nearest ancestor.
        assert_eq!(
            loc.find("stages[0].options[0].feedback"),
            loc.find("stages[0].options[0]")
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let src = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(matches!(Locator::scan(&src), Err((_, Bound::TooDeep(_)))));
    }
}
