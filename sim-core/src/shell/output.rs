//! What a command writes: stdout and stderr chunks in the order they were written, so a
//! transcript shows them interleaved exactly as a terminal would.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    pub chunks: Vec<(Stream, String)>,
}

impl Output {
    pub fn out(&mut self, text: impl Into<String>) {
        self.push(Stream::Stdout, text.into());
    }

    pub fn err(&mut self, text: impl Into<String>) {
        self.push(Stream::Stderr, text.into());
    }

    /// Writes an error line the way kubectl does: `error: ` is the caller's; a newline is added
    /// when the message lacks one.
    pub fn err_line(&mut self, text: impl Into<String>) {
        let mut text = text.into();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        self.err(text);
    }

    fn push(&mut self, stream: Stream, text: String) {
        if text.is_empty() {
            return;
        }
        match self.chunks.last_mut() {
            Some((last, existing)) if *last == stream => existing.push_str(&text),
            _ => self.chunks.push((stream, text)),
        }
    }

    /// Everything written to stdout, in order.
    pub fn stdout(&self) -> String {
        self.text_of(Stream::Stdout)
    }

    pub fn stderr(&self) -> String {
        self.text_of(Stream::Stderr)
    }

    fn text_of(&self, stream: Stream) -> String {
        self.chunks.iter().filter(|(s, _)| *s == stream).map(|(_, t)| t.as_str()).collect()
    }

    /// Both streams interleaved, as a terminal shows them.
    pub fn combined(&self) -> String {
        self.chunks.iter().map(|(_, t)| t.as_str()).collect()
    }

    pub fn extend(&mut self, other: Output) {
        for (stream, text) in other.chunks {
            self.push(stream, text);
        }
    }
}
