//! Source positions for values in a RON file, found by a light structural scan.
//!
//! RON's deserializer reports positions for syntax errors only; the checker's errors name a
//! value by its path (`stages[3].options[1].technique`), and this scan maps such paths back to
//! byte spans, so every diagnostic can point at the line and column an author must edit. The
//! scan also bounds the input: size and nesting are checked before serde sees the text.

use std::collections::HashMap;

/// Files larger than this are refused before parsing.
pub const MAX_BYTES: usize = 32 * 1024 * 1024;
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
    /// A trie of value paths: node 0 is the document; `children` maps (node, segment) to a node.
    /// Segments are interned field names, or list indices with the top bit set.
    names: HashMap<String, u32>,
    children: HashMap<(u32, u32), u32, Dense>,
    spans: Vec<Option<Span>>,
    /// Keys given twice in one map or struct: (the first, the second), in the order met.
    duplicates: Vec<(Span, Span)>,
}

const INDEX: u32 = 1 << 31;

/// The hash for the scan's tables of (node, segment) pairs: a multiply and a rotate (FxHash's), where the default
/// keyed hash cost a third of the scan. Safe against a hostile file because every key is a number the scan deals out
/// itself, in order (nodes as met, names as interned, list indices), never the author's text: names are interned
/// in a map with the default hash.
#[derive(Debug, Clone, Copy, Default)]
struct Dense;

impl std::hash::BuildHasher for Dense {
    type Hasher = DenseHasher;

    fn build_hasher(&self) -> DenseHasher {
        DenseHasher(0)
    }
}

#[derive(Debug, Clone, Copy)]
struct DenseHasher(u64);

impl std::hash::Hasher for DenseHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        const K: u64 = 0xf135_7aea_2e62_a9c5;
        self.0 = (self.0.rotate_left(26) ^ n).wrapping_mul(K);
    }
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
    node: u32,
    index: u32,
    field: Option<u32>,
    /// Which open map or struct this is, to tell its keys from another's.
    uid: u32,
}

impl Locator {
    /// Scans `src`; returns the locator, or the bound it breaks.
    #[expect(
        clippy::result_large_err,
        reason = "the locator is returned either way, to place the error"
    )]
    pub fn scan(src: &str) -> Result<Locator, (Locator, Bound)> {
        let mut loc = Locator {
            src: src.to_owned(),
            line_starts: std::iter::once(0)
                .chain(src.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
            names: HashMap::new(),
            children: HashMap::default(),
            spans: vec![None],
            duplicates: Vec::new(),
        };
        // The keys met so far in each open map or struct, by (its uid, the key's name): a key given twice is noted.
        let mut keys: HashMap<(u32, u32), Span, Dense> = HashMap::default();
        let mut uids = 0u32;
        if src.len() > MAX_BYTES {
            return Err((loc, Bound::TooLarge(src.len())));
        }
        // Tokens are read as the scan goes (one token of lookahead), not gathered first: a 10 MiB file is a
        // million and a half of them.
        let mut toks = Tokens {
            b: src.as_bytes(),
            i: 0,
        }
        .peekable();
        let mut stack: Vec<Frame> = vec![Frame {
            node: 0,
            index: 0,
            field: None,
            uid: 0,
        }];
        while let Some((tok, span)) = toks.next() {
            let next = toks.peek().map(|t| t.0);
            match tok {
                Tok::Word | Tok::Str if next == Some(Tok::Colon) && stack.len() > 1 => {
                    let name = src[span.start..span.end].trim_matches('"');
                    let id = match loc.names.get(name) {
                        Some(&id) => id,
                        None => {
                            let id = loc.names.len() as u32;
                            loc.names.insert(name.to_owned(), id);
                            id
                        }
                    };
                    if let Some(f) = stack.last_mut() {
                        f.field = Some(id);
                        if let Some(first) = keys.insert((f.uid, id), span) {
                            loc.duplicates.push((first, span));
                        }
                    }
                    toks.next();
                }
                Tok::Word | Tok::Str | Tok::Open(_) => {
                    let node = loc.value_node(&mut stack, span);
                    let opens = tok == Tok::Word && matches!(next, Some(Tok::Open(b'(')));
                    if opens {
                        toks.next();
                    }
                    if opens || matches!(tok, Tok::Open(_)) {
                        uids += 1;
                        stack.push(Frame {
                            node,
                            index: 0,
                            field: None,
                            uid: uids,
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
        }
        Ok(loc)
    }

    pub fn source(&self) -> &str {
        &self.src
    }

    /// Keys given twice in one map or struct, as (the first, the second): serde keeps one value and drops the
    /// other without a word, so the loader reports them (R202).
    pub fn duplicate_keys(&self) -> &[(Span, Span)] {
        &self.duplicates
    }

    /// The span of the value at `path`, or of its nearest recorded ancestor.
    pub fn find(&self, path: &str) -> Option<Span> {
        let mut node = 0u32;
        let mut found = self.spans[0];
        for seg in path.split(['.', '[']).filter(|s| !s.is_empty()) {
            let key = match seg.strip_suffix(']') {
                Some(n) => match n.parse::<u32>() {
                    Ok(i) => i | INDEX,
                    Err(_) => break,
                },
                None => match self.names.get(seg) {
                    Some(&id) => id,
                    None => break,
                },
            };
            let Some(&child) = self.children.get(&(node, key)) else {
                break;
            };
            node = child;
            found = self.spans[node as usize].or(found);
        }
        found
    }

    /// The trie node of the value that starts now, recording its span the first time it is seen.
    fn value_node(&mut self, stack: &mut [Frame], span: Span) -> u32 {
        let depth = stack.len();
        let Some(frame) = stack.last_mut() else { return 0 };
        if depth == 1 {
            self.spans[0].get_or_insert(span);
            return 0;
        }
        let key = match frame.field.take() {
            Some(id) => id,
            None => frame.index | INDEX,
        };
        let next = self.spans.len() as u32;
        let node = *self.children.entry((frame.node, key)).or_insert(next);
        if node == next {
            self.spans.push(Some(span));
        }
        node
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

    /// At most `width` bytes of the line around a byte offset: generated files can be one huge line.
    pub fn snippet(&self, offset: usize, width: usize) -> &str {
        let (line, _) = self.line_col(offset);
        let text = self.line_text(line);
        if text.len() <= width {
            return text;
        }
        let start = self.line_starts[line - 1];
        let at = offset.saturating_sub(start).min(text.len());
        let mut from = at.saturating_sub(width / 2);
        while !text.is_char_boundary(from) {
            from -= 1;
        }
        let mut to = (from + width).min(text.len());
        while !text.is_char_boundary(to) {
            to -= 1;
        }
        &text[from..to]
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

/// The tokens of a RON text, read one at a time: what the scan needs of RON's syntax (strings, brackets, colons,
/// commas and bare words), with comments and attributes skipped.
struct Tokens<'a> {
    b: &'a [u8],
    i: usize,
}

impl Iterator for Tokens<'_> {
    type Item = (Tok, Span);

    fn next(&mut self) -> Option<(Tok, Span)> {
        let b = self.b;
        let mut i = self.i;
        let found = loop {
            if i >= b.len() {
                break None;
            }
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
                    break Some((Tok::Str, Span { start, end: i }));
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
                    break Some((Tok::Str, Span { start, end: i }));
                }
                b'\'' => {
                    let start = i;
                    i += 1;
                    while i < b.len() && b[i] != b'\'' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i = (i + 1).min(b.len());
                    break Some((Tok::Str, Span { start, end: i }));
                }
                b'(' | b'[' | b'{' => {
                    i += 1;
                    break Some((Tok::Open(c), Span { start: i - 1, end: i }));
                }
                b')' | b']' | b'}' => {
                    i += 1;
                    break Some((Tok::Close, Span { start: i - 1, end: i }));
                }
                b':' => {
                    i += 1;
                    break Some((Tok::Colon, Span { start: i - 1, end: i }));
                }
                b',' => {
                    i += 1;
                    break Some((Tok::Comma, Span { start: i - 1, end: i }));
                }
                _ => {
                    let start = i;
                    while i < b.len() && !b" \t\r\n()[]{}:,\"/#".contains(&b[i]) {
                        i += 1;
                    }
                    if i == start {
                        i += 1;
                    }
                    break Some((Tok::Word, Span { start, end: i }));
                }
            }
        };
        self.i = i;
        found
    }
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
    fn a_key_given_twice_in_one_map_is_noted_and_the_same_key_in_two_maps_is_not() {
        let src = "W(fit: { A: 0.8, B: 1, A: 0.1 }, other: { A: 2 }, list: [(id: 1), (id: 2)])";
        let loc = Locator::scan(src).expect("scan");
        let d = loc.duplicate_keys();
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(&src[d[0].0.start..d[0].0.end], "A");
        assert_eq!(d[0].1.start, src.find("A: 0.1").expect("second"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let src = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(matches!(Locator::scan(&src), Err((_, Bound::TooDeep(_)))));
    }
}
