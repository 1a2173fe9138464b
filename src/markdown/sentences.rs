//! The visible sentences of a body, with where each starts, for the prose checks (a
//! sentence repeated across pages, a sentence about the site itself). HTML and comments
//! are not visible text and are left out; a link's text is.

use std::ops::Range;

use pulldown_cmark::{Event, TagEnd};

/// The marks a sentence ends with, when white space or the end of its block follows.
pub const STOPS: [char; 4] = ['.', '!', '?', '…'];

/// A sentence of visible text and the byte offset in the body where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sentence {
    pub offset: usize,
    pub text: String,
}

/// A block's text so far, with the body offset of each piece.
#[derive(Default)]
struct Block {
    text: String,
    /// `(index in text, offset in body)` where each piece starts; inside a piece, text and
    /// body are taken to run alike (escapes and smart quotes may shift a column).
    starts: Vec<(usize, usize)>,
}

impl Block {
    fn push(&mut self, piece: &str, offset: usize) {
        self.starts.push((self.text.len(), offset));
        self.text.push_str(piece);
    }

    /// The block's sentences; empties the block. A sentence ends at `.`, `!`, `?` or `…`
    /// before white space or the end of the block.
    fn flush(&mut self, into: &mut Vec<Sentence>) {
        let text = std::mem::take(&mut self.text);
        let starts = std::mem::take(&mut self.starts);
        let offset_at = |index: usize| {
            // The last piece starting at or before `index` (pieces are in text order).
            match starts.partition_point(|(start, _)| *start <= index) {
                0 => 0,
                after => {
                    let (start, offset) = starts[after - 1];
                    offset + (index - start)
                }
            }
        };
        let bytes = text.as_bytes();
        let mut begin = 0;
        for (i, byte) in bytes.iter().enumerate() {
            // [`STOPS`], as bytes: `…` is E2 80 A6 in UTF-8; the others are ASCII.
            let end = match byte {
                b'.' | b'!' | b'?' => i + 1,
                0xE2 if bytes[i + 1..].starts_with(&[0x80, 0xA6]) => i + 3,
                _ => continue,
            };
            if text[end..].chars().next().is_none_or(char::is_whitespace) {
                push_sentence(&text, begin, end, &offset_at, into);
                begin = end;
            }
        }
        push_sentence(&text, begin, text.len(), &offset_at, into);
    }
}

fn push_sentence(
    text: &str,
    begin: usize,
    end: usize,
    offset_at: &dyn Fn(usize) -> usize,
    into: &mut Vec<Sentence>,
) {
    let sentence = &text[begin..end];
    let trimmed = sentence.trim_start();
    if trimmed.trim().is_empty() {
        return;
    }
    let start = begin + (sentence.len() - trimmed.len());
    into.push(Sentence {
        offset: offset_at(start),
        text: trimmed.trim_end().to_owned(),
    });
}

/// The sentences of the blocks (paragraphs, headings, list items, table cells) of a body.
pub fn sentences(events: &[(Event<'_>, Range<usize>)]) -> Vec<Sentence> {
    let mut found = Vec::new();
    let mut block = Block::default();
    for (event, range) in events {
        match event {
            Event::Text(text) | Event::Code(text) => block.push(text, range.start),
            Event::SoftBreak | Event::HardBreak => block.push(" ", range.start),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::FootnoteDefinition,
            )
            | Event::Start(pulldown_cmark::Tag::List(_)) => block.flush(&mut found),
            _ => {}
        }
    }
    block.flush(&mut found);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::Parser;

    fn of(body: &str) -> Vec<(usize, String)> {
        let events: Vec<_> = Parser::new(body).into_offset_iter().collect();
        sentences(&events)
            .into_iter()
            .map(|s| (s.offset, s.text))
            .collect()
    }

    #[test]
    fn paragraphs_split_into_sentences_at_their_offsets() {
        let body = "First one. Second [link](/a/) here!\n\n<!-- a note. -->\n\n## A heading\n";
        assert_eq!(
            of(body),
            vec![
                (0, "First one.".to_owned()),
                (11, "Second link here!".to_owned()),
                (58, "A heading".to_owned()),
            ]
        );
    }

    #[test]
    fn a_dot_inside_a_word_does_not_end_a_sentence() {
        assert_eq!(
            of("Visit icmpd.org today. Then 3.5 more.")
                .into_iter()
                .map(|(_, t)| t)
                .collect::<Vec<_>>(),
            ["Visit icmpd.org today.", "Then 3.5 more."]
        );
    }
}
